/**
 * Load benchmark: many reported URLs on the fixture tube site, crawled by 1, 2, 4… real
 * `hashwatch worker` processes sharing one Redis and one Postgres, with a real `hashwatch serve`
 * answering 200 concurrent registrations and status lookups while the crawl runs. Measures, per
 * worker count:
 *
 * - reporting: how long reporting every URL took (reports/s);
 * - throughput: pages crawled per second, media downloaded and hashed per second (the site's pages
 *   share their media, so most pages only link media already hashed: "media links/s");
 * - queue latency p50/p99: enqueue → start of each crawl and media job, from BullMQ's own job
 *   timestamps (every URL is reported at the start, so this is mostly time spent in the backlog);
 * - connections: Redis and Postgres connections held by the worker processes (counted from /proc,
 *   because the servers are shared with other work), Redis `connected_clients` for the whole server,
 *   and Postgres connections to the run's database (`pg_stat_activity`: workers, API, benchmark);
 * - peak memory: each worker's Node.js process and its Chromium tree (RSS, and PSS for Chromium);
 * - storage at the end: Redis `used_memory` (and the server's `used_memory_peak`), the queues' job
 *   counts, and the size of the run's Postgres database;
 * - the API: p50/p99 latency and error rate of 200 concurrent `POST /api/v1/cases` (API token,
 *   hashes only), 200 concurrent `GET /api/v1/cases/:ref` (PIN) and 200 `GET /api/v1/reports/:id`.
 *
 *   npm run bench:load -- [--urls 10000] [--workers 1,2,4] [--concurrency 2] [--api 200]
 *     [--scroll-seconds 0] [--minutes N] [--timeout 10800] [--json]
 *
 * By default each configuration runs until every report is finished (or --timeout seconds pass).
 * With --minutes N it runs for a window of N minutes from the first report instead: at the end of
 * the window it counts what was finished within it (from Postgres timestamps), the backlog left and
 * an estimated time to drain it (backlog ÷ the window's rate), then waits for the API calls to
 * finish and stops. Draining 10,000 URLs takes hours on a small machine; a window measures the
 * steady state under the full backlog. Queue waits then cover only the jobs started within the
 * window, i.e. the backlog's oldest. Connection and memory peaks cover the run until the API calls
 * finished, in both modes.
 *
 * Each configuration gets its own database and queue prefix, removed afterwards (jobs still waiting
 * included). Politeness is set out of the way (a page slot for every job, 1000 requests/s per host)
 * and pages are not scrolled by default: this measures the pipeline and the shared services, not
 * scrolling (see bench:crawl).
 * A markdown table on stdout; with --json one JSON line per configuration on stdout and the table
 * on stderr. Progress on stderr. Postgres and Redis: TEST_DATABASE_BASE, TEST_REDIS_URL, or the
 * local defaults.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import { crawlPageJob, ReportService } from '../src/crawler/index.js';
import { jobRegistry } from '../src/main.js';
import { createRedisConnection, Producer } from '../src/queue/index.js';
import { generateToken } from '../src/registry/index.js';
import { insertToken } from '../src/server/index.js';
import { type FixtureSite, startFixtureSite } from '../test/fixtures/site/index.js';
import { freePort, spawnHashwatch } from '../test/helpers/process.js';
import { intArg, workerCountsArg } from './lib/args.js';
import { type BenchStore, freshStore } from './lib/bench-store.js';
import { crawlProgress, failureLines } from './lib/crawl-stats.js';
import { connectionsTo } from './lib/sockets.js';
import { TreeSampler, type WorkerPeaks } from './lib/tree-sampler.js';
import {
  benchServiceEnv,
  benchWorkerEnv,
  spawnWorker,
  stopWorkers,
  type WorkerProc,
  waitWorkersReady,
} from './lib/worker-procs.js';

const workerCounts = workerCountsArg('1,2,4');
const urlCount = intArg('urls', '10000', 1, 1_000_000);
const concurrency = intArg('concurrency', '2', 1, 64);
const apiClients = intArg('api', '200', 0, 10_000);
const scrollSeconds = intArg('scroll-seconds', '0', 0, 600);
const timeoutMs = intArg('timeout', '10800', 10, 86_400) * 1000;
/** Crawl window per configuration; undefined: until every report is finished. */
const windowMinutes = process.argv.includes('--minutes') ? intArg('minutes', '', 1, 1440) : undefined;
const json = process.argv.includes('--json');
const PG_BASE = process.env.TEST_DATABASE_BASE ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_PORT = Number(new URL(REDIS_URL).port || 6379);
const PG_PORT = Number(new URL(PG_BASE).port || 5432);
/** Memory samples are cheap but not free on 2 cores: once a second, PSS every 10 s. */
const SAMPLE_MS = 1_000;
const PSS_SAMPLE_MS = 10_000;
/** Reports created at once while enqueuing (each is two inserts and a Redis job). */
const ENQUEUE_PARALLEL = 8;
/**
 * The benchmark's own Postgres pool waits this long for a connection: createDb's 5 s suits the
 * service, but four workers and their Chromiums starting at once (load 25 on two cores) made the
 * benchmark's reporting time out and abort the run.
 */
