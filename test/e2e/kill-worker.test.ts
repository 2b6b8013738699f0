import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlPageJob, ReportService } from '../../src/crawler/index.js';
import { jobRegistry } from '../../src/main.js';
import { createRedisConnection, Producer } from '../../src/queue/index.js';
import { migratedDatabase } from '../helpers/app.js';
import { eventually, spawnHashwatch } from '../helpers/process.js';
import { createTestPrefix, REDIS_URL, reportFinished } from '../helpers/services.js';

const IMAGES = 8;

/**
 * A worker killed with SIGKILL in the middle of downloading and hashing loses nothing: its jobs
 * stay locked until the lock expires, then another worker's stalled-job check takes them over and
 * the report completes with every image hashed once.
 */
describe('kill -9 of a worker mid-crawl', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let server: http.Server;
  let base = '';
  const served: string[] = [];
  const images: Buffer[] = [];
  const prefix = createTestPrefix();
  const redis = createRedisConnection(REDIS_URL, 'producer');
  const workers: ReturnType<typeof spawnHashwatch>[] = [];
  let producer: Producer;

  const workerEnv = () => ({
    DATABASE_URL: env.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix.prefix,
    CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
    CRAWL_HOST_REQUESTS_PER_SECOND: '100',
    CRAWL_HOST_CONCURRENT_PAGES: '4',
    CRAWL_SCROLL_SECONDS: '1',
    WORKER_LOCK_SECONDS: '3',
    LOG_LEVEL: 'info',
  });

  beforeAll(async () => {
    for (const name of [
      'skimage-coffee',
      'skimage-rocket',
      'mate-garden',
      'mate-wood',
      'skimage-chelsea',
      'mate-storm',
      'skimage-motorcycle_left',
      'mate-aqua',
    ]) {
      images.push(await sharp(`test/fixtures/photos/${name}.jpg`).resize(320).jpeg().toBuffer());
    }
    server = http.createServer((req, res) => {
      if (req.url === '/') {
        res.setHeader('content-type', 'text/html');
        res.end(
          `<!doctype html><title>g</title>${images.map((_, i) => `<img src="/slow/${i}.jpg" loading="lazy">`).join('')}`,
        );
        return;
      }
      const m = /^\/slow\/(\d+)\.jpg$/.exec(req.url ?? '');
      const img = m ? images[Number(m[1])] : undefined;
      if (!img) return void res.writeHead(404).end();
      // The browser's own requests are answered at once; the downloader's are slow, so the kill
      // lands while downloads are in flight.
      const fromBrowser = String(req.headers['user-agent']).includes('Chrome');
      if (!fromBrowser) served.push(req.url ?? '');
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(img),
        fromBrowser ? 0 : 1_500,
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    env = await migratedDatabase();
    producer = new Producer(jobRegistry(), redis, prefix.prefix);
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await producer?.close();
    redis.disconnect();
    await env?.close();
    server?.close();
    await prefix.clean();
  });

  it('finishes the report on another worker with every image hashed once', async () => {
    const first = spawnHashwatch(['worker', '--no-migrate'], workerEnv());
    workers.push(first);
    await eventually(
      async () => (first.output().includes('workers started') ? true : undefined),
      30_000,
      'first worker up',
    );
    const reports = new ReportService(
      env.db,
      async (reportId, pageId) => void (await producer.enqueue(crawlPageJob, { reportId, pageId })),
      {
        dedupWindowMs: 1,
        maxDepth: 0,
      },
    );
    const { report } = await reports.create({ url: `${base}/`, depth: 0, source: 'api' });
    // Kill it while the first downloads are being served slowly.
    await eventually(async () => (served.length >= 2 ? true : undefined), 60_000, 'downloads to start');
    first.kill('SIGKILL');
    const hashedAtKill = (
      await env.db.pool.query("SELECT count(*)::int AS n FROM media WHERE status = 'hashed'")
    ).rows[0].n;
    expect(hashedAtKill).toBeLessThan(IMAGES);

    const second = spawnHashwatch(['worker', '--no-migrate'], workerEnv());
    workers.push(second);
    const { status } = await reportFinished(
      env.db.pool,
      report.id,
      90_000,
      'the report to finish on the second worker',
    );
    expect(status).toBe('done');
    const media = await env.db.pool.query('SELECT status, count(*)::int AS n FROM media GROUP BY status');
    expect(media.rows).toEqual([{ status: 'hashed', n: IMAGES }]);
    const contents = await env.db.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT sha256)::int AS d FROM contents',
    );
    expect(contents.rows[0]).toEqual({ n: IMAGES, d: IMAGES });
  }, 180_000);
});
