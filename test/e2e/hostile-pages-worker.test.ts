import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { crawlPageJob, ReportService } from '../../src/crawler/index.js';
import { jobRegistry, type Running, startWorker } from '../../src/main.js';
import { createRedisConnection, Producer } from '../../src/queue/index.js';
import { migratedDatabase } from '../helpers/app.js';
import { GB, hostileHandler, MB, type Served, type StreamStats, serve } from '../helpers/hostile-site.js';
import { createTestPrefix, REDIS_URL, reportFinished, silentLog } from '../helpers/services.js';

/**
 * The same limits through a real worker: each hostile report ends `failed` with its code recorded,
 * the worker's memory stays bounded, and an ordinary report after them is crawled as usual.
 */
describe('hostile pages through a worker', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let worker: Running;
  let reports: ReportService;
  let producer: Producer;
  let site: Served;
  let other: Served;
  let internal: Served;
  const stats: Record<string, StreamStats> = {};
  const prefix = createTestPrefix();
  const redis = createRedisConnection(REDIS_URL, 'producer');

  beforeAll(async () => {
    internal = await serve('127.0.0.5', (_req, res) => res.end('internal secret'));
    other = await serve('127.0.0.3', hostileHandler({ other: () => other.url, stats }));
    site = await serve('127.0.0.1', hostileHandler({ other: () => other.url, stats }));
    env = await migratedDatabase();
    const config = loadConfig({
      DATABASE_URL: env.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix.prefix,
      MIGRATE_ON_START: 'false',
      CRAWLER_ALLOW_PRIVATE_NETWORKS: 'false',
      CRAWLER_ALLOW_HOSTS: `${site.authority},${other.authority}`,
      CRAWL_HOST_REQUESTS_PER_SECOND: '100',
      CRAWL_HOST_CONCURRENT_PAGES: '4',
      CRAWL_SCROLL_SECONDS: '1',
      CRAWL_PAGE_TIMEOUT_SECONDS: '20',
      CRAWL_PAGE_MAX_MB: '8',
      CRAWL_MAX_POPUPS: '2',
      CRAWL_MAX_REDIRECTS: '3',
      WORKER_CONCURRENCY: '2',
      LOG_LEVEL: 'silent',
    });
    producer = new Producer(jobRegistry(), redis, prefix.prefix);
    reports = new ReportService(
      env.db,
      async (reportId, pageId) => void (await producer.enqueue(crawlPageJob, { reportId, pageId })),
      { dedupWindowMs: 0, maxDepth: 0 },
    );
    worker = await startWorker(config, silentLog);
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await producer?.close();
    redis.disconnect();
    await env?.close();
    await Promise.all([site?.close(), other?.close(), internal?.close()]);
    await prefix.clean();
  });

  const finished = (id: number) => reportFinished(env.db.pool, id, 90_000);

  it('records each hostile page as failed with its code, then crawls an ordinary page', async () => {
    const rssBefore = process.memoryUsage().rss;
    const cases: [string, string][] = [
      ['/loop/a', 'CRAWL_REDIRECT_LOOP'],
      ['/chain/0', 'CRAWL_TOO_MANY_REDIRECTS'],
      [`/go?to=${encodeURIComponent(`http://2130706437:${internal.port}/`)}`, 'CRAWL_BLOCKED_ADDRESS'],
      [`/go?to=${encodeURIComponent(`http://[::ffff:7f00:5]:${internal.port}/`)}`, 'CRAWL_BLOCKED_ADDRESS'],
      ['/huge', 'CRAWL_TOO_LARGE'],
      ['/popups', 'CRAWL_TOO_MANY_POPUPS'],
      ['/away', 'CRAWL_NAVIGATED_AWAY'],
    ];
    const created = [];
    for (const [path] of cases) {
      created.push((await reports.create({ url: `${site.url}${path}`, depth: 0, source: 'api' })).report.id);
    }
    const outcomes = await Promise.all(created.map((id) => finished(id)));
    expect(Object.fromEntries(cases.map(([path], i) => [path, outcomes[i]]))).toEqual(
      Object.fromEntries(cases.map(([path, code]) => [path, { status: 'failed', failure_code: code }])),
    );
    expect(internal.hits).toEqual([]);
    expect(stats['/huge']?.sent).toBeLessThan(GB / 8);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * MB);

    const { report } = await reports.create({ url: `${site.url}/ok`, depth: 0, source: 'api' });
    expect(await finished(report.id)).toEqual({ status: 'done', failure_code: null });
    const { rows } = await env.db.pool.query(
      `SELECT m.url FROM media m JOIN page_media pm ON pm.media_id = m.id
         JOIN pages p ON p.id = pm.page_id WHERE p.report_id = $1 ORDER BY m.url`,
      [report.id],
    );
    expect(rows.map((r) => new URL(r.url).pathname)).toEqual(['/img/1.png', '/img/2.png']);
  }, 150_000);
});
