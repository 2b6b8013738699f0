import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { pino } from 'pino';
import { dropDatabase, ensureDatabase } from '../../src/db/index.js';
import { eventually } from './process.js';

/** Where the machine's Postgres and Redis are; CI and developers run them locally. */
export const PG_BASE = process.env.TEST_DATABASE_BASE ?? 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A logger that discards everything unless TEST_LOG is set. */
export const silentLog = pino({ level: process.env.TEST_LOG ?? 'silent' });

/** A short random suffix so parallel test files never share a database or queue prefix. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** Creates an empty database of its own for a test file; `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const url = `${PG_BASE}/hashwatch_test_${uniqueSuffix()}`;
  await ensureDatabase(url);
  return { url, drop: () => dropDatabase(url) };
}

/** A queue prefix of its own for a test file; `clean()` deletes every Redis key under it. */
export function createTestPrefix(): { prefix: string; clean(): Promise<void> } {
  const prefix = `hwtest_${uniqueSuffix()}`;
  return {
    prefix,
    async clean() {
      const redis = new Redis(REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Waits until report `id` is `done` or `failed`, and resolves with its status and failure code. */
export function reportFinished(
  pool: pg.Pool,
  id: number,
  ms: number,
  what = `report ${id} to finish`,
): Promise<{ status: 'done' | 'failed'; failure_code: string | null }> {
  return eventually(
    async () => {
      const { rows } = await pool.query('SELECT status, failure_code FROM reports WHERE id = $1', [id]);
      return ['done', 'failed'].includes(rows[0].status) ? rows[0] : undefined;
    },
    ms,
    what,
  );
}
