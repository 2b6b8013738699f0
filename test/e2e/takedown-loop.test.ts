/**
 * The whole takedown loop on the fixture tube site with a fake clock, and the real Postgres, Redis,
 * Chromium and SMTP (smtp-server on 127.0.0.1): a case with two items (the clip-1 video and its
 * poster image) → a report of the video page → the worker crawls, hashes and matches → an analyst
 * confirms both → the weekly batch (Monday 06:00) emails the platform → the fixture removes the
 * video → past the deadline the recheck records the removal with its exact time to removal and sends
 * a second notice for the poster → one round later the notice escalates to the hosting provider →
 * the video is re-uploaded at a new URL → once confirmed, a re-upload notice goes out at once.
 *
 * Every notice job runs in the worker that `startWorker` builds (production wiring) with the fake
 * clock injected, enqueued as the schedulers would; no test waits for real days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { crawlPageJob, ReportService } from '../../src/crawler/index.js';
import { hashImageBytes, hashVideo } from '../../src/hashing/index.js';
import { jobRegistry, type Running, startWorker } from '../../src/main.js';
import { createRedisConnection, type JobDefinition, Producer } from '../../src/queue/index.js';
import { CaseService } from '../../src/registry/index.js';
import {
  noticeBatchJob,
  platformsNeedingEscalationContact,
  recheckJob,
  reuploadCounts,
  reuploadNoticeJob,
  upsertPlatform,
} from '../../src/reports/index.js';
import { decideMatches } from '../../src/server/triage/index.js';
import { type FixtureSite, startFixtureSite } from '../fixtures/site/index.js';
import { migratedDatabase } from '../helpers/app.js';
import { eventually } from '../helpers/process.js';
import { createTestPrefix, REDIS_URL, silentLog } from '../helpers/services.js';
import { readMail, type SmtpInbox, startSmtpInbox } from '../helpers/smtp-inbox.js';

const HOUR = 3_600_000;
const PLATFORM = 'abuse@tube.test';
const HOSTING = 'abuse@hosting.test';

/** The next Monday 06:00 UTC after `from` (the default weekly batch time). */
function nextMonday0600(from: number): Date {
  const d = new Date(from);
  d.setUTCHours(6, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7));
  return d;
}

