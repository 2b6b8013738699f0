import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, exitOf, freePort, spawnHashwatch } from '../helpers/process.js';
import { createTestDatabase, createTestPrefix } from '../helpers/services.js';

/**
 * The real process: `hashwatch up` against a Postgres database of its own and a Redis server the
 * test starts and stops, to see /readyz follow Redis and SIGTERM end the process cleanly.
 */
describe('hashwatch up', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let redis: ChildProcess;
  let redisPort: number;
  const prefix = createTestPrefix();

  beforeAll(async () => {
    database = await createTestDatabase();
    redisPort = await freePort();
    redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
  });
  afterAll(async () => {
    if (redis.exitCode === null) redis.kill('SIGKILL');
    await database.drop();
    await prefix.clean();
  });

  it('is ready with Postgres and Redis, reports Redis when it stops, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const hw = spawnHashwatch(['up'], {
      DATABASE_URL: database.url,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      QUEUE_PREFIX: prefix.prefix,
      PORT: String(port),
      SHUTDOWN_GRACE_MS: '3000',
    });
    try {
      const ready = await eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/readyz`);
          return res.status === 200 ? res.json() : undefined;
        },
        30_000,
        '/readyz to answer 200',
      );
      expect(ready).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });

      redis.kill('SIGKILL');
      const notReady = await eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/readyz`);
          return res.status === 503 ? res.json() : undefined;
        },
        15_000,
        '/readyz to answer 503',
      );
      expect(notReady.error.code).toBe('NOT_READY');
      expect(notReady.error.message).toMatch(/redis/);
      expect(notReady.error.details.checks.postgres).toBe('ok');

      const started = Date.now();
      hw.kill('SIGTERM');
      expect(await exitOf(hw)).toBe(0);
      expect(Date.now() - started).toBeLessThan(3000 + 10_000);
      expect(hw.output()).toContain('stopped cleanly');
    } finally {
      if (hw.exitCode === null) hw.kill('SIGKILL');
    }
  }, 60_000);
});
