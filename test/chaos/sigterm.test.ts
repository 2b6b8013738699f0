/**
 * SIGTERM of a worker with jobs in flight (test/e2e/lifecycle.test.ts covers an idle `hashwatch
 * up`): it stops taking jobs, lets running ones finish within SHUTDOWN_GRACE_MS, hands back the
 * rest (delayed, no attempt used) and exits 0. Nothing is left locked for the stalled-job check, no
 * job fails, and a new worker finishes the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, exitOf } from '../helpers/process.js';
import {
  type ChaosEnv,
  createReports,
  integrity,
  reportsSettled,
  startChaosEnv,
} from './helpers/chaos-env.js';
import { startWorker, stopAll, type WorkerProc } from './helpers/workers.js';

const GRACE_MS = 2_000;

describe('SIGTERM of a worker in the middle of a run', () => {
  let env: ChaosEnv;
  const workers: WorkerProc[] = [];

  beforeAll(async () => {
    env = await startChaosEnv({ sites: 1 });
  }, 180_000);

  afterAll(async () => {
    await stopAll(workers);
    await env?.close();
  }, 60_000);

  it('finishes or hands back its jobs within the grace period and exits 0', async () => {
    const workerEnv = env.workerEnv({ SHUTDOWN_GRACE_MS: String(GRACE_MS), WORKER_CONCURRENCY: '3' });
    const first = startWorker('w1', workerEnv);
    workers.push(first);
    await eventually(
      async () => (first.output().includes('workers started') ? true : undefined),
      180_000,
      'the worker to start',
    );
    await createReports(env, 16);
    const queues = ['crawl', 'media'].map((q) => env.producer.queue(q));
    // Wait until several jobs are running at once, then ask the worker to stop.
    const active = await eventually(
      async () => {
        const jobs = (await Promise.all(queues.map((q) => q.getActive()))).flat();
        return jobs.length >= 2 ? jobs : undefined;
      },
      120_000,
      'jobs in flight',
    );
    const signalled = Date.now();
    first.kill('SIGTERM');
    const code = await exitOf(first);
    const exitMs = Date.now() - signalled;

    // Right after the exit: nothing active (no lock left to expire), nothing failed, and each job
    // that was running has either finished or is back on the queue with no attempt used.
    const counts = await Promise.all(queues.map((q) => q.getJobCounts('active', 'failed')));
    const outcomes: Record<string, number> = {};
    const attemptsUsed: string[] = [];
    for (const job of active) {
      const fresh = await env.producer.queue(job.queueName).getJob(job.id ?? '');
      const state = fresh ? await fresh.getState() : 'gone';
      outcomes[state] = (outcomes[state] ?? 0) + 1;
      if (state !== 'completed' && fresh?.attemptsMade !== job.attemptsMade) {
        const lines = first
          .output()
          .split('\n')
          .filter((l) => l.includes(job.id ?? '-'));
        attemptsUsed.push(`${job.id} ${state} ${fresh?.failedReason}\n${lines.join('\n')}`);
      }
    }
    console.log(
      `[chaos] SIGTERM with ${active.length} jobs in flight: exit ${code} after ${exitMs} ms (grace ${GRACE_MS} ms); jobs ${JSON.stringify(outcomes)}`,
    );
    expect(attemptsUsed).toEqual([]);
    expect(code).toBe(0);
    expect(first.output()).toContain('stopped cleanly');
    // Grace period, plus closing the browser, the pools and the connections.
    expect(exitMs).toBeLessThan(GRACE_MS + 15_000);
    expect(counts.map((c) => c.active)).toEqual([0, 0]);
    expect(counts.map((c) => c.failed)).toEqual([0, 0]);
    for (const state of Object.keys(outcomes)) expect(['completed', 'delayed', 'waiting']).toContain(state);

    const second = startWorker('w2', workerEnv);
    workers.push(second);
    await eventually(
      async () => {
        const s = await reportsSettled(env.db);
        return s.settled === s.total ? true : undefined;
      },
      240_000,
      'the second worker to finish the run',
    );
    const result = await integrity(env.db);
    expect(Object.keys(result.reports)).toEqual(['done']);
    expect(result.media.queued ?? 0).toBe(0);
  }, 600_000);
});
