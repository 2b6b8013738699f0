import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isHashwatchError } from '../errors.js';
import { type JobDefinition, type JobRegistry, parsePayload } from './job-registry.js';

/** What a job handler receives besides its validated payload. */
export interface JobContext {
  jobId: string;
  /** 1 for the first try. */
  attempt: number;
  /** Aborted when the worker shuts down past its grace period: stop early and throw. */
  signal: AbortSignal;
  log: Logger;
  progress(value: number | Record<string, unknown>): Promise<void>;
  /**
   * Puts the job back for `ms` without using up an attempt (e.g. a host's politeness limit is
   * reached) and ends this run. Bounded by the worker's `maxStartedAttempts`.
   */
  delay(ms: number): Promise<never>;
}

export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<unknown>;

/** A job definition paired with the function that runs it. */
export interface HandlerEntry {
  def: JobDefinition;
  run: JobHandler<never>;
}

/** Pairs a job definition with its handler, keeping the payload type. */
export function handle<P>(def: JobDefinition<P>, run: JobHandler<P>): HandlerEntry {
  return { def, run: run as JobHandler<never> };
}

export interface WorkerHostOptions {
  registry: JobRegistry;
  handlers: HandlerEntry[];
  connection: Redis;
  prefix: string;
  concurrency: number;
  /** How long running jobs may take to finish after shutdown starts before they are cancelled. */
  graceMs: number;
  log: Logger;
  /** Only these queues (default: every queue in the registry). */
  queues?: string[];
  /** A job started this many times (delays and stalls included) fails for good. Default 50. */
  maxStartedAttempts?: number;
  /**
   * How long a job's lock lives without renewal. A worker that dies (kill -9) leaves its jobs locked
   * this long; then another worker's stalled-job check puts them back. Default 30 s (BullMQ's).
   */
  lockMs?: number;
  /**
   * Errors that mean a service the job needs is down (e.g. Postgres restarting), not that the job
   * is bad: such a job is put back with a growing delay (2 s doubling up to 30 s) without using up
   * an attempt, so an outage longer than the job's retry budget loses nothing. Bounded by
   * `maxStartedAttempts`.
   */
  isOutage?: (err: unknown) => boolean;
  /**
   * Called when BullMQ fails a job without running its handler: it stalled more than
   * `maxStalledCount` times (its workers kept dying) or started more than `maxStartedAttempts`
   * times. The handler never got to record the failure, so this must (e.g. mark the page failed).
   */
  onAbandoned?: (job: { name: string; data: unknown }, reason: string) => Promise<void>;
}

/** BullMQ's messages for a job it fails without running it (see WorkerHostOptions.onAbandoned). */
const ABANDONED = ['job stalled more than allowable limit', 'job started more than allowable limit'];

/**
 * Runs BullMQ workers for a set of queues. Start-up fails if any job on those queues has no
 * handler. On close, workers stop taking jobs, running jobs get `graceMs` to finish, then are
 * cancelled and put back on the queue (delayed, not failed) for another worker.
 */
export class WorkerHost {
  readonly #opts: WorkerHostOptions;
  readonly #handlers = new Map<string, HandlerEntry>();
  readonly #workers: Worker[] = [];
  #closing = false;

