/**
 * Crawl benchmark: real `hashwatch worker` processes crawl the fixture tube site on 127.0.0.1 in
 * Chromium, download and hash every image and video, and the run is timed from the first report
 * to the last one finished. Measures pages per minute, media per second, the peak memory of each
 * worker and of its Chromium process tree, and where the CPU went, for 1 and 2 worker processes
 * side by side. Each configuration gets a fresh database and queue prefix, removed afterwards.
 *
 *   npm run bench:crawl -- [--workers 1,2] [--sites 4] [--photos 12] [--concurrency 2]
 *     [--scroll-seconds 5] [--timeout 600] [--json]
 *
 * Workload: `--sites` copies of the fixture site (5 listing pages, `--photos` lazy thumbnails, 5
 * infinite-scroll rounds, an MP4 and an HLS video), each on its own ports, so every copy's media
 * URLs are new to the crawler. Every listing page and video page is reported on its own at depth
 * 0, so pages = reports. The copies serve the same bytes: an image already fingerprinted on
 * another copy is still downloaded but recognised by its SHA-256 and not decoded again, while
 * videos (hashed while streaming) are decoded every time. Politeness is set out of the way (page
 * slots for every job, 1000 requests/s per host): this measures the crawler, not its limits.
 *
 * A markdown table on stdout; with --json, one JSON line per configuration on stdout and the table
 * on stderr. Progress on stderr. Postgres and Redis are the test ones (TEST_DATABASE_BASE,
 * TEST_REDIS_URL, or the local defaults).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { crawlPageJob, ReportService } from '../src/crawler/index.js';
import { jobRegistry } from '../src/main.js';
import { createRedisConnection, Producer } from '../src/queue/index.js';
import { type FixtureSite, startFixtureSite } from '../test/fixtures/site/index.js';
import { intArg, workerCountsArg } from './lib/args.js';
import { type BenchStore, freshStore } from './lib/bench-store.js';
import { type CrawlCounts, crawlCounts, crawlProgress, failureLines } from './lib/crawl-stats.js';
import { type CpuSeconds, TreeSampler, type WorkerPeaks } from './lib/tree-sampler.js';
import {
  benchWorkerEnv,
  spawnWorker,
  stopWorkers,
  type WorkerProc,
  waitWorkersReady,
} from './lib/worker-procs.js';

const workerCounts = workerCountsArg('1,2');
const siteCount = intArg('sites', '4', 1, 50);
const photos = intArg('photos', '12', 1, 40);
const concurrency = intArg('concurrency', '2', 1, 64);
const scrollSeconds = intArg('scroll-seconds', '5', 0, 600);
const timeoutMs = intArg('timeout', '600', 10, 86_400) * 1000;
const json = process.argv.includes('--json');
const PG_BASE = process.env.TEST_DATABASE_BASE ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SAMPLE_MS = 200;
/** PSS costs tens of milliseconds per Chromium process to read; RSS is sampled every SAMPLE_MS. */
const PSS_SAMPLE_MS = 2_000;
const MB = 1024 * 1024;

const log = (msg: string) => process.stderr.write(`[bench:crawl] ${msg}\n`);
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** One configuration's result; also the JSON line printed with --json. */
interface Result extends CrawlCounts {
  workers: number;
  /** WORKER_CONCURRENCY: jobs per queue per worker (crawl-page and fetch-media run side by side). */
  concurrency: number;
  pagesPerMinute: number;
  /** Media downloaded and hashed per second ({@link CrawlCounts.media}). */
  mediaPerSecond: number;
  /** Max over workers of each worker's Node.js process peak RSS. */
  workerPeakRssMb: number;
  /** Max over workers of each worker's Chromium tree peak, RSS summed over its processes. */
  chromiumPeakRssMb: number;
  /** The same with PSS (pages shared between Chromium's processes counted once). */
  chromiumPeakPssMb: number;
  /** Max over workers of the RSS of the ffmpeg processes a worker ran at once. */
  ffmpegPeakRssMb: number;
  /** Peak PSS of everything the benchmark started (workers, browsers, ffmpeg) at one instant. */
  totalPeakPssMb: number;
  /** 1-minute load average when the run ended (the run's own load plus anything else on the machine). */
  loadAvg: number;
  /** 1-minute load average just before the workers started (other work on the machine). */
  loadAvgBefore: number;
  /**
   * CPU seconds used during the run by the workers' main and other threads, Chromium, ffmpeg,
   * other processes the workers started, the benchmark process itself (fixture site, producer,
   * polling, sampler), and the whole machine (ours and everyone else's); `machineTotal` is
   * seconds × cores.
   */
  cpu: CpuSeconds & { bench: number };
}

/** Tear-downs of the configuration running now; a signal runs them before exiting. */
const active = new Set<() => Promise<void>>();
/** Tears down whatever is running, then exits; for signals and errors that escape `main`. */
function abort(why: string, code: number): void {
  log(`${why}: stopping workers, dropping the database, deleting the queue keys`);
  void Promise.all([...active].map((teardown) => teardown())).finally(() => process.exit(code));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort(signal, 130));
