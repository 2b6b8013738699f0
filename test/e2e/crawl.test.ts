import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { crawlPageJob, ReportService } from '../../src/crawler/index.js';
import { hashImageBytes, hashVideo } from '../../src/hashing/index.js';
import { jobRegistry, type Running, startWorker } from '../../src/main.js';
import { createRedisConnection, Producer } from '../../src/queue/index.js';
import { CaseService } from '../../src/registry/index.js';
import { type FixtureSite, startFixtureSite } from '../fixtures/site/index.js';
import { migratedDatabase } from '../helpers/app.js';
import { probes, scanFiles, scanPostgres, scanRedis, scanText } from '../helpers/byte-scan.js';
import { eventually } from '../helpers/process.js';
import { createTestPrefix, REDIS_URL } from '../helpers/services.js';

/**
 * The whole pipeline on the fixture tube site, with the real Postgres, Redis and Chromium: a report
 * of the listing is crawled, every media item the site serves is discovered and hashed once, and
 * registered content — an image and the HLS video's source — is matched.
 */
describe('crawl pipeline on the fixture site', () => {
  let site: FixtureSite;
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let worker: Running;
  let reports: ReportService;
  let producer: Producer;
  const prefix = createTestPrefix();
  const redis = createRedisConnection(REDIS_URL, 'producer');
  let caseId = 0;
  const logLines: string[] = [];
  const started = Date.now();

  beforeAll(async () => {
    site = await startFixtureSite();
    env = await migratedDatabase();
    const config = loadConfig({
      DATABASE_URL: env.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix.prefix,
      MIGRATE_ON_START: 'false',
      CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
      CRAWL_HOST_REQUESTS_PER_SECOND: '100',
      CRAWL_HOST_CONCURRENT_PAGES: '4',
      CRAWL_SCROLL_SECONDS: '15',
      WORKER_CONCURRENCY: '2',
      LOG_LEVEL: 'silent',
    });
    producer = new Producer(jobRegistry(), redis, prefix.prefix);
    // Register before crawling: one image of the listing and the video streamed over HLS.
    const cases = new CaseService(env.db);
    const image = await hashImageBytes(site.mediaBytes('lazy-1'));
    const video = await hashVideo({ kind: 'bytes', bytes: site.hlsSourceBytes('clip-2-hls') });
    const consent = {
      version: 'test',
      role: 'self' as const,
      adult: true,
      acceptedAt: new Date().toISOString(),
    };
    await cases.register({
      consent,
      contactEmail: null,
      source: 'api',
      items: [
        { ...image, kind: 'image' },
        {
          ...video,
          kind: 'video',
          sha256: video.sha256 ?? '',
          md5: video.md5 ?? '',
          durationMs: video.durationMs ?? undefined,
        },
      ],
    });
    caseId = Number((await env.db.pool.query('SELECT id FROM cases LIMIT 1')).rows[0].id);
    reports = new ReportService(
      env.db,
      async (reportId, pageId) => void (await producer.enqueue(crawlPageJob, { reportId, pageId })),
      {
        dedupWindowMs: 3_600_000,
        maxDepth: 2,
      },
    );
    // Capture every log line of the worker (at debug) to prove no media bytes are ever logged.
    worker = await startWorker(
      config,
      pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
    );
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await producer?.close();
    redis.disconnect();
    await env?.close();
    await site?.close();
    await prefix.clean();
  });

  it('discovers, hashes once and matches every media item of the site', async () => {
    const { report } = await reports.create({ url: site.listingUrl, depth: 1, source: 'api' });
    const status = await eventually(
      async () => {
        const { rows } = await env.db.pool.query('SELECT status FROM reports WHERE id = $1', [report.id]);
        return rows[0].status === 'done' || rows[0].status === 'failed' ? rows[0].status : undefined;
      },
      150_000,
      'the report to finish',
    );
    expect(status).toBe('done');

    const { rows: media } = await env.db.pool.query(
      'SELECT url, status, failure_code, content_id FROM media',
    );
    const byUrl = new Map(media.map((m) => [m.url, m]));
    const missing = site.media
      .filter((m) => !m.removed && !byUrl.has(m.url))
      .map((m) => `${m.id} (${m.via})`);
    expect(missing).toEqual([]);
    const notHashed = site.media
      .filter((m) => !m.removed)
      .map((m) => ({ id: m.id, row: byUrl.get(m.url) }))
      .filter(({ row }) => row?.status !== 'hashed')
      .map(({ id, row }) => `${id}: ${row?.status} ${row?.failure_code}`);
    expect(notHashed).toEqual([]);

    // Hashed once: one content per distinct file, and every fixture URL downloaded by us once.
    const contents = await env.db.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT sha256)::int AS d FROM contents',
    );
    expect(contents.rows[0].n).toBe(contents.rows[0].d);

    const { rows: matches } = await env.db.pool.query(
      'SELECT m.url, x.signal, x.distance, x.case_id, x.detail FROM matches x JOIN media m ON m.id = x.media_id',
    );
    const matched = new Map(matches.map((m) => [m.url, m]));
    const lazy = site.media.find((m) => m.id === 'lazy-1');
    expect(matched.get(lazy?.url ?? '')).toMatchObject({
      signal: 'sha256',
      distance: 0,
      case_id: String(caseId),
    });
    const hls = site.media.find((m) => m.via === 'hls');
    const hlsMatch = matched.get(hls?.url ?? '');
    // The rendition playlist the player loaded is part of the master's stream, not a video of its own.
    expect(media.filter((m) => m.url.endsWith('/360p/index.m3u8'))).toEqual([]);
    expect(hlsMatch?.signal).toBe('vpdq');
    expect(hlsMatch?.detail.video.registeredMatchPercent).toBeGreaterThanOrEqual(80);
    // Nothing unrelated matched: every match is the registered image or the registered video.
    const unrelated = matches.filter(
      (m) => m.url !== lazy?.url && m.url !== hls?.url && m.signal !== 'vpdq' && m.distance > 10,
    );
    expect(unrelated).toEqual([]);
  }, 200_000);

  it('links a second report of the same URL to the first instead of crawling again', async () => {
    const pagesBefore = await env.db.pool.query('SELECT count(*)::int AS n FROM pages');
    const again = await reports.create({ url: `${site.listingUrl}#again`, source: 'api' });
    expect(again.duplicateOf).not.toBeNull();
    expect(again.pageId).toBeNull();
    const pagesAfter = await env.db.pool.query('SELECT count(*)::int AS n FROM pages');
    expect(pagesAfter.rows[0].n).toBe(pagesBefore.rows[0].n);
  });

  it('kept no media bytes: not in Postgres, Redis, the logs or the temp directory', async () => {
    const files = site.media
      .filter((m) => !m.removed && m.kind === 'image')
      .map((m) => site.mediaBytes(m.id));
    files.push(site.hlsSourceBytes(site.media.find((m) => m.via === 'hls')?.id ?? ''));
    const needles = probes(files);
    expect(needles.length).toBeGreaterThan(100);
    expect(await scanPostgres(env.db.pool, needles)).toEqual({});
    expect(await scanRedis(redis, prefix.prefix, needles)).toEqual({});
    expect(scanText(logLines.join(''), needles)).toBe(0);
    expect(logLines.length).toBeGreaterThan(3);
    expect(await scanFiles(tmpdir(), started, needles)).toEqual({});
    // The scan can find bytes: a row that holds some is reported.
    await env.db.pool.query(
      "INSERT INTO audit_log (actor, action, prev_hash, hash, detail) VALUES ('t', 'probe', '', 'probe', $1)",
      [{ b: Buffer.from(needles[0] ?? []).toString('base64') }],
    );
    expect(await scanPostgres(env.db.pool, needles)).toEqual({ audit_log: 1 });
  }, 120_000);
});