  constructor(opts: WorkerHostOptions) {
    this.#opts = opts;
    for (const h of opts.handlers) this.#handlers.set(h.def.name, h);
    const queues = opts.queues ?? opts.registry.queues();
    const missing = queues.flatMap((q) => opts.registry.jobsOn(q)).filter((d) => !this.#handlers.has(d.name));
    if (missing.length > 0) {
      throw new Error(`No handler for job(s): ${missing.map((d) => `${d.queue}/${d.name}`).join(', ')}`);
    }
    for (const name of queues) {
      if (opts.registry.jobsOn(name).length === 0) throw new Error(`Unknown queue "${name}"`);
    }
  }

  /** Starts one BullMQ worker per queue and resolves when all are connected. */
  async start(): Promise<void> {
    const { registry, connection, prefix, concurrency, log } = this.#opts;
    for (const name of this.#opts.queues ?? registry.queues()) {
      const worker = new Worker(name, (job, token, signal) => this.#process(job, token, signal), {
        connection,
        prefix,
        concurrency,
        maxStartedAttempts: this.#opts.maxStartedAttempts ?? 50,
        lockDuration: this.#opts.lockMs ?? 30_000,
        stalledInterval: this.#opts.lockMs ?? 30_000,
        // A job on a worker that died is put back; a second stall is still retried before it fails.
        maxStalledCount: 3,
      });
      worker.on('failed', (job, err) => {
        log.warn(
          { queue: name, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message },
          'job failed',
        );
        if (job && this.#opts.onAbandoned && ABANDONED.includes(err.message)) {
          this.#opts.onAbandoned({ name: job.name, data: job.data }, err.message).catch((e: Error) => {
            log.error({ queue: name, jobId: job.id, err: e.message }, 'could not record an abandoned job');
          });
        }
      });
      worker.on('error', (err) => log.error({ queue: name, err: err.message }, 'worker error'));
      this.#workers.push(worker);
    }
    await Promise.all(this.#workers.map((w) => w.waitUntilReady()));
    log.info({ queues: this.#workers.map((w) => w.name), concurrency }, 'workers started');
  }

  async #process(job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    const entry = this.#handlers.get(job.name);
    if (!entry) throw new UnrecoverableError(`No handler for job "${job.name}"`);
    let payload: unknown;
    try {
      payload = parsePayload(entry.def, job.data);
    } catch (err) {
      throw new UnrecoverableError((err as Error).message);
    }
    const abort = signal ?? new AbortController().signal;
    const log = this.#opts.log.child({ job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 });
    const ctx: JobContext = {
      jobId: job.id ?? '',
      attempt: job.attemptsMade + 1,
      signal: abort,
      log,
      progress: (value) => job.updateProgress(value),
      delay: async (ms) => {
        if (!token) throw new Error('cannot delay a job without a lock token');
        await job.moveToDelayed(Date.now() + ms, token);
        throw new DelayedError();
      },
    };
    try {
      return await entry.run(payload as never, ctx);
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (this.#closing && abort.aborted && token) {
        // Cancelled by our shutdown, not by a fault: hand the job back without using up an attempt.
        await job.moveToDelayed(Date.now() + 1_000, token);
        throw new DelayedError();
      }
      if (token && this.#opts.isOutage?.(err)) {
        // Starts beyond the counted attempts are delays, stalls and earlier outages.
        const waits = Math.max(0, (job.attemptsStarted ?? 1) - job.attemptsMade - 1);
        const ms = Math.min(30_000, 2_000 * 2 ** Math.min(waits, 4));
        log.warn({ err: (err as Error).message, retryInMs: ms }, 'a service is down; job put back');
        await job.moveToDelayed(Date.now() + ms, token);
        throw new DelayedError();
      }
      throw toQueueError(err);
    }
  }

  /** Stops taking jobs, waits up to the grace period, cancels what is left, then closes. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const timers: NodeJS.Timeout[] = [];
    const after = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms));
    after(this.#opts.graceMs, () => {
      for (const w of this.#workers) w.cancelAllJobs('hashwatch worker shutting down');
    });
    // With Redis unreachable, a graceful close waits forever for commands that cannot complete.
    // Past the grace period (plus time for cancelled jobs to hand themselves back) force it: a job
    // that could not be handed back is recovered as stalled by another worker.
    const forced = new Promise<void>((resolve) =>
      after(this.#opts.graceMs + 2_000, () => {
        this.#opts.log.warn('workers did not close in time (is Redis reachable?); forcing');
        void Promise.all(this.#workers.map((w) => w.close(true).catch(() => {}))).then(() => resolve());
        after(2_000, resolve);
      }),
    );
    try {
      await Promise.race([Promise.all(this.#workers.map((w) => w.close())), forced]);
    } finally {
      for (const t of timers) clearTimeout(t);
    }
  }
}

/**
 * The one place that maps hashwatch errors to BullMQ retry behaviour: a non-retryable coded error
 * fails the job at once (the reason is kept, prefixed by its code); anything else is retried with
 * the job's backoff.
 */
export function toQueueError(err: unknown): Error {
  if (isHashwatchError(err) && !err.retryable) return new UnrecoverableError(`${err.code}: ${err.message}`);
  return err instanceof Error ? err : new Error(String(err));
}