const BENCH_PG_CONNECT_TIMEOUT_MS = 60_000;
/** Tries per reported URL, 5 s more apart each time, before the run gives up. */
const REPORT_ATTEMPTS = 4;
const MB = 1024 * 1024;

const log = (msg: string) => process.stderr.write(`[bench:load] ${msg}\n`);
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** p50/p99/max of a list of milliseconds (nearest rank), and how many there were. */
interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
}
function latency(values: number[]): Latency {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))] ?? 0;
  return { n: v.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(v[v.length - 1] ?? 0) };
}

/** One batch of concurrent API calls. */
interface ApiBatch extends Latency {
  errors: number;
  /** Status codes (or `network:<code>`) of the failed calls, counted. */
  failures: Record<string, number>;
}

/** A queue's jobs by state, at the end of the run. */
interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

/**
 * One configuration's result; also the JSON line printed with --json. With a window (--minutes),
 * the crawl counts and rates are of what finished within the window.
 */
interface Result {
  workers: number;
  concurrency: number;
  /** The window's length (--minutes), or null: the run went on until every report was finished. */
  windowMinutes: number | null;
  /** Every report was finished before the window ended (always true without a window). */
  drained: boolean;
  urls: number;
  /** Reporting every URL (report and page rows, crawl job), first to last. */
  reportSeconds: number;
  reportsPerSecond: number;
  reports: number;
  reportsFinished: number;
  reportsFailed: number;
  /** Reports not finished at the end: queued, or being crawled. */
  backlog: number;
  /** Estimate: backlog ÷ reports finished per second in the window; null without a window. */
  drainEstimateMinutes: number | null;
  pages: number;
  pagesFailed: number;
  /** Distinct media URLs downloaded and hashed (the pages share them). */
  mediaHashed: number;
  /** Media references recorded on pages (repeats across pages included). */
  mediaLinks: number;
  /** First report → last report finished, or → end of the window. */
  seconds: number;
  pagesPerSecond: number;
  mediaPerSecond: number;
  mediaLinksPerSecond: number;
  /** Enqueue → start, in ms, per queue: with a window, of the jobs started within it only. */
  queueLatencyMs: { crawl: Latency; media: Latency };
  /** Jobs by state at the end, per queue. */
  jobs: { crawl: JobCounts; media: JobCounts };
  /**
   * Redis INFO memory of the (shared) server, in MB: `used_memory` before reporting and at the end,
   * and `used_memory_peak` (the server's peak since it started, other work included).
   */
  redisMemoryMb: { before: number; end: number; serverPeak: number };
  /** `pg_database_size` of the run's database at the end. */
  databaseMb: number;
  /** Peak connections held by the worker processes, all of them together. */
  workerConnections: { redis: number; postgres: number };
  /** Peak `connected_clients` of the (shared) Redis server; other work on the machine included. */
  redisConnectedClientsPeak: number;
  /** Peak connections to the run's database (workers, API server, benchmark). */
  postgresDbConnectionsPeak: number;
  workerPeakRssMb: number;
  chromiumPeakRssMb: number;
  chromiumPeakPssMb: number;
  totalPeakPssMb: number;
  api: { registrations: ApiBatch; caseLookups: ApiBatch; reportLookups: ApiBatch } | null;
  loadAvgBefore: number;
  loadAvg: number;
}

