/**
 * Real `hashwatch worker` processes for benchmarks: spawned from this checkout and stopped, with
 * everything they started, at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Producer } from '../../src/queue/index.js';
import type { BenchStore } from './bench-store.js';
import type { TreeSampler } from './tree-sampler.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Enough of a worker's output to explain why it died; logs are at `warn`, so this is rarely hit. */
const OUTPUT_TAIL = 16_384;

/** A spawned worker process. */
export interface WorkerProc {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code or signal name. */
  readonly exited: Promise<number | string>;
  /** The last few kilobytes of stdout and stderr. */
  output(): string;
  /** Log lines written so far (at LOG_LEVEL=warn, each is a warning or an error). */
  logLines(): number;
}

/**
 * Starts `hashwatch worker --no-migrate` with `env` layered over this process's environment.
 * `preload` modules are passed to Node with `--import` ahead of the entry point.
 */
export function spawnWorker(env: Record<string, string>, preload: string[] = []): WorkerProc {
  // Its own process group, so a Ctrl-C in the terminal reaches only the benchmark, which then stops
  // the workers once (a second signal would make a worker exit without closing its browser).
  const imports = preload.flatMap((url) => ['--import', url]);
  const child = spawn(process.execPath, [...imports, 'bin/hashwatch.js', 'worker', '--no-migrate'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error('could not spawn hashwatch worker');
  let out = '';
  let lines = 0;
  const keep = (d: Buffer) => {
    const text = d.toString();
    lines += text.split('\n').length - 1;
    out = (out + text).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, pid: child.pid, exited, output: () => out, logLines: () => lines };
}

/**
 * Stops workers the way an operator would (SIGTERM: running jobs get the grace period, browsers
 * are closed), then SIGKILLs any worker still running after `waitMs`, and any descendant left
 * behind. Never throws.
 */
export async function stopWorkers(
  workers: WorkerProc[],
  sampler: TreeSampler,
  waitMs: number,
): Promise<void> {
  // Let the sampler record the current trees before signalling: an exiting worker's children are
  // re-parented away from it.
  await Promise.race([sampler.report().catch(() => {}), delay(2_000)]);
  const alive = (w: WorkerProc) => w.child.exitCode === null && w.child.signalCode === null;
  for (const w of workers) if (alive(w)) w.child.kill('SIGTERM');
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref());
  await Promise.race([Promise.all(workers.map((w) => w.exited)), deadline]);
  for (const w of workers) if (alive(w)) w.child.kill('SIGKILL');
  await Promise.race([Promise.all(workers.map((w) => w.exited)), delay(2_000)]);
  sampler.killLeftovers();
  await sampler.close();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** What a benchmark's `hashwatch` processes share: the run's database and queue prefix, quiet logs. */
export function benchServiceEnv(store: BenchStore, redisUrl: string): Record<string, string> {
  return {
    DATABASE_URL: store.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: store.prefix,
    MIGRATE_ON_START: 'false',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
  };
}

/**
 * A benchmark worker's environment: politeness out of the way (every crawl job of every worker can
 * hold a page slot at once, and the request rate per host is at its maximum), private addresses
 * allowed (the fixture site), scrolling as asked.
 */
export function benchWorkerEnv(
  store: BenchStore,
  redisUrl: string,
  o: { workers: number; concurrency: number; scrollSeconds: number },
): Record<string, string> {
  return {
    ...benchServiceEnv(store, redisUrl),
    WORKER_CONCURRENCY: String(o.concurrency),
    CRAWL_HOST_CONCURRENT_PAGES: String(Math.min(100, o.workers * o.concurrency)),
    CRAWL_HOST_REQUESTS_PER_SECOND: '1000',
    CRAWL_SCROLL_SECONDS: String(o.scrollSeconds),
    CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
    SHUTDOWN_GRACE_MS: '5000',
  };
}

/** Resolves once every worker has a BullMQ consumer on the crawl and media queues. */
export async function waitWorkersReady(
  producer: Producer,
  workers: WorkerProc[],
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const dead = workers.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
    if (dead) throw new Error(`worker ${dead.pid} exited during start-up:\n${dead.output()}`);
    const counts = await Promise.all(['crawl', 'media'].map((q) => producer.queue(q).getWorkersCount()));
    if (counts.every((n) => n >= workers.length)) return;
    if (Date.now() > until)
      throw new Error(`workers not ready after ${timeoutMs / 1000} s:\n${workers[0]?.output()}`);
    await sleep(250);
  }
}
