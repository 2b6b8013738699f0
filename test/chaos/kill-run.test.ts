/**
 * Twenty `kill -9`s during a real run: 200 reported pages on copies of the fixture tube site,
 * crawled by two `hashwatch worker` processes in Chromium, media downloaded and hashed, cases
 * registered on the way (retroactive matching), an analyst confirming matches, and notice batches
 * emailed to an SMTP server. At seeded random moments a worker is killed (some while it is in the
 * middle of an SMTP send) and a new one started. At the end nothing is lost or doubled.
 *
 *   CHAOS_SEED=123 npm run test:chaos    # replay a run's kill schedule (the seed is printed)
 *   CHAOS_REPORTS=60 CHAOS_KILLS=6 …     # a smaller run
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNotices, noticeBatchJob, upsertPlatform } from '../../src/reports/index.js';
import { pendingMatches, runDecision } from '../../src/server/triage/index.js';
import { eventually } from '../helpers/process.js';
import {
  type ChaosEnv,
  createReports,
  explainUnsettled,
  hashingsPerMedia,
  integrity,
  reportsSettled,
  startChaosEnv,
} from './helpers/chaos-env.js';
import { type SmtpSink, startSmtpSink } from './helpers/smtp-sink.js';
import {
  alive,
  kill9,
  pidOfLocalPort,
  seededRandom,
  sleep,
  startWorker,
  stopAll,
  type WorkerProc,
} from './helpers/workers.js';

const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const REPORTS = Number(process.env.CHAOS_REPORTS ?? 200);
const KILLS = Number(process.env.CHAOS_KILLS ?? 20);
const SITES = 3;

/** What one kill hit, for the log and the results table. */
interface Kill {
  n: number;
  atS: number;
  worker: string;
  /** What was in flight at that moment (pages rendering, media queued, an SMTP send). */
  during: string[];
}

