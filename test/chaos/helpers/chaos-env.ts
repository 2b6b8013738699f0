/**
 * One chaos run's world: a private Postgres and Redis, copies of the fixture tube site, a migrated
 * database, the producer and services the API would use, and the environment for worker processes.
 * Also the integrity queries every chaos test ends with.
 */

import { crawlPageJob, ReportService, retroMatchJob } from '../../../src/crawler/index.js';
import { createDb, type Db, ensureDatabase, migrate } from '../../../src/db/index.js';
import { hashImageBytes } from '../../../src/hashing/index.js';
import { jobRegistry } from '../../../src/main.js';
import { createRedisConnection, jobIdFor, Producer } from '../../../src/queue/index.js';
import { CaseService } from '../../../src/registry/index.js';
import { type FixtureSite, startFixtureSite } from '../../fixtures/site/index.js';
import {
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startPrivateRedis,
} from './private-services.js';
import type { WorkerProc } from './workers.js';

export const QUEUE_PREFIX = 'hwchaos';

export interface ChaosEnv {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  dbUrl: string;
  db: Db;
  producer: Producer;
  sites: FixtureSite[];
  reports: ReportService;
  cases: CaseService;
  /** Every page a hotline could report: listing pages and video pages of every site copy. */
  pageUrls: string[];
  workerEnv(extra?: Record<string, string>): Record<string, string>;
  /** Registers a case with the image hashes of the given fixture media ids (from the first copy). */
  registerCase(mediaIds: string[]): Promise<{ caseId: number; ref: string }>;
  close(): Promise<void>;
}

export async function startChaosEnv(opts: { sites: number }): Promise<ChaosEnv> {
  const [pg, redis, sites] = await Promise.all([
    startPrivatePostgres(),
    startPrivateRedis(),
    Promise.all(
      Array.from({ length: opts.sites }, () =>
        startFixtureSite({ videoSeconds: 2, photos: 4, pages: 2, scrollRounds: 1 }),
      ),
    ),
  ]);
  const dbUrl = `${pg.base}/hashwatch_chaos`;
  await ensureDatabase(dbUrl);
  const db = createDb(dbUrl, 4);
  await migrate(db.pool);
  const producerRedis = createRedisConnection(redis.url, 'producer', 'chaos-test');
  const producer = new Producer(jobRegistry(), producerRedis, QUEUE_PREFIX);
  // While Redis is restarted on purpose, the test's own queues would print every refused connect.
  for (const q of producer.registry.queues()) producer.queue(q).on('error', () => {});
  const reports = new ReportService(
    db,
    async (reportId, pageId) => void (await producer.enqueue(crawlPageJob, { reportId, pageId })),
    // Every report is crawled, even of a page reported a second earlier: 200 reports, 200 renders.
    { dedupWindowMs: 1, maxDepth: 0 },
  );
  const cases = new CaseService(db, undefined, 31, async (caseId, changeId) => {
    await producer.enqueue(retroMatchJob, { caseId, changeId });
  });
  const first = sites[0] as FixtureSite;
  return {
    pg,
    redis,
    dbUrl,
    db,
    producer,
    sites,
    reports,
    cases,
    pageUrls: sites.flatMap((s) => [...s.listingPages, ...s.videoPages]),
    workerEnv: (extra = {}) => ({
      DATABASE_URL: dbUrl,
      REDIS_URL: redis.url,
      QUEUE_PREFIX,
      MIGRATE_ON_START: 'false',
      CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
      // Politeness out of the way: every copy of the site is on 127.0.0.1, and a killed worker's
      // page slots stay taken until their TTL. This run is about faults, not per-host limits.
      CRAWL_HOST_REQUESTS_PER_SECOND: '1000',
      CRAWL_HOST_CONCURRENT_PAGES: '64',
      CRAWL_SCROLL_SECONDS: '1',
      WORKER_CONCURRENCY: '2',
      // A killed worker's jobs are taken over after this (BullMQ's stalled-job check).
      WORKER_LOCK_SECONDS: '5',
      LOG_LEVEL: 'info',
      ...extra,
    }),
    async registerCase(mediaIds) {
      const items = await Promise.all(mediaIds.map((id) => hashImageBytes(first.mediaBytes(id))));
      const { ref } = await cases.register({
        consent: { version: 'chaos', role: 'self', adult: true, acceptedAt: new Date().toISOString() },
        contactEmail: null,
        items,
        source: 'api',
      });
      const { rows } = await db.pool.query('SELECT id FROM cases WHERE ref = $1', [ref]);
      return { caseId: Number(rows[0].id), ref };
    },
    async close() {
      await producer.close().catch(() => {});
      producerRedis.disconnect();
      await db.pool.end().catch(() => {});
      await Promise.all(sites.map((s) => s.close()));
      await Promise.all([pg.destroy(), redis.destroy()]);
    },
  };
}

