import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { crawlPageJob, ReportService, retroMatchJob } from '../../src/crawler/index.js';
import { hashImageBytes } from '../../src/hashing/index.js';
import { jobRegistry, type Running, startWorker } from '../../src/main.js';
import { createRedisConnection, Producer } from '../../src/queue/index.js';
import { CaseService } from '../../src/registry/index.js';
import { migratedDatabase } from '../helpers/app.js';
import { eventually } from '../helpers/process.js';
import { createTestPrefix, REDIS_URL, reportFinished, silentLog } from '../helpers/services.js';

function serve(
  host: string,
  handler: http.RequestListener,
): Promise<{ server: http.Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  return new Promise((resolve) =>
    server.listen(0, host, () =>
      resolve({ server, url: `http://${host}:${(server.address() as AddressInfo).port}`, hits }),
    ),
  );
}

/**
 * With private networks not allowed (only the test site's own address is let through), media and
 * redirects pointing at private addresses are refused and recorded, and nothing reaches them — not
 * the downloader, not the browser. Registering afterwards matches what was already crawled.
 */
describe('crawl guard and retroactive matching', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let worker: Running;
  let reports: ReportService;
  let producer: Producer;
  let site: Awaited<ReturnType<typeof serve>>;
  let internal: Awaited<ReturnType<typeof serve>>;
  let png: Buffer;
  const prefix = createTestPrefix();
  const redis = createRedisConnection(REDIS_URL, 'producer');

  beforeAll(async () => {
    png = await sharp('test/fixtures/photos/skimage-coffee.jpg').resize(400).png().toBuffer();
    internal = await serve('127.0.0.5', (_req, res) => res.end('internal secret'));
    site = await serve('127.0.0.1', (req, res) => {
      if (req.url === '/') {
        res.setHeader('content-type', 'text/html');
        res.end(`<!doctype html><title>gallery</title>
          <img src="/ok.png"><img src="/to-private.png"><img src="http://10.255.255.1/x.jpg">
          <img src="http://169.254.169.254/latest/meta-data/">`);
      } else if (req.url === '/ok.png') {
        res.setHeader('content-type', 'image/png');
        res.end(png);
      } else if (req.url === '/to-private.png') {
        res.writeHead(302, { location: `${internal.url}/secret.png` }).end();
      } else res.writeHead(404).end();
    });
    env = await migratedDatabase();
    const config = loadConfig({
      DATABASE_URL: env.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix.prefix,
      MIGRATE_ON_START: 'false',
      CRAWLER_ALLOW_PRIVATE_NETWORKS: 'false',
      CRAWLER_ALLOW_HOSTS: new URL(site.url).host,
      CRAWL_HOST_REQUESTS_PER_SECOND: '100',
      CRAWL_SCROLL_SECONDS: '2',
      LOG_LEVEL: 'silent',
    });
    producer = new Producer(jobRegistry(), redis, prefix.prefix);
    reports = new ReportService(
      env.db,
      async (reportId, pageId) => void (await producer.enqueue(crawlPageJob, { reportId, pageId })),
      {
        dedupWindowMs: 3_600_000,
        maxDepth: 1,
      },
    );
    worker = await startWorker(config, silentLog);
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await producer?.close();
    redis.disconnect();
    await env?.close();
    site?.server.close();
    internal?.server.close();
    await prefix.clean();
  });

  const finished = (id: number) => reportFinished(env.db.pool, id, 60_000, 'the report to finish');

  it('refuses and records media and redirects that lead to private addresses', async () => {
    const { report } = await reports.create({ url: `${site.url}/`, depth: 0, source: 'api' });
    expect(await finished(report.id)).toEqual({ status: 'done', failure_code: null });
    const { rows } = await env.db.pool.query('SELECT url, status, failure_code FROM media ORDER BY url');
    const byPath = Object.fromEntries(
      rows.map((r) => [new URL(r.url).host + new URL(r.url).pathname, `${r.status} ${r.failure_code}`]),
    );
    expect(byPath).toEqual({
      [`${new URL(site.url).host}/ok.png`]: 'hashed null',
      [`${new URL(site.url).host}/to-private.png`]: 'failed CRAWL_BLOCKED_ADDRESS',
      '10.255.255.1/x.jpg': 'failed CRAWL_BLOCKED_ADDRESS',
      '169.254.169.254/latest/meta-data/': 'failed CRAWL_BLOCKED_ADDRESS',
    });
    // Neither the downloader nor the browser (through the vetting proxy) reached the internal server.
    expect(internal.hits).toEqual([]);
  }, 90_000);

  it('fails a report of a private address with a clear reason', async () => {
    const { report } = await reports.create({ url: `${internal.url}/`, depth: 0, source: 'api' });
    expect(await finished(report.id)).toEqual({ status: 'failed', failure_code: 'CRAWL_BLOCKED_ADDRESS' });
    expect(internal.hits).toEqual([]);
  }, 90_000);

  it('matches a case registered later against what was already crawled', async () => {
    const cases = new CaseService(env.db, undefined, 31, async (caseId, changeId) => {
      await producer.enqueue(retroMatchJob, { caseId, changeId });
    });
    // Registered from a re-encoded copy, so only the perceptual hash can match.
    const copy = await hashImageBytes(await sharp(png).jpeg({ quality: 80 }).toBuffer());
    await cases.register({
      consent: { version: 'test', role: 'self', adult: true, acceptedAt: new Date().toISOString() },
      contactEmail: null,
      items: [copy],
      source: 'api',
    });
    const match = await eventually(
      async () => {
        const { rows } = await env.db.pool.query(
          'SELECT m.url, x.signal, x.distance FROM matches x JOIN media m ON m.id = x.media_id',
        );
        return rows[0];
      },
      30_000,
      'the retroactive match',
    );
    expect(match).toMatchObject({ url: `${site.url}/ok.png`, signal: 'pdq' });
    expect(match.distance).toBeLessThanOrEqual(31);
  }, 60_000);
});