const active = new Set<() => Promise<void>>();
function abort(why: string, code: number): void {
  log(`${why}: stopping workers and the API server, dropping the database, deleting the queue keys`);
  void Promise.all([...active].map((teardown) => teardown())).finally(() => process.exit(code));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort(signal, 130));
process.once('uncaughtException', (err) => abort(`uncaught ${err.stack ?? err.message}`, 1));
process.once('unhandledRejection', (err) => abort(`unhandled rejection ${String(err)}`, 1));

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}

/** `count` distinct URLs cycling over the site's listing and video pages (which share media). */
function reportUrls(site: FixtureSite, count: number): string[] {
  const pages = [...site.listingPages, ...site.videoPages];
  return Array.from({ length: count }, (_, i) => {
    const page = pages[i % pages.length] as string;
    return `${page}${page.includes('?') ? '&' : '?'}r=${i}`;
  });
}

/** A `hashwatch serve` on a free port; resolves once /readyz answers 200. */
async function startApi(store: BenchStore): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawnHashwatch(['serve', '--no-migrate'], {
    ...benchServiceEnv(store, REDIS_URL),
    HOST: '127.0.0.1',
    PORT: String(port),
    // Rate limits are per client address and the benchmark is one address: out of the way.
    REGISTRATIONS_PER_HOUR: '100000',
    CASE_LOOKUPS_PER_MINUTE: '100000',
    SHUTDOWN_GRACE_MS: '2000',
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API server exited:\n${child.output()}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, pid: child.pid as number, stop };
    if (Date.now() > until) {
      await stop();
      throw new Error(`API server not ready after 60 s:\n${child.output()}`);
    }
    await sleep(250);
  }
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Fires `calls` all at once; latency of each, and what failed. */
async function batch(calls: (() => Promise<Response>)[], ok: (status: number) => boolean): Promise<ApiBatch> {
  const times: number[] = [];
  const failures: Record<string, number> = {};
  await Promise.all(
    calls.map(async (call) => {
      const started = performance.now();
      let outcome: string | undefined;
      try {
        const res = await call();
        await res.arrayBuffer();
        if (!ok(res.status)) outcome = String(res.status);
      } catch (err) {
        // fetch wraps the reason (UND_ERR_HEADERS_TIMEOUT, ECONNRESET, …) in `cause`: keep it.
        const cause = (err as { cause?: { code?: string } }).cause;
        outcome = `network${cause?.code ? `:${cause.code}` : ''}`;
      }
      times.push(performance.now() - started);
      if (outcome) failures[outcome] = (failures[outcome] ?? 0) + 1;
    }),
  );
  const errors = Object.values(failures).reduce((a, b) => a + b, 0);
  return { ...latency(times), errors, failures };
}