/** Creates `n` reports, round robin over the env's page URLs (so many reports share pages and media). */
export async function createReports(env: ChaosEnv, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const url = env.pageUrls[i % env.pageUrls.length] as string;
    const { report } = await env.reports.create({ url, depth: 0, source: 'api' });
    ids.push(report.id);
  }
  return ids;
}

/** Reports finished (done or failed) so far. */
export async function reportsSettled(db: Db): Promise<{ settled: number; total: number }> {
  const { rows } = await db.pool.query(
    `SELECT count(*) FILTER (WHERE status IN ('done', 'failed'))::int AS settled, count(*)::int AS total FROM reports`,
  );
  return rows[0];
}

/** What a finished run left in Postgres: every count the chaos assertions look at. */
export interface Integrity {
  reports: Record<string, number>;
  /** Failed reports (or pages) without a recorded reason. */
  failedWithoutReason: number;
  pagesUnsettled: number;
  media: Record<string, number>;
  contents: number;
  distinctSha256: number;
  duplicateMatches: number;
  duplicateNoticeItems: number;
  matches: Record<string, number>;
  notices: Record<string, number>;
}

const byStatus = async (db: Db, sql: string): Promise<Record<string, number>> =>
  Object.fromEntries((await db.pool.query(sql)).rows.map((r) => [r.k, Number(r.n)]));

export async function integrity(db: Db): Promise<Integrity> {
  const one = async (sql: string) => Number((await db.pool.query(sql)).rows[0].n);
  return {
    reports: await byStatus(db, 'SELECT status AS k, count(*) AS n FROM reports GROUP BY status'),
    failedWithoutReason: await one(
      `SELECT (SELECT count(*) FROM reports r WHERE r.status = 'failed' AND r.failure_reason IS NULL
                AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.report_id = r.id AND p.failure_reason IS NOT NULL))
            + (SELECT count(*) FROM pages WHERE status = 'failed' AND failure_reason IS NULL) AS n`,
    ),
    pagesUnsettled: await one("SELECT count(*) AS n FROM pages WHERE status IN ('queued', 'crawling')"),
    media: await byStatus(db, 'SELECT status AS k, count(*) AS n FROM media GROUP BY status'),
    contents: await one('SELECT count(*) AS n FROM contents'),
    distinctSha256: await one('SELECT count(DISTINCT sha256) AS n FROM contents'),
    duplicateMatches: await one(
      'SELECT count(*) AS n FROM (SELECT 1 FROM matches GROUP BY media_id, case_id HAVING count(*) > 1) d',
    ),
    duplicateNoticeItems: await one(
      'SELECT count(*) AS n FROM (SELECT 1 FROM notice_items GROUP BY match_id, level HAVING count(*) > 1) d',
    ),
    matches: await byStatus(db, 'SELECT state AS k, count(*) AS n FROM matches GROUP BY state'),
    notices: await byStatus(db, 'SELECT status AS k, count(*) AS n FROM notices GROUP BY status'),
  };
}

/** `media hashed` log lines of every worker (killed ones included), per media id. */
export function hashingsPerMedia(workers: WorkerProc[]): { perMedia: Map<number, number>; fresh: number } {
  const perMedia = new Map<number, number>();
  let fresh = 0;
  for (const w of workers) {
    for (const line of w.output().split('\n')) {
      if (!line.includes('"media hashed"')) continue;
      try {
        const entry = JSON.parse(line) as { mediaId: number; fresh: boolean };
        perMedia.set(entry.mediaId, (perMedia.get(entry.mediaId) ?? 0) + 1);
        if (entry.fresh) fresh++;
      } catch {
        // a line cut short by SIGKILL
      }
    }
  }
  return { perMedia, fresh };
}

/**
 * For a run that did not finish: each unsettled page with the state of its BullMQ job and the
 * worker log lines that name that job, to tell a lost job from a slow one.
 */
export async function explainUnsettled(env: ChaosEnv, workers: WorkerProc[]): Promise<string> {
  const { rows } = await env.db.pool.query(
    "SELECT id, report_id, status, url FROM pages WHERE status IN ('queued', 'crawling') ORDER BY id LIMIT 5",
  );
  const lines: string[] = [];
  for (const r of rows) {
    const jobId = jobIdFor(crawlPageJob, { reportId: Number(r.report_id), pageId: Number(r.id) }) ?? '';
    const job = await env.producer.queue(crawlPageJob.queue).getJob(jobId);
    const state = job ? await job.getState() : 'no job';
    lines.push(
      `page ${r.id} (${r.status}) job ${jobId}: ${state}, attempts ${job?.attemptsMade}/${job?.attemptsStarted}, stalled ${job?.stalledCounter}, reason ${job?.failedReason}`,
    );
    for (const w of workers)
      for (const l of w.output().split('\n'))
        if (l.includes(jobId)) lines.push(`  ${w.name}: ${l.slice(0, 300)}`);
  }
  return lines.join('\n');
}
