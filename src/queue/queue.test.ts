import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestPrefix, REDIS_URL, silentLog } from '../../test/helpers/services.js';
import { HashwatchError } from '../errors.js';
import { createRedisConnection } from './connection.js';
import { defineJob, JobRegistry, jobIdFor } from './job-registry.js';
import { Producer } from './producer.js';
import { handle, type JobHandler, WorkerHost } from './worker-host.js';

const echo = defineJob({
  name: 'echo',
  queue: 'test-main',
  schema: z.object({ url: z.string().url(), n: z.number().int() }),
  dedupKey: (p) => p.url,
  options: { attempts: 3, backoff: { type: 'fixed', delay: 50 } },
});
const slow = defineJob({ name: 'slow', queue: 'test-slow', schema: z.object({ ms: z.number() }) });
const registry = new JobRegistry([echo, slow]);

describe('job registry', () => {
  it('derives the job id from content: same key, same id, no colon', () => {
    const a = jobIdFor(echo, { url: 'https://a.example/x', n: 1 });
    expect(a).toBe(jobIdFor(echo, { url: 'https://a.example/x', n: 2 }));
    expect(a).not.toBe(jobIdFor(echo, { url: 'https://a.example/y', n: 1 }));
    expect(a).not.toContain(':');
    expect(jobIdFor(slow, { ms: 1 })).toBeUndefined();
  });

  it('refuses a payload that does not fit the schema, naming the field', async () => {
    const connection = createRedisConnection(REDIS_URL, 'producer');
    const producer = new Producer(registry, connection, 'unused');
    try {
      await expect(producer.enqueue(echo, { url: 'nope', n: 1 })).rejects.toMatchObject({
        code: 'QUEUE_INVALID_PAYLOAD',
        status: 400,
        message: expect.stringContaining('url'),
      });
    } finally {
      await producer.close();
      connection.disconnect();
    }
  });
});

describe('worker host', () => {
  const { prefix, clean } = createTestPrefix();
  let producerConn: Redis;
  let workerConn: Redis;
  let producer: Producer;
  const hosts: WorkerHost[] = [];

  beforeAll(() => {
    producerConn = createRedisConnection(REDIS_URL, 'producer');
    workerConn = createRedisConnection(REDIS_URL, 'worker');
    producer = new Producer(registry, producerConn, prefix);
  });
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.close()));
  });
  afterAll(async () => {
    await producer.close();
    producerConn.disconnect();
    workerConn.disconnect();
    await clean();
  });

  type EchoHandler = JobHandler<z.infer<typeof echo.schema>>;
  type SlowHandler = JobHandler<z.infer<typeof slow.schema>>;
  const host = (handlers: [EchoHandler?, SlowHandler?], graceMs = 5_000, queues = ['test-main']) => {
    const h = new WorkerHost({
      registry,
      handlers: [
        handle(echo, handlers[0] ?? (async () => null)),
        handle(slow, handlers[1] ?? (async () => null)),
      ],
      connection: workerConn,
      prefix,
      concurrency: 2,
      graceMs,
      log: silentLog,
      queues,
    });
    hosts.push(h);
    return h;
  };

  const waitFor = async (queue: string, jobId: string, state: 'completed' | 'failed' | 'delayed') => {
    const q = new Queue(queue, { connection: producerConn, prefix });
    try {
      for (let i = 0; i < 200; i++) {
        if ((await q.getJobState(jobId)) === state) return q.getJob(jobId);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`job ${jobId} never reached ${state}; it is ${await q.getJobState(jobId)}`);
    } finally {
      await q.close();
    }
  };

  it('fails at start-up when a job on its queues has no handler', () => {
    expect(
      () =>
        new WorkerHost({
          registry,
          handlers: [handle(echo, async () => null)],
          connection: workerConn,
          prefix,
          concurrency: 1,
          graceMs: 1000,
          log: silentLog,
        }),
    ).toThrow(/No handler for job\(s\): test-slow\/slow/);
  });

  it('runs a job once even when it is added twice, with the validated payload', async () => {
    const seen: number[] = [];
    await host([async (p: { n: number }) => seen.push(p.n)]).start();
    const first = await producer.enqueue(echo, { url: 'https://example.org/a', n: 1 });
    const again = await producer.enqueue(echo, { url: 'https://example.org/a', n: 2 });
    expect(again.jobId).toBe(first.jobId);
    await waitFor('test-main', first.jobId, 'completed');
    expect(seen).toEqual([1]);
  });

  it('retries a retryable failure and gives up at once on a non-retryable one', async () => {
    let transient = 0;
    let permanent = 0;
    await host([
      async (p: { url: string }) => {
        if (p.url.endsWith('transient')) {
          transient++;
          if (transient < 3) throw new HashwatchError('NET_DOWN', 'try later', { retryable: true });
          return 'ok';
        }
        permanent++;
        throw new HashwatchError('HASH_DECODE_FAILED', 'not an image');
      },
    ]).start();
    const t = await producer.enqueue(echo, { url: 'https://example.org/transient', n: 0 });
    const p = await producer.enqueue(echo, { url: 'https://example.org/permanent', n: 0 });
    await waitFor('test-main', t.jobId, 'completed');
    const failed = await waitFor('test-main', p.jobId, 'failed');
    expect(transient).toBe(3);
    expect(permanent).toBe(1);
    expect(failed?.failedReason).toBe('HASH_DECODE_FAILED: not an image');
  });

  it('on close, lets a running job finish within the grace period', async () => {
    let finished = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    // The handler itself says when it runs: no race with an event subscription.
    const h = host(
      [
        undefined,
        async (p: { ms: number }) => {
          started();
          await new Promise((r) => setTimeout(r, p.ms));
          finished = true;
        },
      ],
      5_000,
      ['test-slow'],
    );
    await h.start();
    await producer.enqueue(slow, { ms: 400 });
    await running;
    await h.close();
    expect(finished).toBe(true);
  });

  it('past the grace period, cancels the running job and puts it back on the queue', async () => {
    const h = host(
      [
        undefined,
        (_p: { ms: number }, ctx) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))),
          ),
      ],
      200,
      ['test-slow'],
    );
    await h.start();
    const { jobId } = await producer.enqueue(slow, { ms: 0 });
    const q = new Queue('test-slow', { connection: producerConn, prefix });
    for (let i = 0; i < 100 && (await q.getJobState(jobId)) !== 'active'; i++)
      await new Promise((r) => setTimeout(r, 20));
    await h.close();
    const job = await q.getJob(jobId);
    expect(await q.getJobState(jobId)).toBe('delayed');
    expect(job?.attemptsMade).toBe(0);
    await q.close();
  });
});