describe('kill -9 of workers during a 200-page run', () => {
  let env: ChaosEnv;
  let smtp: SmtpSink;
  const workers: WorkerProc[] = [];
  let nextWorker = 0;

  const spawn = () => {
    const w = startWorker(`w${++nextWorker}`, env.workerEnv({ SMTP_URL: smtp.url, NOTICE_REVIEW: 'false' }));
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    smtp = await startSmtpSink({ acceptDelayMs: 1_500 });
    env = await startChaosEnv({ sites: SITES });
    const platform = {
      webformUrl: null,
      trustedFlaggerChannel: null,
      language: 'en' as const,
      preferredFormat: 'email' as const,
      jurisdictions: ['EU' as const],
      escalation: null,
    };
    await upsertPlatform(env.db.pool, {
      ...platform,
      name: 'Fixture Tube',
      hostPatterns: ['127.0.0.1'],
      abuseEmail: 'abuse@tube.test',
    });
    await upsertPlatform(env.db.pool, {
      ...platform,
      name: 'Fixture CDN',
      hostPatterns: ['127.0.0.2'],
      abuseEmail: 'abuse@cdn.test',
    });
  }, 180_000);

  afterAll(async () => {
    await stopAll(workers);
    await env?.close();
    await smtp?.close();
  }, 60_000);

  it('ends with every report settled, nothing hashed, matched, noticed or emailed twice', async () => {
    console.log(`[chaos] kill run: seed ${SEED}, ${REPORTS} reports, ${KILLS} kills, ${SITES} site copies`);
    const rand = seededRandom(SEED);
    const started = Date.now();
    const t = () => Math.round((Date.now() - started) / 1000);
    const db = env.db;
    spawn();
    spawn();
    await eventually(
      async () => (workers.every((w) => w.output().includes('workers started')) ? true : undefined),
      180_000,
      'both workers to start',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${workers.map((w) => w.output().slice(-1500)).join('\n---\n')}`);
    });
    // Matches from the start (a photo on the CDN, one on the main host) and more registered later.
    await env.registerCase(['lazy-1', 'page2-1']);
    const laterCases = [['srcset-480w'], ['data-original'], ['clip-1-poster'], ['more-1-1']];
    await createReports(env, REPORTS);

    // The analyst: every few seconds confirms what is pending and asks for a notice batch.
    const batchJobs: string[] = [];
    let analystRounds = 0;
    let stopAnalyst = false;
    const analystRound = async () => {
      const pending = await pendingMatches(db.pool, 500);
      if (pending.length) {
        await runDecision(
          { db, allowlist: async () => {} },
          { matchIds: pending.map((m) => m.id), decision: 'confirm', actor: 'analyst@chaos.test' },
        );
      }
      const { jobId } = await env.producer.enqueue(noticeBatchJob, {});
      batchJobs.push(jobId);
      analystRounds++;
    };
    const analyst = (async () => {
      while (!stopAnalyst) {
        await sleep(6_000);
        if (stopAnalyst) break;
        await analystRound().catch((err: Error) =>
          console.log(`[chaos] analyst round failed: ${err.message}`),
        );
        const next = laterCases.shift();
        if (next && analystRounds % 2 === 0) await env.registerCase(next);
      }
    })();

    // The kills: seeded gaps; every third kill waits for an SMTP send and kills the sender.
    const kills: Kill[] = [];
    for (let n = 1; n <= KILLS; n++) {
      await sleep(3_000 + Math.floor(rand() * 6_000));
      let victim: WorkerProc | undefined;
      const during: string[] = [];
      if (n % 3 === 0) {
        const sending = await eventually(
          async () => {
            for (const port of smtp.inFlight()) {
              const pid = await pidOfLocalPort(port);
              const w = workers.find((x) => x.pid === pid && alive(x));
              if (w) return w;
            }
            return undefined;
          },
          20_000,
          'an SMTP send in flight',
        ).catch(() => undefined);
        if (sending) {
          victim = sending;
          during.push('smtp-send');
        }
      }
      const living = workers.filter(alive);
      victim ??= living[Math.floor(rand() * living.length)];
      if (!victim) break;
      const { rows } = await db.pool.query(
        `SELECT (SELECT count(*) FROM pages WHERE status = 'crawling')::int AS pages,
                (SELECT count(*) FROM media WHERE status = 'queued')::int AS media,
                (SELECT count(*) FROM notices WHERE status = 'sending' AND updated_at > now() - interval '3 seconds')::int AS sending`,
      );
      if (rows[0].pages) during.push(`crawl(${rows[0].pages} pages)`);
      if (rows[0].media) during.push(`hash(${rows[0].media} media queued)`);
      if (rows[0].sending && !during.includes('smtp-send')) during.push('notice sending');
      await kill9(victim);
      kills.push({ n, atS: t(), worker: victim.name, during });
      console.log(`[chaos] t=${t()}s kill ${n}: ${victim.name} during ${during.join(', ') || 'idle'}`);
      spawn();
    }

    // Let the run finish without faults.
    let lastLog = 0;
    await eventually(
      async () => {
        const s = await reportsSettled(db);
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          console.log(`[chaos] t=${t()}s ${s.settled}/${s.total} reports finished`);
        }
        return s.settled === s.total ? s : undefined;
      },
      420_000,
      'every report to finish',
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}: ${JSON.stringify(await integrity(db))}\n${await explainUnsettled(env, workers)}`,
      );
    });
    const crawlDoneS = t();
    stopAnalyst = true;
    await analyst;
    // Final analyst rounds until every confirmed match is in a notice and every batch job is done.
    const batchesSettled = async () => {
      for (const id of batchJobs) {
        const job = await env.producer.queue(noticeBatchJob.queue).getJob(id);
        const state = job ? await job.getState() : 'gone';
        if (state !== 'completed' && state !== 'failed' && state !== 'gone') return false;
      }
      return true;
    };
    for (let round = 0; round < 6; round++) {
      await analystRound();
      await eventually(async () => ((await batchesSettled()) ? true : undefined), 120_000, 'notice batches');
      const { rows } = await db.pool.query(
        `SELECT (SELECT count(*) FROM matches WHERE state = 'pending')::int AS pending,
                (SELECT count(*) FROM matches m WHERE state = 'confirmed'
                  AND NOT EXISTS (SELECT 1 FROM notice_items ni WHERE ni.match_id = m.id AND ni.level = 1))::int AS unnoticed`,
      );
      if (rows[0].pending === 0 && rows[0].unnoticed === 0) break;
    }
    // A batch killed between building its notices and sending them leaves drafts; the next
    // sending batch picks them up (runBatch sends waiting drafts too), so none may be left.
    const orphanDrafts = await listNotices(db.pool, { statuses: ['draft'], limit: 1000 });

    const result = await integrity(db);
    const hashing = hashingsPerMedia(workers);
    const notices = await listNotices(db.pool, { limit: 1000 });
    const emailsTwice = [...smtp.byRef].filter(([, n]) => n > 1);
    const sentWithoutOneEmail = notices.filter((n) => n.status === 'sent' && smtp.byRef.get(n.ref) !== 1);
    const stuckSending = notices.filter((n) => n.status === 'sending');
    const mediaHashedTwice = [...hashing.perMedia].filter(([, n]) => n > 1);
    const summary = {
      seed: SEED,
      reports: result.reports,
      kills: kills.length,
      killsDuringSmtpSend: kills.filter((k) => k.during.includes('smtp-send')).length,
      killsDuringCrawl: kills.filter((k) => k.during.some((d) => d.startsWith('crawl'))).length,
      killsDuringHashing: kills.filter((k) => k.during.some((d) => d.startsWith('hash'))).length,
      media: result.media,
      contents: result.contents,
      hashedLogLines: [...hashing.perMedia.values()].reduce((a, b) => a + b, 0),
      freshHashings: hashing.fresh,
      mediaHashedTwice: mediaHashedTwice.length,
      matches: result.matches,
      duplicateMatches: result.duplicateMatches,
      duplicateNoticeItems: result.duplicateNoticeItems,
      notices: result.notices,
      emails: smtp.accepted.length,
      emailsTwice: emailsTwice.length,
      stuckSending: stuckSending.map((n) => ({ ref: n.ref, emails: smtp.byRef.get(n.ref) ?? 0 })),
      draftsLeft: orphanDrafts.length,
      analystRounds,
      crawlDoneS,
      totalS: t(),
    };
    console.log(`[chaos] kill run result ${JSON.stringify(summary)}`);

    expect(kills).toHaveLength(KILLS);
    expect(Object.keys(result.reports).sort()).toEqual(
      Object.keys(result.reports)
        .filter((s) => s === 'done' || s === 'failed')
        .sort(),
    );
    expect(result.failedWithoutReason).toBe(0);
    expect(result.pagesUnsettled).toBe(0);
    expect(result.media.queued ?? 0).toBe(0);
    expect(result.contents).toBe(result.distinctSha256);
    // Every hashed location was recorded by exactly one hashing run (log lines of killed workers
    // included), and no location was hashed twice.
    expect(mediaHashedTwice).toEqual([]);
    expect(hashing.perMedia.size).toBe(result.media.hashed ?? 0);
    expect(result.duplicateMatches).toBe(0);
    expect(result.duplicateNoticeItems).toBe(0);
    expect(result.matches.confirmed ?? 0).toBeGreaterThan(0);
    expect(result.matches.pending ?? 0).toBe(0);
    // No email twice; every sent notice exactly once; a notice whose sender died mid-send stays
    // `sending` (at most one email) for an admin to check, and is never sent again by itself.
    expect(emailsTwice).toEqual([]);
    expect(orphanDrafts.map((n) => n.ref)).toEqual([]);
    expect(sentWithoutOneEmail.map((n) => n.ref)).toEqual([]);
    for (const n of stuckSending) expect(smtp.byRef.get(n.ref) ?? 0).toBeLessThanOrEqual(1);
    expect(smtp.accepted.length).toBeGreaterThan(0);
    const knownRefs = new Set(notices.map((n) => n.ref));
    expect([...smtp.byRef.keys()].filter((ref) => !knownRefs.has(ref))).toEqual([]);
    // Every confirmed match is in exactly one first-level notice.
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM matches m WHERE m.state = 'confirmed'
        AND (SELECT count(*) FROM notice_items ni WHERE ni.match_id = m.id AND ni.level = 1) <> 1`,
    );
    expect(rows[0].n).toBe(0);
  }, 720_000);
});