describe('the takedown loop on the fixture site, with a fake clock', () => {
  let site: FixtureSite;
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let inbox: SmtpInbox;
  let worker: Running;
  let producer: Producer;
  let reports: ReportService;
  const prefix = createTestPrefix();
  const redis = createRedisConnection(REDIS_URL, 'producer');
  let clock = nextMonday0600(Date.now());

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await env.db.pool.query(sql, params)).rows as T[];

  /** Enqueues a job as its scheduler (or a confirmation) would and waits for the worker to finish it. */
  async function runJob<P>(def: JobDefinition<P>, payload: P): Promise<unknown> {
    const { jobId } = await producer.enqueue(def, payload);
    const job = await eventually(
      async () => {
        const j = await producer.queue(def.queue).getJob(jobId);
        const state = await j?.getState();
        if (state === 'failed') throw new Error(`${def.name} failed: ${j?.failedReason}`);
        return state === 'completed' ? j : undefined;
      },
      20_000,
      `${def.name} to finish`,
    );
    return job?.returnvalue;
  }

  /** Reports a page (depth 0) and waits until the worker has crawled and hashed it. */
  async function crawl(url: string): Promise<void> {
    const { report } = await reports.create({ url, depth: 0, source: 'api' });
    const status = await eventually(
      async () => {
        const [r] = await q<{ status: string }>('SELECT status FROM reports WHERE id = $1', [report.id]);
        return r?.status === 'done' || r?.status === 'failed' ? r.status : undefined;
      },
      40_000,
      `the report of ${url} to finish`,
    );
    expect(status).toBe('done');
  }

  /** The pending match of the registered case on a media URL. */
  async function pendingMatchOn(url: string): Promise<number> {
    const rows = await q<{ id: string }>(
      `SELECT x.id FROM matches x JOIN media m ON m.id = x.media_id WHERE m.url = $1 AND x.state = 'pending'`,
      [url],
    );
    expect(rows).toHaveLength(1);
    return Number(rows[0]?.id);
  }

  /** Waits for the `n`-th message (1-based) and reads it. */
  async function mail(n: number) {
    const m = await eventually(async () => inbox.messages[n - 1], 20_000, `email ${n}`);
    return { rcpt: [...m.rcpt].sort(), ...readMail(m.raw) };
  }

  beforeAll(async () => {
    [site, env, inbox] = await Promise.all([startFixtureSite(), migratedDatabase(), startSmtpInbox()]);
    const config = loadConfig({
      DATABASE_URL: env.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix.prefix,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'silent',
      CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
      CRAWL_HOST_REQUESTS_PER_SECOND: '100',
      CRAWL_HOST_CONCURRENT_PAGES: '4',
      CRAWL_SCROLL_SECONDS: '2',
      WORKER_CONCURRENCY: '2',
      SMTP_URL: inbox.url,
      NOTICE_REVIEW: 'false',
      NOTICE_FROM_EMAIL: 'notices@helpline.test',
      NOTICE_ORG_NAME: 'Test Helpline',
      PUBLIC_URL: 'http://hashwatch.test',
      // The defaults, spelled out because the test counts rounds against them.
      NOTICE_ESCALATE_AFTER: '2',
      NOTICE_MAX_LEVEL: '3',
    });
    const consent = {
      version: 'test',
      role: 'self' as const,
      adult: true,
      acceptedAt: new Date().toISOString(),
    };
    const video = await hashVideo({ kind: 'bytes', bytes: site.mediaBytes('clip-1-mp4') });
    const poster = await hashImageBytes(site.mediaBytes('clip-1-poster'));
    await new CaseService(env.db).register({
      consent,
      contactEmail: null,
      source: 'api',
      items: [
        {
          ...video,
          kind: 'video',
          sha256: video.sha256 ?? '',
          md5: video.md5 ?? '',
          durationMs: video.durationMs ?? undefined,
        },
        { ...poster, kind: 'image' },
      ],
    });
    await upsertPlatform(env.db.pool, {
      name: 'Fixture Tube',
      hostPatterns: ['127.0.0.1', '127.0.0.2'],
      abuseEmail: PLATFORM,
      webformUrl: null,
      trustedFlaggerChannel: null,
      jurisdictions: ['US'],
      language: 'en',
      preferredFormat: 'email',
      escalation: { name: 'Loopback Hosting', email: HOSTING },
    });
    producer = new Producer(jobRegistry(), redis, prefix.prefix);
    reports = new ReportService(
      env.db,
      async (reportId, pageId) => void (await producer.enqueue(crawlPageJob, { reportId, pageId })),
      { dedupWindowMs: 0, maxDepth: 0 },
    );
    worker = await startWorker(config, silentLog, { now: () => clock });
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await producer?.close();
    redis.disconnect();
    await inbox?.close();
    await env?.close();
    await site?.close();
    await prefix.clean();
  });

  it('runs report → match → confirm → notice → removal → follow-up → escalation → re-upload', async () => {
    const mp4 = site.media.find((m) => m.id === 'clip-1-mp4')?.url ?? '';
    const poster = site.media.find((m) => m.id === 'clip-1-poster')?.url ?? '';
    const clip1 = site.videoPages.find((u) => u.endsWith('/clip-1')) ?? '';

    // Report → crawl → match; the analyst confirms both registered items.
    await crawl(clip1);
    const videoMatch = await pendingMatchOn(mp4);
    const posterMatch = await pendingMatchOn(poster);
    await decideMatches(env.db, {
      matchIds: [videoMatch, posterMatch],
      decision: 'confirm',
      actor: 'analyst@test',
    });

    // Monday 06:00: the weekly batch emails one notice with both URLs to the platform alone.
    const monday = clock;
    await runJob(noticeBatchJob, {});
    const first = await mail(1);
    expect(first.rcpt).toEqual([PLATFORM]);
    expect(first.text).toContain(mp4);
    expect(first.text).toContain(poster);
    expect(first.subject).not.toMatch(/SECOND|ESCALATION|RE-UPLOAD/);
    const ref1 = first.headers['x-hashwatch-notice'] ?? '';
    const [n1] = await q<{ sent_at: Date; deadline_at: Date }>(
      'SELECT sent_at, deadline_at FROM notices WHERE ref = $1',
      [ref1],
    );
    expect(n1?.sent_at).toEqual(monday);
    expect(n1?.deadline_at).toEqual(new Date(monday.getTime() + 48 * HOUR));

    // The platform takes the video down; the poster stays. One hour past the 48 h deadline: recheck.
    site.remove('clip-1-mp4');
    clock = new Date(monday.getTime() + 49 * HOUR);
    const recheck1 = clock;
    await runJob(recheckJob, {});
    const [removal] = await q<{ removed_at: Date; ttr: number }>(
      `SELECT ni.removed_at, extract(epoch FROM ni.removed_at - n.sent_at)::int AS ttr
         FROM notice_items ni JOIN notices n ON n.id = ni.notice_id WHERE ni.match_id = $1 AND ni.level = 1`,
      [videoMatch],
    );
    expect(removal?.removed_at).toEqual(recheck1);
    expect(removal?.ttr).toBe((recheck1.getTime() - monday.getTime()) / 1000);
    const second = await mail(2);
    expect(second.rcpt).toEqual([PLATFORM]);
    expect(second.subject).toMatch(/SECOND NOTICE/);
    expect(second.subject).not.toMatch(/ESCALATION/);
    expect(second.text).toContain(poster);
    expect(second.text).not.toContain(mp4);
    expect(second.text).toContain(`Previous notice(s): ${ref1}`);
    const [posterItem] = await q<{ removed_at: Date | null }>(
      'SELECT removed_at FROM notice_items WHERE match_id = $1 AND level = 1',
      [posterMatch],
    );
    expect(posterItem?.removed_at).toBeNull();

    // Still up after the second deadline: NOTICE_ESCALATE_AFTER (2) rounds are spent, so the third
    // notice goes to the platform and its hosting provider, with the history of the first two.
    const ref2 = second.headers['x-hashwatch-notice'] ?? '';
    clock = new Date(recheck1.getTime() + 49 * HOUR);
    await runJob(recheckJob, {});
    const third = await mail(3);
    expect(third.rcpt).toEqual([HOSTING, PLATFORM].sort());
    expect(third.subject).toMatch(/ESCALATION – THIRD NOTICE/);
    expect(third.text).toContain('This content is still online after 2 notices to Fixture Tube');
    expect(third.text).toContain(
      `${ref1} (notice 1): sent ${utc(monday)}, removal deadline ${utc(hours(monday, 48))}`,
    );
    expect(third.text).toContain(
      `${ref2} (notice 2): sent ${utc(recheck1)}, removal deadline ${utc(hours(recheck1, 48))}`,
    );
    expect(third.text).toContain(poster);
    expect(await platformsNeedingEscalationContact(env.db.pool)).toEqual([]);

    // The removed video reappears at a new URL on a new page, on a Friday (no batch is due).
    clock = new Date(clock.getTime() + 3 * HOUR);
    const reupload = site.reupload('clip-1-mp4');
    await crawl(reupload.pageUrl);
    const again = await pendingMatchOn(reupload.mediaUrl);
    // Nothing goes out before an analyst confirms.
    await runJob(reuploadNoticeJob, { matchIds: [] });
    expect(inbox.messages).toHaveLength(3);
    await decideMatches(env.db, { matchIds: [again], decision: 'confirm', actor: 'analyst@test' });
    const reuploadAt = clock;
    expect(reuploadAt.getUTCDay()).not.toBe(1);
    await runJob(reuploadNoticeJob, { matchIds: [again] });
    const fourth = await mail(4);
    expect(fourth.rcpt).toEqual([PLATFORM]);
    expect(fourth.subject).toMatch(/RE-UPLOAD/);
    expect(fourth.text).toContain(reupload.mediaUrl);
    expect(fourth.text).not.toContain(poster);
    expect(fourth.text).toContain(`removed after our earlier notice ${ref1}`);
    expect(fourth.text).toContain(
      `Removed before: ${mp4}, after notice ${ref1} (sent ${utc(monday)}); removal verified ${utc(recheck1)}`,
    );
    const [n4] = await q<{ kind: string; sent_at: Date; reupload_of: string }>(
      `SELECT n.kind, n.sent_at, ni.reupload_of FROM notices n JOIN notice_items ni ON ni.notice_id = n.id
        WHERE ni.match_id = $1`,
      [again],
    );
    expect(n4).toMatchObject({ kind: 'reupload', sent_at: reuploadAt });
    const [first1] = await q<{ id: string }>('SELECT id FROM notices WHERE ref = $1', [ref1]);
    expect(n4?.reupload_of).toBe(first1?.id);
    expect(await reuploadCounts(env.db.pool)).toMatchObject([{ name: 'Fixture Tube', notices: 1, items: 1 }]);

    // A repeated confirmation (same content-derived job id) or a later batch sends nothing more.
    await runJob(reuploadNoticeJob, { matchIds: [again] });
    await runJob(noticeBatchJob, {});
    expect(inbox.messages).toHaveLength(4);
  }, 90_000);
});

function hours(from: Date, h: number): Date {
  return new Date(from.getTime() + h * HOUR);
}

/** As notices print times: `2026-11-30 06:00 UTC`. */
function utc(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