/** 200 registrations at once, then 200 case status lookups and 200 report lookups at once. */
async function apiLoad(
  api: string,
  store: BenchStore,
  reportIds: number[],
): Promise<NonNullable<Result['api']>> {
  const { token, tokenHash } = generateToken();
  await insertToken(store.db.pool, { name: 'bench:load', tokenHash, scopes: ['register', 'report'] });
  const auth = { authorization: `Bearer ${token}` };
  const cases: { ref: string; pin: string }[] = [];
  const registrations = await batch(
    Array.from({ length: apiClients }, () => async () => {
      const res = await fetch(`${api}/api/v1/cases`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          consent: { version: 'bench', role: 'self', adult: true, accepted: true },
          items: [{ kind: 'image', sha256: hex(32), md5: hex(16), pdq: hex(32), pdqQuality: 100 }],
        }),
      });
      if (res.status === 201) cases.push((await res.clone().json()) as { ref: string; pin: string });
      return res;
    }),
    (s) => s === 201,
  );
  const caseLookups = await batch(
    Array.from({ length: apiClients }, (_, i) => () => {
      const c = cases[i % Math.max(1, cases.length)];
      return fetch(`${api}/api/v1/cases/${c?.ref ?? 'none'}`, {
        headers: { 'x-case-pin': c?.pin ?? '00000000' },
      });
    }),
    (s) => s === 200,
  );
  const reportLookups = await batch(
    Array.from({ length: apiClients }, (_, i) => () => {
      const id = reportIds[Math.floor((i * reportIds.length) / Math.max(1, apiClients))] ?? 1;
      return fetch(`${api}/api/v1/reports/${id}`, { headers: auth });
    }),
    (s) => s === 200,
  );
  return { registrations, caseLookups, reportLookups };
}

/** Samples connection counts once a second until stopped; keeps the peaks. */
function watchConnections(pids: () => number[], store: BenchStore) {
  const peaks = { redis: 0, postgres: 0, redisClients: 0, dbConnections: 0 };
  const redis = new Redis(REDIS_URL, {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    connectionName: 'hashwatch-bench',
  });
  redis.on('error', () => {});
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const sockets = connectionsTo(pids(), [REDIS_PORT, PG_PORT]);
      peaks.redis = Math.max(peaks.redis, sockets.get(REDIS_PORT) ?? 0);
      peaks.postgres = Math.max(peaks.postgres, sockets.get(PG_PORT) ?? 0);
      const info = await redis.info('clients').catch(() => '');
      peaks.redisClients = Math.max(
        peaks.redisClients,
        Number(/connected_clients:(\d+)/.exec(info)?.[1] ?? 0),
      );
      const { rows } = await store.db.pool
        .query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()',
        )
        .catch(() => ({ rows: [{ n: 0 }] }));
      peaks.dbConnections = Math.max(peaks.dbConnections, rows[0]?.n ?? 0);
      await sleep(1_000);
    }
  })();
  return {
    peaks,
    async stop() {
      stopped = true;
      await loop;
      redis.disconnect();
    },
  };
}

/** Enqueue → start of every job that started on `queue` by `end`, from BullMQ's timestamps. */
async function queueLatency(producer: Producer, queue: string, end: number): Promise<Latency> {
  const q = producer.queue(queue);
  const waits: number[] = [];
  // Ranges are per state: the last page is the one where every state ran out.
  for (let start = 0; ; start += 1000) {
    const jobs = await q.getJobs(['completed', 'failed', 'active'], start, start + 999, true);
    for (const job of jobs)
      if (job?.processedOn && job.timestamp && job.processedOn <= end)
        waits.push(job.processedOn - job.timestamp);
    if (jobs.length < 1000) break;
  }
  return latency(waits);
}

async function jobCounts(producer: Producer, queue: string): Promise<JobCounts> {
  const c = await producer.queue(queue).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  return {
    waiting: c.waiting ?? 0,
    active: c.active ?? 0,
    delayed: c.delayed ?? 0,
    completed: c.completed ?? 0,
    failed: c.failed ?? 0,
  };
}

/** `used_memory` and `used_memory_peak` from Redis INFO memory, in bytes. */
async function redisMemory(redis: Redis): Promise<{ used: number; peak: number }> {
  const info = await redis.info('memory');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { used: field('used_memory'), peak: field('used_memory_peak') };
}

/** What the run counts, from its own database; a window's end, when given, cuts every count. */
interface RunCounts {
  reports: number;
  reportsFinished: number;
  reportsFailed: number;
  pages: number;
  pagesFailed: number;
  mediaSeen: number;
  media: number;
  /** First report → `end`, or → last report finished when there is no end. */
  seconds: number;
  databaseBytes: number;
}

