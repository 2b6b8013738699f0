/**
 * A small worker-thread pool for image hashing. PDQ, blockhash and border trimming are pure JS and
 * hold a thread for ~60 ms on a 4 MP image; run on the main thread they stall BullMQ's lock renewals
 * and the CLI's I/O. Here each worker runs {@link hashImageBytes} on one image at a time.
 *
 * - Bytes are transferred to the worker (zero-copy), never written anywhere.
 * - Typed errors cross the thread boundary intact: a `HASH_DECODE_FAILED` thrown in a worker is a
 *   `HashDecodeFailedError` with the same code, status, retryable flag and message here.
 * - A worker that dies (out of memory, a native crash) fails only its own job, with
 *   `HASH_WORKER_CRASHED`, and is replaced.
 * - Workers start on demand and are unref'd while idle, so an idle pool never keeps a process alive.
 *
 * The worker entry runs from `dist/` as compiled JS, and from `src/` (tsx, vitest) through a tiny
 * eval'd bootstrap that registers tsx inside the thread first: hooks registered in the main thread
 * do not reach workers on Node 20, and `execArgv: ['--import', 'tsx']` does not apply to the entry.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HashwatchError } from '../errors.js';
import {
  HashDecodeFailedError,
  HashImageTooLargeError,
  HashInputTooLargeError,
  HashInvalidError,
  HashUnsupportedFormatError,
} from './errors.js';
import type { HashImageOptions, ImageHashes } from './hash-image.js';

/** Codes of the pool's own failures (the hashing errors themselves keep their `HASH_*` codes). */
export const HASH_POOL_ERROR_CODES = {
  crashed: 'HASH_WORKER_CRASHED',
  closed: 'HASH_POOL_CLOSED',
} as const;

/** A job the pool could not run: its worker died, or the pool was closed. Retrying elsewhere may work. */
export class HashPoolError extends HashwatchError {
  constructor(code: (typeof HASH_POOL_ERROR_CODES)[keyof typeof HASH_POOL_ERROR_CODES], message: string) {
    super(code, message, { status: 503, retryable: true });
    this.name = 'HashPoolError';
  }
}

/** Options of {@link HashPool}. */
export interface HashPoolOptions {
  /** Worker threads (default `os.availableParallelism()`, at least 1). */
  size?: number;
  /** @internal Another worker entry, for tests of crash handling. */
  workerUrl?: URL;
}

/** An error as it crosses the thread boundary (structured clone drops class and own fields). */
export interface SerialisedError {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: string;
  status?: number;
  retryable?: boolean;
  details?: Record<string, unknown> | undefined;
}

/** Messages between the pool and a worker. */
export type PoolRequest = { id: number; bytes: Uint8Array; options: HashImageOptions };
export type PoolReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; hashes: ImageHashes }
  | { type: 'failed'; id: number; error: SerialisedError };

interface Job {
  id: number;
  bytes: Uint8Array;
  options: HashImageOptions;
  resolve(hashes: ImageHashes): void;
  reject(err: Error): void;
  /** Settles with the job, either way: what `close()` waits for. */
  settled: Promise<unknown>;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  ready: boolean;
  lastError: Error | null;
}