process.once('uncaughtException', (err) => abort(`uncaught ${err.stack ?? err.message}`, 1));
process.once('unhandledRejection', (err) => abort(`unhandled rejection ${String(err)}`, 1));

/** Wraps `fn` so that it runs once, however many times and from wherever it is called. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}

/** The URLs to report: every listing page and every live video page of every site. */
function reportUrls(sites: FixtureSite[]): string[] {
  return sites.flatMap((s) => [...s.listingPages, ...s.videoPages]);
}

/** One configuration: fresh store, `workers` processes, every URL reported, wait, measure, tear down. */
async function runConfig(sites: FixtureSite[], workers: number): Promise<Result> {
  const store = await freshStore(PG_BASE, REDIS_URL);
  const redis = createRedisConnection(REDIS_URL, 'producer', 'hashwatch-bench');
  const producer = new Producer(jobRegistry(), redis, store.prefix);
  const loadAvgBefore = os.loadavg()[0] ?? 0;
  const env = benchWorkerEnv(store, REDIS_URL, { workers, concurrency, scrollSeconds });
  const procs: WorkerProc[] = [];
  const sampler = new TreeSampler({ everyMs: SAMPLE_MS, pssEveryMs: PSS_SAMPLE_MS });
  const teardown = once(async () => {
    // Workers first: the database is dropped only once nothing is writing to it.
    await stopWorkers(procs, sampler, 20_000);
    await producer.close().catch(() => {});
    redis.disconnect();
    await store.close().catch((err: Error) => log(`could not drop ${store.url}: ${err.message}`));
  });
  active.add(teardown);
  try {
    for (let i = 0; i < workers; i++) {
      const proc = spawnWorker(env, []);
      procs.push(proc);
      sampler.watch(proc.pid);
    }
    log(`${workers} worker(s): pids ${procs.map((p) => p.pid).join(', ')}; database ${store.url}`);
    await waitWorkersReady(producer, procs, 90_000);

    const reports = new ReportService(
      store.db,
      async (reportId, pageId) => void (await producer.enqueue(crawlPageJob, { reportId, pageId })),
      { dedupWindowMs: 0, maxDepth: 0 },
    );
    const urls = reportUrls(sites);
    log(`${workers} worker(s): reporting ${urls.length} URLs`);
    sampler.mark();
    const benchCpu = process.cpuUsage();
    for (const url of urls) await reports.create({ url, depth: 0, source: 'api' });
    await waitFinished(store, procs, urls.length);

    const memory = await sampler.report(true);
    const bench = process.cpuUsage(benchCpu);
    const cpu = memory.cpu;
    if (!cpu) throw new Error('the sampler lost its CPU mark');
    for (const line of await failureLines(store.db.pool)) log(line);
    const loadAvg = os.loadavg()[0] ?? 0;
    const c = await crawlCounts(store.db.pool);
    const peak = (key: keyof WorkerPeaks) =>
      Math.max(0, ...[...memory.peaks.values()].map((p) => p[key])) / MB;
    const result: Result = {
      workers,
      concurrency,
      ...c,
      seconds: round(c.seconds, 2),
      pagesPerMinute: round((c.pages / c.seconds) * 60),
      mediaPerSecond: round(c.media / c.seconds, 2),
      workerPeakRssMb: Math.round(peak('worker')),
      chromiumPeakRssMb: Math.round(peak('chromium')),
      chromiumPeakPssMb: Math.round(peak('chromiumPss')),
      ffmpegPeakRssMb: Math.round(peak('ffmpeg')),
      totalPeakPssMb: Math.round(memory.totalPeakPss / MB),
      loadAvg: round(loadAvg, 2),
      loadAvgBefore: round(loadAvgBefore, 2),
      cpu: {
        workerMain: round(cpu.workerMain),
        workerThreads: round(cpu.workerThreads),
        chromium: round(cpu.chromium),
        chromiumRoles: Object.fromEntries(
          Object.entries(cpu.chromiumRoles).map(([role, v]) => [role, round(v)]),
        ) as CpuSeconds['chromiumRoles'],
        ffmpeg: round(cpu.ffmpeg),
        other: round(cpu.other),
        bench: round((bench.user + bench.system) / 1e6),
        machineBusy: round(cpu.machineBusy),
        machineTotal: round(cpu.machineTotal),
      },
    };
    const { samples, meanMs } = memory;
    const warnings = procs.reduce((n, p) => n + p.logLines(), 0);
    log(
      `${workers} worker(s): done in ${result.seconds} s (${samples} memory samples, ${meanMs.toFixed(1)} ms each; ` +
        `${warnings} warning/error log lines from workers)`,
    );
    return result;
  } finally {
    await teardown();
    active.delete(teardown);
  }
}