async function runCounts(store: BenchStore, end: Date | null): Promise<RunCounts> {
  const { rows } = await store.db.pool.query<RunCounts>(
    `WITH w AS (SELECT min(created_at) AS first, coalesce($1::timestamptz, 'infinity') AS stop FROM reports)
     SELECT (SELECT count(*) FROM reports)::int AS "reports",
            (SELECT count(*) FROM reports, w WHERE finished_at <= w.stop)::int AS "reportsFinished",
            (SELECT count(*) FROM reports, w WHERE status = 'failed' AND finished_at <= w.stop)::int
              AS "reportsFailed",
            (SELECT count(*) FROM pages, w WHERE status IN ('done', 'gone') AND crawled_at <= w.stop)::int
              AS "pages",
            (SELECT count(*) FROM pages, w WHERE status = 'failed' AND crawled_at <= w.stop)::int AS "pagesFailed",
            (SELECT coalesce(sum(media_found), 0) FROM pages, w WHERE crawled_at <= w.stop)::int AS "mediaSeen",
            (SELECT count(*) FROM media, w WHERE status = 'hashed' AND last_verified_at <= w.stop)::int AS "media",
            (SELECT extract(epoch FROM coalesce($1::timestamptz, (SELECT max(finished_at) FROM reports)) - w.first)
               FROM w)::float8 AS "seconds",
            pg_database_size(current_database())::float8 AS "databaseBytes"`,
    [end],
  );
  const row = rows[0];
  if (!row) throw new Error('no counts');
  return row;
}

/**
 * Reports every URL, `ENQUEUE_PARALLEL` at a time; the report ids. A failed report is tried again
 * (under heavy load the pool can time out): if only its enqueue had failed, the first try's report
 * stays behind without a job, one extra report among thousands.
 */
async function reportAll(reports: ReportService, urls: string[]): Promise<number[]> {
  const ids: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: ENQUEUE_PARALLEL }, async () => {
      while (next < urls.length) {
        const url = urls[next++] as string;
        for (let attempt = 1; ; attempt++) {
          try {
            ids.push((await reports.create({ url, depth: 0, source: 'api' })).report.id);
            break;
          } catch (err) {
            if (attempt >= REPORT_ATTEMPTS) throw err;
            log(`reporting ${url} failed (${(err as Error).message}); trying again in ${attempt * 5} s`);
            await sleep(attempt * 5_000);
          }
        }
      }
    }),
  );
  return ids;
}

