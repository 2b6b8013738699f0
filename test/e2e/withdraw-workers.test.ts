import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlPageJob, ReportService } from '../../src/crawler/index.js';
import { hashImageBytes } from '../../src/hashing/index.js';
import { jobRegistry } from '../../src/main.js';
import { createRedisConnection, Producer } from '../../src/queue/index.js';
import { CaseService } from '../../src/registry/index.js';
import { migratedDatabase } from '../helpers/app.js';
import { eventually, spawnHashwatch } from '../helpers/process.js';
import { createTestPrefix, REDIS_URL } from '../helpers/services.js';

/**
 * Two real worker processes hold the registry in memory. After a case is withdrawn, a second later
 * neither of them matches its image any more, wherever it is found.
 */
describe('withdrawal across worker processes', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let server: http.Server;
  let base = '';
  let png: Buffer;
  const prefix = createTestPrefix();
  const redis = createRedisConnection(REDIS_URL, 'producer');
  const workers: ReturnType<typeof spawnHashwatch>[] = [];
  let producer: Producer;
  let reports: ReportService;

  beforeAll(async () => {
    png = await sharp('test/fixtures/photos/skimage-astronaut.jpg').resize(360).png().toBuffer();
    server = http.createServer((req, res) => {
      const page = /^\/page\/(\d+)$/.exec(req.url ?? '');
      if (page) {
        res.setHeader('content-type', 'text/html');
        res.end(`<!doctype html><title>p</title><img src="/img/${page[1]}.png">`);
      } else if (req.url?.startsWith('/img/')) {
        res.setHeader('content-type', 'image/png');
        res.end(png);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    env = await migratedDatabase();
    producer = new Producer(jobRegistry(), redis, prefix.prefix);
    reports = new ReportService(
      env.db,
      async (reportId, pageId) => void (await producer.enqueue(crawlPageJob, { reportId, pageId })),
      {
        dedupWindowMs: 1,
        maxDepth: 0,
      },
    );
    for (let i = 0; i < 2; i++) {
      workers.push(
        spawnHashwatch(['worker', '--no-migrate'], {
          DATABASE_URL: env.url,
          REDIS_URL,
          QUEUE_PREFIX: prefix.prefix,
          CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
          CRAWL_HOST_REQUESTS_PER_SECOND: '100',
          CRAWL_HOST_CONCURRENT_PAGES: '8',
          CRAWL_SCROLL_SECONDS: '1',
          LOG_LEVEL: 'info',
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await producer?.close();
    redis.disconnect();
    await env?.close();
    server?.close();
    await prefix.clean();
  });

  const crawl = async (n: number) => {
    const { report } = await reports.create({ url: `${base}/page/${n}`, depth: 0, source: 'api' });
    await eventually(
      async () =>
        (await env.db.pool.query('SELECT status FROM reports WHERE id = $1', [report.id])).rows[0].status ===
        'done'
          ? true
          : undefined,
      60_000,
      `report of page ${n}`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${workers.map((w) => w.output().slice(-2000)).join('\n---\n')}`);
    });
  };
  const matchCount = async () =>
    (await env.db.pool.query('SELECT count(*)::int AS n FROM matches')).rows[0].n as number;

  it('stops matching on every worker within a second of withdrawal', async () => {
    const cases = new CaseService(env.db);
    const { ref, pin } = await cases.register({
      consent: { version: 'test', role: 'self', adult: true, acceptedAt: new Date().toISOString() },
      contactEmail: null,
      items: [await hashImageBytes(png)],
      source: 'api',
    });
    // Both workers follow registry changes; the case was added after they may have loaded.
    await eventually(
      async () => (workers.every((w) => w.output().includes('workers started')) ? true : undefined),
      30_000,
      'workers up',
    );
    await crawl(1);
    expect(await matchCount()).toBe(1);

    await cases.withdraw(ref, pin);
    await new Promise((r) => setTimeout(r, 1_000));
    await Promise.all([2, 3, 4, 5, 6, 7].map(crawl));
    const { rows } = await env.db.pool.query("SELECT count(*)::int AS n FROM media WHERE status = 'hashed'");
    expect(rows[0].n).toBe(7);
    // The one match made before withdrawal was deleted with the case's fingerprints, and none came after.
    expect(await matchCount()).toBe(0);
    // The first copy's location stays, without the fingerprints it had (docs/RELIABILITY.md, "Withdrawal").
    const first = await env.db.pool.query("SELECT content_id FROM media WHERE url LIKE '%/img/1.png'");
    expect(first.rows).toEqual([{ content_id: null }]);
  }, 120_000);
});