/** Runs {@link hashImageBytes} in worker threads. Create one per process and `close()` it at shutdown. */
export class HashPool {
  /** Maximum number of worker threads. */
  readonly size: number;
  readonly #entry: URL | null;
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor(opts: HashPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(opts.size ?? availableParallelism()));
    this.#entry = opts.workerUrl ?? null;
  }

  /** Live worker threads (they start on demand, up to {@link size}). */
  get threads(): number {
    return this.#slots.size;
  }

  /**
   * Hashes an image in a worker thread. The bytes are transferred, not copied: afterwards `bytes` is
   * empty in the caller (a view on part of a larger buffer is copied once instead).
   * @throws the typed `HASH_*` errors of `hashImageBytes`; {@link HashPoolError} if the worker died
   *   or the pool is closed.
   */
  hashImage(bytes: Uint8Array, options: HashImageOptions = {}): Promise<ImageHashes> {
    if (this.#closed)
      return Promise.reject(new HashPoolError(HASH_POOL_ERROR_CODES.closed, 'the hash pool is closed'));
    let settle: Pick<Job, 'resolve' | 'reject'> = { resolve() {}, reject() {} };
    const result = new Promise<ImageHashes>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.#queue.push({ id: this.#nextId++, bytes, options, ...settle, settled });
    this.#dispatch();
    return result;
  }

  /** Fails queued jobs, lets running ones finish, and ends every thread. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0))
      job.reject(new HashPoolError(HASH_POOL_ERROR_CODES.closed, 'the hash pool was closed'));
    await Promise.all(
      [...this.#slots].map(async (slot) => {
        await slot.job?.settled;
        await slot.worker.terminate();
      }),
    );
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.job === null) this.#run(slot, this.#queue.shift() as Job);
    }
    while (this.#queue.length > 0 && this.#slots.size < this.size) {
      this.#run(this.#spawn(), this.#queue.shift() as Job);
    }
  }

  #run(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    const whole =
      job.bytes.buffer instanceof ArrayBuffer &&
      job.bytes.byteOffset === 0 &&
      job.bytes.byteLength === job.bytes.buffer.byteLength;
    // Node's pooled small Buffers share one ArrayBuffer: transferring it would take others' bytes too.
    const bytes = whole ? job.bytes : job.bytes.slice();
    const request: PoolRequest = { id: job.id, bytes, options: job.options };
    slot.worker.postMessage(request, [bytes.buffer as ArrayBuffer]);
  }

  #spawn(): Slot {
    const worker = this.#entry ? new Worker(this.#entry) : startHashWorker();
    const slot: Slot = { worker, job: null, ready: false, lastError: null };
    this.#slots.add(slot);
    worker.on('message', (reply: PoolReply) => {
      if (reply.type === 'ready') {
        slot.ready = true;
        return;
      }
      const job = slot.job;
      slot.job = null;
      if (job?.id === reply.id) {
        if (reply.type === 'done') job.resolve(reply.hashes);
        else job.reject(rebuildError(reply.error));
      }
      if (this.#closed) return;
      worker.unref();
      this.#dispatch();
    });
    worker.on('error', (err) => {
      slot.lastError = err;
    });
    worker.on('exit', (code) => this.#onExit(slot, code));
    return slot;
  }

  #onExit(slot: Slot, code: number): void {
    this.#slots.delete(slot);
    const why = slot.lastError?.message ?? `exit code ${code}`;
    const crash = new HashPoolError(
      HASH_POOL_ERROR_CODES.crashed,
      slot.ready ? `the hash worker died: ${why}` : `the hash worker failed to start: ${why}`,
    );
    slot.job?.reject(crash);
    if (this.#closed) return;
    // A worker that cannot even start fails every queued job the same way; do not respawn in a loop.
    if (!slot.ready) for (const job of this.#queue.splice(0)) job.reject(crash);
    this.#dispatch();
  }
}

/** Starts the worker from compiled JS, or from TypeScript sources with tsx registered in the thread. */
function startHashWorker(): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./hash-worker.js', self));
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./hash-worker.ts', self).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true });
}

const ERROR_CLASSES: Record<string, { prototype: HashwatchError }> = {
  HashInvalidError,
  HashDecodeFailedError,
  HashUnsupportedFormatError,
  HashImageTooLargeError,
  HashInputTooLargeError,
  HashPoolError,
};

/** Turns a worker's error back into the class it was thrown as, with its code, status and flag. */
export function rebuildError(e: SerialisedError): Error {
  let err: Error;
  if (e.code === undefined) {
    err = new Error(e.message);
  } else {
    err = new HashwatchError(e.code, e.message, {
      status: e.status ?? 500,
      retryable: e.retryable ?? false,
      details: e.details,
    });
    // The subclasses differ in constructor signature only; their fields are set from the message.
    const cls = ERROR_CLASSES[e.name];
    if (cls) Object.setPrototypeOf(err, cls.prototype);
  }
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}
