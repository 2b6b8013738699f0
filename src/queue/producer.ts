import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  DEFAULT_JOB_OPTIONS,
  type JobDefinition,
  type JobRegistry,
  jobIdFor,
  parsePayload,
} from './job-registry.js';

export interface EnqueueResult {
  jobId: string;
}

/**
 * Adds jobs to their queues after validating the payload. One BullMQ `Queue` per queue name,
 * all sharing the caller's producer connection.
 */
export class Producer {
  readonly #queues = new Map<string, Queue>();
  readonly #registry: JobRegistry;

  constructor(registry: JobRegistry, connection: Redis, prefix: string) {
    this.#registry = registry;
    for (const name of registry.queues()) {
      this.#queues.set(name, new Queue(name, { connection, prefix }));
    }
  }

  /** Validates and adds one job; a job with the same content-derived id is not added twice. */
  async enqueue<P>(
    def: JobDefinition<P>,
    payload: P,
    options: { delayMs?: number } = {},
  ): Promise<EnqueueResult> {
    const data = parsePayload(def, payload);
    const queue = this.queue(def.queue);
    const jobId = jobIdFor(def, data);
    const job = await queue.add(def.name, data, {
      ...DEFAULT_JOB_OPTIONS,
      ...def.options,
      ...(jobId === undefined ? {} : { jobId }),
      ...(options.delayMs ? { delay: options.delayMs } : {}),
    });
    return { jobId: job.id ?? jobId ?? '' };
  }

  /** The BullMQ queue for a registered queue name. */
  queue(name: string): Queue {
    const q = this.#queues.get(name);
    if (!q) throw new Error(`Queue "${name}" is not used by any registered job`);
    return q;
  }

  get registry(): JobRegistry {
    return this.#registry;
  }

  /** Waiting/active/delayed/failed counts per queue, for /metrics and the admin page. */
  async depths(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, q] of this.#queues) {
      out[name] = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
    }
    return out;
  }

  /** Closes the queues; the connection belongs to the caller. */
  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
  }
}