/** Polls Postgres until `expected` reports are done or failed; fails if a worker dies or time runs out. */
async function waitFinished(store: BenchStore, procs: WorkerProc[], expected: number): Promise<void> {
  const started = Date.now();
  let lastLog = started;
  for (;;) {
    const p = await crawlProgress(store.db.pool);
    if (p.finished >= expected) return;
    const dead = procs.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
    if (dead) throw new Error(`worker ${dead.pid} exited during the run:\n${dead.output()}`);
    if (Date.now() - started > timeoutMs) throw new Error(`not finished after ${timeoutMs / 1000} s`);
    if (Date.now() - lastLog >= 5_000) {
      lastLog = Date.now();
      log(
        `${procs.length} worker(s): ${Math.round((lastLog - started) / 1000)} s, reports ${p.finished}/${expected}, ` +
          `pages ${p.pages}, media settled ${p.media}`,
      );
    }
    await sleep(250);
  }
}

function markdown(head: string[], rows: string[][]): string {
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** Throughput and memory. */
function table(results: Result[]): string {
  const head = [
    'workers × concurrency',
    'reports',
    'pages',
    'media seen (distinct URLs)',
    'downloaded + hashed',
    'images fingerprinted / video decodes',
    'seconds',
    'pages/min',
    'media/s',
    'worker peak RSS',
    'Chromium peak RSS (PSS)',
    'all processes peak PSS',
    'load 1m before → end',
  ];
  const rows = results.map((r) => [
    `${r.workers} × ${r.concurrency}`,
    `${r.reports}${r.reportsFailed ? ` (${r.reportsFailed} failed)` : ''}`,
    `${r.pages}${r.pagesFailed ? ` (+${r.pagesFailed} failed)` : ''}`,
    `${r.mediaSeen} (${r.mediaDiscovered})`,
    `${r.media}${r.mediaFailed ? ` (+${r.mediaFailed} failed)` : ''}`,
    `${r.imagesFingerprinted} / ${r.videoDecodes}`,
    r.seconds.toFixed(1),
    r.pagesPerMinute.toFixed(1),
    r.mediaPerSecond.toFixed(2),
    `${r.workerPeakRssMb} MB`,
    `${r.chromiumPeakRssMb} MB (${r.chromiumPeakPssMb} MB)`,
    `${r.totalPeakPssMb} MB`,
    `${r.loadAvgBefore.toFixed(2)} → ${r.loadAvg.toFixed(2)}`,
  ]);
  return markdown(head, rows);
}

/** Where the machine's CPU went during each run, as a share of its capacity (seconds × cores). */
function cpuTable(results: Result[]): string {
  const head = [
    'workers',
    'CPU capacity',
    'Chromium (renderers / GPU process / rest)',
    'worker main threads',
    'worker other threads',
    'ffmpeg',
    'fixture site + bench',
    'everything else on the machine',
    'idle',
  ];
  const rows = results.map(({ workers, cpu }) => {
    const pct = (x: number) => `${((100 * x) / cpu.machineTotal).toFixed(0)}% (${x.toFixed(1)} s)`;
    const ours = cpu.chromium + cpu.workerMain + cpu.workerThreads + cpu.ffmpeg + cpu.other + cpu.bench;
    return [
      String(workers),
      `${cpu.machineTotal.toFixed(1)} s`,
      `${pct(cpu.chromium)}: ${cpu.chromiumRoles.renderer.toFixed(1)} / ${cpu.chromiumRoles['gpu-process'].toFixed(1)} / ` +
        `${(cpu.chromium - cpu.chromiumRoles.renderer - cpu.chromiumRoles['gpu-process']).toFixed(1)} s`,
      pct(cpu.workerMain),
      pct(cpu.workerThreads),
      pct(cpu.ffmpeg),
      pct(cpu.bench),
      pct(Math.max(0, cpu.machineBusy - ours)),
      pct(cpu.machineTotal - cpu.machineBusy),
    ];
  });
  return markdown(head, rows);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  log(`${os.availableParallelism()} CPUs (${cpu}), Node ${process.version}, load ${os.loadavg().join(' ')}`);
  const sites = await Promise.all(
    Array.from({ length: siteCount }, () => startFixtureSite({ pages: 5, photos, scrollRounds: 5 })),
  );
  log(
    `${sites.length} fixture site(s), ${sites[0]?.media.length ?? 0} media items each: ${sites[0]?.baseUrl}`,
  );
  const results: Result[] = [];
  try {
    for (const workers of workerCounts) {
      const result = await runConfig(sites, workers);
      results.push(result);
      if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  } finally {
    await Promise.all(sites.map((s) => s.close()));
  }
  // With --json stdout stays machine-readable; the table still goes to the terminal.
  (json ? process.stderr : process.stdout).write(`${table(results)}\n\n${cpuTable(results)}\n`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    // runConfig has already torn its configuration down by the time the error gets here.
    log(`failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
