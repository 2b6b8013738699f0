/**
 * Samples worker process trees from a worker thread: RSS and CPU every `everyMs`, PSS every
 * `pssEveryMs` (and once more at the end), keeping per-worker memory peaks, the peak PSS of
 * everything together, CPU used by kind since a mark, and every descendant ever seen (to kill
 * leftovers by pid at the end).
 */
import { Worker } from 'node:worker_threads';
import { type ChromiumRole, type KindCache, killRecorded, sampleTree } from './proc-tree.js';

/** Peak memory of one worker's tree over its life, in bytes. */
export interface WorkerPeaks {
  /** RSS of the worker's own Node.js process. */
  worker: number;
  /** RSS summed over its Chromium processes (browser, zygotes, renderers, utility, crashpad). */
  chromium: number;
  /** PSS summed over the same processes (shared pages counted once); sampled less often. */
  chromiumPss: number;
  /** RSS summed over the ffmpeg processes decoding videos for hashing. */
  ffmpeg: number;
}

/** CPU seconds (user + system) used between {@link TreeSampler.mark} and a report. */
export interface CpuSeconds {
  /** Workers' main threads: crawl orchestration, page extraction, and hashing in JavaScript. */
  workerMain: number;
  /** Workers' other threads: libuv pool (sharp/libvips decoding, crypto), V8 GC, worker threads. */
  workerThreads: number;
  chromium: number;
  /** Chromium's CPU by process type (renderers and the GPU process do the page work). */
  chromiumRoles: Record<ChromiumRole, number>;
  ffmpeg: number;
  other: number;
  /** The whole machine (every process, ours or not). */
  machineBusy: number;
  /** Elapsed CPU capacity of the machine (busy + idle), i.e. seconds × cores. */
  machineTotal: number;
}

/** Passed to the thread as `workerData`. */
export interface SamplerOptions {
  everyMs: number;
  pssEveryMs: number;
}

/** Main thread → sampler thread. */
export type SamplerMessage =
  | { type: 'watch'; pid: number }
  | { type: 'mark' }
  | { type: 'report'; id: number; final: boolean };

/** Sampler thread → main thread, in answer to a `report` message. */
export interface SamplerReport {
  id: number;
  /** By worker pid. */
  peaks: [number, WorkerPeaks][];
  totalPeakPss: number;
  seen: { pid: number; startTime: string }[];
  samples: number;
  meanMs: number;
  cpu: CpuSeconds | undefined;
}

/** What {@link TreeSampler.report} resolves with. */
export interface SamplerSummary {
  peaks: Map<number, WorkerPeaks>;
  /** Peak PSS of all workers and their descendants at one instant, in bytes. */
  totalPeakPss: number;
  samples: number;
  meanMs: number;
  /** Undefined before {@link TreeSampler.mark}. */
  cpu: CpuSeconds | undefined;
}

/** See the module comment. Call {@link TreeSampler.close} when done; it never throws. */
export class TreeSampler {
  readonly #thread: Worker;
  readonly #pending = new Map<number, { resolve(r: SamplerReport): void; reject(err: Error): void }>();
  #failure: Error | undefined;
  #seen: { pid: number; startTime: string }[] = [];
  #roots: number[] = [];
  #nextId = 1;

  constructor(opts: SamplerOptions) {
    // Worker threads do not inherit `--import tsx` on Node 20: register tsx in the thread first.
    const url = new URL('./sampler-thread.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
    this.#thread = new Worker(boot, { eval: true, workerData: opts });
    this.#thread.on('message', (r: SamplerReport) => {
      this.#seen = r.seen;
      this.#pending.get(r.id)?.resolve(r);
      this.#pending.delete(r.id);
    });
    const fail = (err: Error) => {
      this.#failure ??= err;
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    this.#thread.on('error', (err) => fail(new Error(`memory sampler failed: ${err.message}`)));
    this.#thread.on('exit', () => fail(new Error('memory sampler stopped')));
  }

  /** Starts watching the tree under `pid`. */
  watch(pid: number): void {
    this.#roots.push(pid);
    this.#thread.postMessage({ type: 'watch', pid } satisfies SamplerMessage);
  }

  /** Starts counting CPU from now (after a fresh sample). */
  mark(): void {
    this.#thread.postMessage({ type: 'mark' } satisfies SamplerMessage);
  }

  /** The peaks so far; `final` takes one more sample, PSS included, first. Rejects if the thread died. */
  report(final = false): Promise<SamplerSummary> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const done = (r: SamplerReport) =>
        resolve({
          peaks: new Map(r.peaks),
          totalPeakPss: r.totalPeakPss,
          samples: r.samples,
          meanMs: r.meanMs,
          cpu: r.cpu,
        });
      this.#pending.set(id, { resolve: done, reject });
      this.#thread.postMessage({ type: 'report', id, final } satisfies SamplerMessage);
    });
  }

  /**
   * SIGKILLs every descendant ever seen (by the thread, or now, for workers still running) that
   * is still alive; returns how many.
   */
  killLeftovers(): number {
    const kinds: KindCache = new Map();
    const now = this.#roots.flatMap((root) => sampleTree(root, { pss: false, kinds }).procs);
    return killRecorded([...this.#seen, ...now]);
  }

  /** Stops the thread after collecting what it has seen, so leftovers can still be killed. */
  async close(): Promise<void> {
    const timeout = new Promise((resolve) => setTimeout(resolve, 2_000).unref());
    await Promise.race([this.report().catch(() => {}), timeout]);
    await this.#thread.terminate().catch(() => {});
  }
}