async function runConfig(site: FixtureSite, workers: number): Promise<Result> {
  const store = await freshStore(PG_BASE, REDIS_URL);
  store.db.pool.options.connectionTimeoutMillis = BENCH_PG_CONNECT_TIMEOUT_MS;
  const redis = createRedisConnection(REDIS_URL, 'producer', 'hashwatch-bench');
  const producer = new Producer(jobRegistry(), redis, store.prefix);
  const loadAvgBefore = os.loadavg()[0] ?? 0;
  const procs: WorkerProc[] = [];
  const sampler = new TreeSampler({ everyMs: SAMPLE_MS, pssEveryMs: PSS_SAMPLE_MS });
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  let watcher: ReturnType<typeof watchConnections> | undefined;
  const teardown = once(async () => {
    await watcher?.stop().catch(() => {});
    await stopWorkers(procs, sampler, 20_000);
    await api?.stop().catch(() => {});
    await producer.close().catch(() => {});
    redis.disconnect();
    await store.close().catch((err: Error) => log(`could not drop ${store.url}: ${err.message}`));
  });
  active.add(teardown);
  try {
    if (apiClients > 0) api = await startApi(store);
    const env = benchWorkerEnv(store, REDIS_URL, { workers, concurrency, scrollSeconds });
    for (let i = 0; i < workers; i++) {
      const proc = spawnWorker(env, []);
      procs.push(proc);
      sampler.watch(proc.pid);
    }
    log(`${workers} worker(s): pids ${procs.map((p) => p.pid).join(', ')}; database ${store.url}`);
    await waitWorkersReady(producer, procs, 120_000);
    watcher = watchConnections(() => procs.map((p) => p.pid), store);

    const reports = new ReportService(
      store.db,
      async (reportId, pageId) => void (await producer.enqueue(crawlPageJob, { reportId, pageId })),
      { dedupWindowMs: 0, maxDepth: 0 },
    );
    const urls = reportUrls(site, urlCount);
    const redisBefore = await redisMemory(redis);
    sampler.mark();
    const started = Date.now();
    const reportIds = await reportAll(reports, urls);
    const reportSeconds = (Date.now() - started) / 1000;
    log(
      `${workers} worker(s): ${urls.length} URLs reported in ${reportSeconds.toFixed(1)} s ` +
        `(${(urls.length / reportSeconds).toFixed(0)}/s)`,
    );
    // The API is loaded while the workers crawl the backlog, as it would be in service.
    const apiResult = api ? apiLoad(api.url, store, reportIds) : Promise.resolve(null);
    apiResult.catch(() => {});
    const deadline = windowMinutes === undefined ? undefined : started + windowMinutes * 60_000;
    const drained = await crawlUntil(store, procs, urls.length, started, deadline);

    // Crawl figures are taken at the end of the crawl (or of the window); the peaks below go on
    // until the API calls are done, under the same load.
    const end = Date.now();
    const [c, crawlWait, mediaWait, crawlJobs, mediaJobs, redisEnd] = await Promise.all([
      // Drained: every count is final and the span ends with the last report, as without a window.
      runCounts(store, drained ? null : new Date(end)),
      queueLatency(producer, 'crawl', end),
      queueLatency(producer, 'media', end),
      jobCounts(producer, 'crawl'),
      jobCounts(producer, 'media'),
      redisMemory(redis),
    ]);
    const backlog = c.reports - c.reportsFinished;
    if (!drained)
      log(
        `${workers} worker(s): window of ${windowMinutes} min over: ${c.reportsFinished} reports finished, ` +
          `${backlog} left; waiting for the API calls to finish`,
      );
    const apiFigures = await apiResult;
    await watcher.stop();
    const memory = await sampler.report(true);
    for (const line of await failureLines(store.db.pool)) log(line);

    const peak = (key: keyof WorkerPeaks) =>
      Math.max(0, ...[...memory.peaks.values()].map((p) => p[key])) / MB;
    const seconds = c.seconds;
    const finishedPerSecond = c.reportsFinished / seconds;
    const result: Result = {
      workers,
      concurrency,
      windowMinutes: windowMinutes ?? null,
      drained,
      urls: urls.length,
      reportSeconds: round(reportSeconds, 1),
      reportsPerSecond: round(urls.length / reportSeconds, 1),
      reports: c.reports,
      reportsFinished: c.reportsFinished,
      reportsFailed: c.reportsFailed,
      backlog,
      drainEstimateMinutes:
        windowMinutes === undefined || finishedPerSecond <= 0
          ? null
          : round(backlog / finishedPerSecond / 60, 0),
      pages: c.pages,
      pagesFailed: c.pagesFailed,
      mediaHashed: c.media,
      mediaLinks: c.mediaSeen,
      seconds: round(seconds, 1),
      pagesPerSecond: round(c.pages / seconds, 2),
      mediaPerSecond: round(c.media / seconds, 3),
      mediaLinksPerSecond: round(c.mediaSeen / seconds, 1),
      queueLatencyMs: { crawl: crawlWait, media: mediaWait },
      jobs: { crawl: crawlJobs, media: mediaJobs },
      redisMemoryMb: {
        before: round(redisBefore.used / MB, 1),
        end: round(redisEnd.used / MB, 1),
        serverPeak: round(redisEnd.peak / MB, 1),
      },
      databaseMb: round(c.databaseBytes / MB, 1),
      workerConnections: { redis: watcher.peaks.redis, postgres: watcher.peaks.postgres },
      redisConnectedClientsPeak: watcher.peaks.redisClients,
      postgresDbConnectionsPeak: watcher.peaks.dbConnections,
      workerPeakRssMb: Math.round(peak('worker')),
      chromiumPeakRssMb: Math.round(peak('chromium')),
      chromiumPeakPssMb: Math.round(peak('chromiumPss')),
      totalPeakPssMb: Math.round(memory.totalPeakPss / MB),
      api: apiFigures,
      loadAvgBefore: round(loadAvgBefore, 2),
      loadAvg: round(os.loadavg()[0] ?? 0, 2),
    };
    log(`${workers} worker(s): done, ${result.seconds} s measured`);
    return result;
  } finally {
    await teardown();
    active.delete(teardown);
  }
}

