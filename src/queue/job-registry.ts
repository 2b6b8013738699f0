import { createHash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';
import { HashwatchError } from '../errors.js';

/**
 * One kind of job: which queue carries it, what its payload looks like, and how its id is derived
 * from content so that adding the same work twice is a no-op while the first job is still known.
 * Payloads hold ids and URLs only: job data is stored in clear text in Redis.
 */
export interface JobDefinition<P = unknown> {
  name: string;
  queue: string;
  schema: z.ZodType<P>;
  /**
   * The content key that makes two jobs "the same"; omitted means every add is a new job.
   * (Method syntax on purpose: it keeps `JobDefinition<P>` assignable to `JobDefinition`.)
   */
  dedupKey?(payload: P): string;
  options?: JobsOptions;
}

/** Declares a job kind with its payload type inferred from the schema. */
export function defineJob<S extends z.ZodType>(def: {
  name: string;
  queue: string;
  schema: S;
  dedupKey?: (payload: z.infer<S>) => string;
  options?: JobsOptions;
}): JobDefinition<z.infer<S>> {
  if (!/^[a-z][a-z0-9-]*$/.test(def.name) || !/^[a-z][a-z0-9-]*$/.test(def.queue)) {
    throw new Error(`Job and queue names must be kebab-case: ${def.queue}/${def.name}`);
  }
  return def as JobDefinition<z.infer<S>>;
}

/** Default retry policy for jobs that do not set their own: transient failures back off exponentially. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** The set of job kinds a process knows about, looked up by name. */
export class JobRegistry {
  readonly #byName = new Map<string, JobDefinition>();

  constructor(definitions: readonly JobDefinition[]) {
    for (const def of definitions) {
      if (this.#byName.has(def.name)) throw new Error(`Job "${def.name}" is defined twice`);
      this.#byName.set(def.name, def);
    }
  }

  get(name: string): JobDefinition {
    const def = this.#byName.get(name);
    if (!def) throw new HashwatchError('QUEUE_UNKNOWN_JOB', `No job named "${name}" is registered`);
    return def;
  }

  all(): JobDefinition[] {
    return [...this.#byName.values()];
  }

  /** Names of every queue used by a registered job. */
  queues(): string[] {
    return [...new Set(this.all().map((d) => d.queue))];
  }

  jobsOn(queue: string): JobDefinition[] {
    return this.all().filter((d) => d.queue === queue);
  }
}

/**
 * Validates a payload against its job's schema, throwing a 400-class error that names the field.
 */
export function parsePayload<P>(def: JobDefinition<P>, payload: unknown): P {
  const parsed = def.schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
  throw new HashwatchError('QUEUE_INVALID_PAYLOAD', `Invalid "${def.name}" job: ${problems.join('; ')}`, {
    status: 400,
    details: { job: def.name, problems },
  });
}

/**
 * The BullMQ job id for a payload: `<job>-<sha256 of the key>` (BullMQ ids must not contain `:`
 * and must not be all digits). Undefined when the job has no dedup key.
 */
export function jobIdFor<P>(def: JobDefinition<P>, payload: P): string | undefined {
  if (!def.dedupKey) return undefined;
  const digest = createHash('sha256').update(def.dedupKey(payload)).digest('hex').slice(0, 40);
  return `${def.name}-${digest}`;
}
