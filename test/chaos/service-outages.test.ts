/**
 * The services a run depends on go away and come back, while two `hashwatch worker` processes
 * crawl and `hashwatch serve` answers the API: Redis (with an append-only file) is restarted, then
 * Postgres is stopped for 30 s. Nobody restarts the workers; they reconnect by themselves, and the
 * run completes with nothing lost. While Postgres is down the API says so, with a 503 naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, spawnHashwatch } from '../helpers/process.js';
import {
  type ChaosEnv,
  createReports,
  integrity,
  reportsSettled,
  startChaosEnv,
} from './helpers/chaos-env.js';
import { alive, sleep, startWorker, stopAll, type WorkerProc } from './helpers/workers.js';

const REPORTS = Number(process.env.CHAOS_OUTAGE_REPORTS ?? 60);
const PG_DOWN_MS = 30_000;

describe('Redis restart and a 30 s Postgres outage during a run', () => {
  let env: ChaosEnv;
  const procs: WorkerProc[] = [];

  beforeAll(async () => {
    env = await startChaosEnv({ sites: 2 });
  }, 180_000);

  afterAll(async () => {
    await stopAll(procs);
    await env?.close();
  }, 60_000);

  it('reconnects by itself, answers 503 naming the database while it is down, and loses nothing', async () => {
    const started = Date.now();
    const t = () => Math.round((Date.now() - started) / 1000);
    const db = env.db;
    const port = await freePort();
    const api = Object.assign(
      spawnHashwatch(['serve', '--no-migrate'], {
        ...env.workerEnv(),
        PORT: String(port),
        HOST: '127.0.0.1',
      }),
      { name: 'api' },
    );
    procs.push(api, startWorker('w1', env.workerEnv()), startWorker('w2', env.workerEnv()));
    const workers = procs.slice(1);
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    const report = (url: string) =>
      fetch(`http://127.0.0.1:${port}/api/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url, depth: 0 }),
      });
    await eventually(
      async () =>
        workers.every((w) => w.output().includes('workers started')) && (await get('/readyz')).status === 200
          ? true
          : undefined,
      180_000,
      'workers and API to start',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${procs.map((p) => p.output().slice(-1500)).join('\n---\n')}`);
    });
    await env.registerCase(['lazy-1', 'page2-1']);
    await createReports(env, REPORTS);
    const progress = async (atLeast: number, what: string, ms = 240_000) =>
      eventually(
        async () => {
          const s = await reportsSettled(db);
          return s.settled >= atLeast ? s.settled : undefined;
        },
        ms,
        what,
      );

    // Redis restart: SIGTERM (it writes its AOF and exits), start again on the same port and dir.
    const beforeRedis = await progress(Math.ceil(REPORTS * 0.15), 'the run to get going');
    await env.redis.stop('SIGTERM');
    console.log(`[chaos] t=${t()}s Redis stopped with ${beforeRedis}/${REPORTS} reports finished`);
    await sleep(3_000);
    const readyWithoutRedis = await (await get('/readyz')).json();
    await env.redis.start();
    console.log(`[chaos] t=${t()}s Redis started again`);
    const afterRedis = await progress(beforeRedis + 5, 'progress after the Redis restart');

    // Postgres: stopped for 30 s.
    await env.pg.stop();
    const pgDownAt = Date.now();
    console.log(`[chaos] t=${t()}s Postgres stopped with ${afterRedis}/${REPORTS} reports finished`);
    const readyz = await eventually(
      async () => {
        const res = await get('/readyz');
        return res.status === 503 ? res.json() : undefined;
      },
      15_000,
      '/readyz to answer 503',
    );
    const reportRes = await report(`${env.sites[0]?.baseUrl}/?during-outage`);
    const reportBody = await reportRes.json();
    const retryAfter = reportRes.headers.get('retry-after');
    await sleep(Math.max(0, PG_DOWN_MS - (Date.now() - pgDownAt)));
    await env.pg.start();
    console.log(
      `[chaos] t=${t()}s Postgres started again after ${Math.round((Date.now() - pgDownAt) / 1000)} s`,
    );
    await eventually(
      async () => ((await get('/readyz')).status === 200 ? true : undefined),
      30_000,
      'readyz after Postgres returns',
    );
    const afterPg = await report(`${env.sites[0]?.baseUrl}/?after-outage`);

    await eventually(
      async () => {
        const s = await reportsSettled(db);
        return s.settled === s.total ? true : undefined;
      },
      300_000,
      'every report to finish',
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await integrity(db))}`);
    });
    const result = await integrity(db);
    const failedJobs: Record<string, number> = {};
    for (const q of ['crawl', 'media', 'match']) {
      failedJobs[q] = (await env.producer.queue(q).getJobCounts('failed')).failed ?? 0;
    }
    const putBack = workers.reduce(
      (n, w) =>
        n +
        w
          .output()
          .split('\n')
          .filter((l) => l.includes('a service is down; job put back')).length,
      0,
    );
    const redisReconnects = workers.map(
      (w) =>
        w
          .output()
          .split('\n')
          .filter((l) => l.includes('worker error')).length,
    );
    console.log(
      `[chaos] outage run result ${JSON.stringify({ reports: result.reports, media: result.media, failedJobs, putBack, redisReconnects, readyWithoutRedis, readyz, reportDuringOutage: { status: reportRes.status, body: reportBody, retryAfter }, totalS: t() })}`,
    );

    // The same processes did all of it: nobody restarted a worker or the API.
    for (const p of procs) expect(alive(p), `${p.name} still running`).toBe(true);
    expect(readyWithoutRedis.error?.message).toMatch(/redis/);
    expect(readyz.error.code).toBe('NOT_READY');
    expect(readyz.error.message).toMatch(/postgres/);
    expect(readyz.error.details.checks.redis).toBe('ok');
    expect(reportRes.status).toBe(503);
    expect(reportBody.error.code).toBe('DATABASE_UNAVAILABLE');
    expect(reportBody.error.message).toMatch(/database/i);
    expect(JSON.stringify(reportBody)).not.toMatch(/ECONNREFUSED|at .*\.js|stack/);
    expect(retryAfter).toBe('30');
    expect(afterPg.status).toBe(202);
    // Nothing lost: every report (the one made after the outage included) finished, every media
    // location settled, and no job ended up failed because of the outages.
    expect(Object.keys(result.reports).every((s) => s === 'done' || s === 'failed')).toBe(true);
    expect(result.failedWithoutReason).toBe(0);
    expect(result.pagesUnsettled).toBe(0);
    expect(result.media.queued ?? 0).toBe(0);
    expect(failedJobs).toEqual({ crawl: 0, media: 0, match: 0 });
    expect(result.matches.pending ?? 0).toBeGreaterThan(0);
  }, 900_000);
});