/**
 * Waits until every report is finished (true) or, with a deadline, until it passes (false);
 * without one, fails after --timeout. Logs progress every 10 s.
 */
async function crawlUntil(
  store: BenchStore,
  procs: WorkerProc[],
  expected: number,
  started: number,
  deadline: number | undefined,
): Promise<boolean> {
  let lastLog = started;
  for (;;) {
    const p = await crawlProgress(store.db.pool);
    if (p.finished >= expected) return true;
    const dead = procs.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
    if (dead) throw new Error(`worker ${dead.pid} exited during the run:\n${dead.output()}`);
    if (deadline !== undefined && Date.now() >= deadline) return false;
    if (deadline === undefined && Date.now() - started > timeoutMs)
      throw new Error(`not finished after ${timeoutMs / 1000} s`);
    if (Date.now() - lastLog >= 10_000) {
      lastLog = Date.now();
      const s = (lastLog - started) / 1000;
      const rate = p.finished / s;
      let left = '';
      if (deadline !== undefined) left = `, window ends in ${Math.round((deadline - lastLog) / 1000)} s`;
      else if (rate > 0) left = `, about ${Math.round((expected - p.finished) / rate / 60)} min left`;
      log(
        `${procs.length} worker(s): ${Math.round(s)} s, reports ${p.finished}/${expected} ` +
          `(${rate.toFixed(2)}/s${left}), media settled ${p.media}, load ${os.loadavg()[0]?.toFixed(2)}`,
      );
    }
    await sleep(500);
  }
}

function markdown(head: string[], rows: string[][]): string {
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** "10 min window", "10 min window (drained)" or "until drained". */
function runLabel(r: Result): string {
  if (r.windowMinutes === null) return 'until drained';
  return `${r.windowMinutes} min window${r.drained ? ' (drained)' : ''}`;
}

const jobLine = (j: JobCounts) =>
  `${j.waiting} / ${j.active} / ${j.completed} / ${j.failed}${j.delayed ? ` (+${j.delayed} delayed)` : ''}`;

function tables(results: Result[]): string {
  // With a window, waits are known only for the jobs that got out of the backlog within it.
  const waitScope = windowMinutes === undefined ? '' : ' (jobs started in the window)';
  const crawl = markdown(
    [
      'workers × concurrency',
      'run',
      'reports finished / reported (failed)',
      'seconds',
      'pages/s',
      'media hashed/s (links/s)',
      `crawl queue wait p50 / p99${waitScope}`,
      `media queue wait p50 / p99${waitScope}`,
      'worker conns Redis / Postgres',
      'Redis clients (server) / db conns',
      'worker peak RSS',
      'Chromium peak RSS (PSS)',
      'all peak PSS',
      'load 1m before → end',
    ],
    results.map((r) => [
      `${r.workers} × ${r.concurrency}`,
      runLabel(r),
      `${r.reportsFinished} / ${r.reports} (${r.reportsFailed})`,
      r.seconds.toFixed(1),
      r.pagesPerSecond.toFixed(2),
      `${r.mediaPerSecond.toFixed(3)} (${r.mediaLinksPerSecond.toFixed(1)})`,
      `${(r.queueLatencyMs.crawl.p50 / 1000).toFixed(1)} s / ${(r.queueLatencyMs.crawl.p99 / 1000).toFixed(1)} s`,
      `${(r.queueLatencyMs.media.p50 / 1000).toFixed(1)} s / ${(r.queueLatencyMs.media.p99 / 1000).toFixed(1)} s`,
      `${r.workerConnections.redis} / ${r.workerConnections.postgres}`,
      `${r.redisConnectedClientsPeak} / ${r.postgresDbConnectionsPeak}`,
      `${r.workerPeakRssMb} MB`,
      `${r.chromiumPeakRssMb} MB (${r.chromiumPeakPssMb} MB)`,
      `${r.totalPeakPssMb} MB`,
      `${r.loadAvgBefore.toFixed(2)} → ${r.loadAvg.toFixed(2)}`,
    ]),
  );
  const backlog = markdown(
    [
      'workers × concurrency',
      'run',
      'reporting (reports/s)',
      'backlog left',
      'time to drain (estimate)',
      'Redis used_memory before → end (server peak)',
      'crawl jobs waiting / active / completed / failed',
      'media jobs waiting / active / completed / failed',
      'database size',
    ],
    results.map((r) => [
      `${r.workers} × ${r.concurrency}`,
      runLabel(r),
      `${r.reportSeconds.toFixed(1)} s (${r.reportsPerSecond.toFixed(0)}/s)`,
      String(r.backlog),
      r.drainEstimateMinutes === null ? '–' : `≈ ${r.drainEstimateMinutes} min`,
      `${r.redisMemoryMb.before.toFixed(1)} → ${r.redisMemoryMb.end.toFixed(1)} MB (${r.redisMemoryMb.serverPeak.toFixed(1)} MB)`,
      jobLine(r.jobs.crawl),
      jobLine(r.jobs.media),
      `${r.databaseMb.toFixed(1)} MB`,
    ]),
  );
  const apiRows = results.flatMap((r) =>
    r.api
      ? (
          [
            ['POST /api/v1/cases', r.api.registrations],
            ['GET /api/v1/cases/:ref (PIN)', r.api.caseLookups],
            ['GET /api/v1/reports/:id', r.api.reportLookups],
          ] as const
        ).map(([what, b]) => [
          String(r.workers),
          what,
          String(b.n),
          `${b.p50.toFixed(0)} ms`,
          `${b.p99.toFixed(0)} ms`,
          `${((100 * b.errors) / Math.max(1, b.n)).toFixed(1)}%${b.errors ? ` (${JSON.stringify(b.failures)})` : ''}`,
        ])
      : [],
  );
  const apiTable = markdown(
    ['workers crawling', 'API call (all at once)', 'calls', 'p50', 'p99', 'errors'],
    apiRows,
  );
  const note =
    windowMinutes === undefined
      ? ''
      : `\n\nWindow of ${windowMinutes} min from the first report: counts and rates are of what finished ` +
        'within it; queue waits are of the jobs started within it only (the oldest of the backlog); ' +
        'time to drain is an estimate, backlog ÷ reports finished per second in the window.';
  return `${crawl}\n\n${backlog}\n\n${apiTable}${note}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  log(
    `${os.availableParallelism()} CPUs, Node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  log(
    `${urlCount} URLs × workers ${workerCounts.join(',')} (concurrency ${concurrency}, scroll ${scrollSeconds} s)`,
  );
  const site = await startFixtureSite({ pages: 5, photos: 12, scrollRounds: 5 });
  log(
    `fixture site ${site.baseUrl}: ${site.listingPages.length + site.videoPages.length} distinct pages, ${site.media.length} media`,
  );
  const results: Result[] = [];
  try {
    for (const workers of workerCounts) {
      const result = await runConfig(site, workers);
      results.push(result);
      if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  } finally {
    await site.close();
  }
  (json ? process.stderr : process.stdout).write(`${tables(results)}\n`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    log(`failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
