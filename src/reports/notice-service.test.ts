import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../test/helpers/app.js';
import type { Mailer, NoticeEmail } from './delivery.js';
import { platformsNeedingEscalationContact, reuploadCounts } from './escalation.store.js';
import { getNotice } from './notice.store.js';
import { exampleSettings } from './notice-examples.js';
import { NoticeService } from './notice-service.js';
import { upsertPlatform } from './platform.store.js';
import { findOverdueItems, markMediaRemoved } from './recheck.store.js';
import type { PlatformInput } from './types.js';

const SECRET_EMAIL = 'survivor.private@mail.example';
const NOW = new Date('2026-11-02T06:00:00Z');
const hours = (h: number) => new Date(NOW.getTime() + h * 3_600_000);

const platform = (name: string, hosts: string[], more: Partial<PlatformInput> = {}): PlatformInput => ({
  name,
  hostPatterns: hosts,
  abuseEmail: `abuse@${hosts[0]?.replace('*.', '')}`,
  webformUrl: null,
  trustedFlaggerChannel: null,
  jurisdictions: ['EU', 'US'],
  language: 'en',
  preferredFormat: 'email',
  escalation: { name: 'Hosting Example', email: 'abuse@hosting.example' },
  ...more,
});

/** A mailer that keeps what it was asked to send; `fail` makes the next sends throw. */
function recordingMailer(): Mailer & { sent: NoticeEmail[]; fail: boolean } {
  const m = {
    sent: [] as NoticeEmail[],
    fail: false,
    async send(mail: NoticeEmail) {
      if (m.fail) throw new Error('421 try again later');
      m.sent.push(mail);
      return { messageId: `<${m.sent.length}@smtp.test>`, accepted: mail.to, rejected: [] };
    },
    close() {},
  };
  return m;
}

describe('NoticeService (Postgres)', () => {
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  let pool: pg.Pool;
  let mailer: ReturnType<typeof recordingMailer>;
  let service: NoticeService;
  let seq = 0;

  async function addCase(ref: string): Promise<number> {
    const { rows } = await pool.query(
      `INSERT INTO cases (ref, pin_hash, consent, contact_email, source) VALUES ($1, 'x', '{}', $2, 'web') RETURNING id`,
      [ref, SECRET_EMAIL],
    );
    return Number(rows[0].id);
  }

  async function addMatch(
    caseId: number,
    url: string,
    state = 'confirmed',
  ): Promise<{ matchId: number; mediaId: number }> {
    seq += 1;
    const c = await pool.query(
      `INSERT INTO contents (sha256, md5, kind, pdq, bytes) VALUES (md5($1) || md5($1), md5($1), 'image', $2, 1000) RETURNING id`,
      [`content-${seq}-${url}`, 'a'.repeat(64)],
    );
    const m = await pool.query(
      `INSERT INTO media (url, normalized_url, host, content_id, status, first_seen_at, last_verified_at)
       VALUES ($1, $1, $2, $3, 'hashed', $4, $4)
       ON CONFLICT (normalized_url) DO UPDATE SET url = EXCLUDED.url RETURNING id`,
      [url, new URL(url).hostname, c.rows[0].id, NOW],
    );
    const x = await pool.query(
      `INSERT INTO matches (media_id, case_id, signal, distance, score, variant, state, decided_at)
       VALUES ($1, $2, 'pdq', 4, 0.9, 'original', $3, $4) RETURNING id`,
      [m.rows[0].id, caseId, state, NOW],
    );
    return { matchId: Number(x.rows[0].id), mediaId: Number(m.rows[0].id) };
  }

  /** What the registry does when a survivor withdraws (registry/case.store.ts markWithdrawn). */
  async function withdraw(caseId: number): Promise<void> {
    await pool.query("UPDATE cases SET status = 'withdrawn', contact_email = NULL WHERE id = $1", [caseId]);
    await pool.query(
      "UPDATE matches SET state = 'withdrawn' WHERE case_id = $1 AND state IN ('pending', 'confirmed')",
      [caseId],
    );
  }

  beforeAll(async () => {
    database = await migratedDatabase();
    pool = database.db.pool;
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await pool.query(
      'TRUNCATE notice_items, notices, platform_hosts, platforms, matches, media, contents, cases CASCADE',
    );
    mailer = recordingMailer();
    service = new NoticeService({ db: database.db, settings: exampleSettings(), mailer });
    await upsertPlatform(pool, platform('Tube Example', ['tube.example', '*.cdn.tube.example']));
    await upsertPlatform(pool, platform('Clips Example', ['clips.example'], { jurisdictions: ['UK'] }));
  });

  it('builds one notice per platform from confirmed matches only, once', async () => {
    const a = await addCase('HW-AAAA-0001');
    await addMatch(a, 'https://tube.example/v/1.jpg');
    await addMatch(a, 'https://img.cdn.tube.example/2.jpg');
    await addMatch(a, 'https://clips.example/3.jpg');
    await addMatch(a, 'https://tube.example/v/pending.jpg', 'pending');
    await addMatch(a, 'https://tube.example/v/rejected.jpg', 'rejected');
    await addMatch(a, 'https://nobody.example/4.jpg');

    const first = await service.runBatch({ now: NOW, send: false });
    expect(first.created.map((n) => [n.platformName, n.urls])).toEqual([
      ['Tube Example', 2],
      ['Clips Example', 1],
    ]);
    expect(first.created[0]?.ref).toMatch(/^HWN-2026-\d{6}$/);
    expect(first.needsContact).toEqual([{ host: 'nobody.example', matches: 1 }]);
    expect(first.sends).toEqual([]);
    const tube = await getNotice(pool, first.created[0]?.id ?? 0);
    expect(tube?.status).toBe('draft');
    expect(tube?.body.items.map((i) => i.url).sort()).toEqual([
      'https://img.cdn.tube.example/2.jpg',
      'https://tube.example/v/1.jpg',
    ]);
    expect(tube?.deadlineHours).toBe(48);
    expect((await getNotice(pool, first.created[1]?.id ?? 0))?.deadlineHours).toBe(168);
    // The case appears only by reference.
    expect(JSON.stringify(tube?.body)).not.toContain(SECRET_EMAIL);

    expect((await service.runBatch({ now: hours(1), send: false })).created).toEqual([]);
    await expect(
      pool.query(
        `INSERT INTO notice_items (notice_id, match_id, media_id, level)
         SELECT $1, match_id, media_id, 1 FROM notice_items LIMIT 1`,
        [first.created[1]?.id],
      ),
    ).rejects.toThrow(/notice_items_match_id_level_key/);
  });

  it('builds each notice once when two batches run at the same time', async () => {
    const a = await addCase('HW-AAAA-0008');
    await addMatch(a, 'https://tube.example/v/twice.jpg');
    await addMatch(a, 'https://clips.example/twice.jpg');
    const runs = await Promise.all([
      service.runBatch({ now: NOW, send: true }),
      service.runBatch({ now: NOW, send: true }),
    ]);
    expect(runs.flatMap((r) => r.created)).toHaveLength(2);
    expect(mailer.sent).toHaveLength(2);
  });

  it('sends a notice at most once, even when two senders race', async () => {
    const a = await addCase('HW-AAAA-0002');
    await addMatch(a, 'https://tube.example/v/race.jpg');
    const { created } = await service.runBatch({ now: NOW, send: false });
    const id = created[0]?.id ?? 0;
    const results = await Promise.all([service.sendNotice(id, NOW), service.sendNotice(id, NOW)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['sent', 'skipped']);
    expect(mailer.sent).toHaveLength(1);
    const again = await service.runBatch({ now: hours(2), send: true });
    expect(again.sends).toEqual([]);
    expect(mailer.sent).toHaveLength(1);
    const row = await getNotice(pool, id);
    expect(row).toMatchObject({ status: 'sent', messageId: '<1@smtp.test>', attempts: 1 });
    expect(row?.deadlineAt?.toISOString()).toBe(hours(48).toISOString());
    expect(row?.body.deadline.at).toBe(hours(48).toISOString());
    const mail = mailer.sent[0];
    const everything = [
      mail?.text,
      mail?.html,
      ...(mail?.attachments.map((x) => x.content.toString('latin1')) ?? []),
    ];
    for (const part of everything) expect(part).not.toContain(SECRET_EMAIL);
  });

  it('sends the drafts a batch left behind (a worker killed mid-send) on the next sending batch', async () => {
    const a = await addCase('HW-AAAA-0007');
    await addMatch(a, 'https://tube.example/v/stranded.jpg');
    const { created } = await service.runBatch({ now: NOW, send: false });
    const id = created[0]?.id ?? 0;
    expect(await getNotice(pool, id)).toMatchObject({ status: 'draft' });
    const before = mailer.sent.length;
    const next = await service.runBatch({ now: hours(1), send: true });
    expect(next.created).toEqual([]);
    expect(next.sends.find((s) => s.id === id)).toMatchObject({ outcome: 'sent' });
    expect(await getNotice(pool, id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(mailer.sent.length).toBe(before + 1);
  });

  it('lets an analyst settle a send that stopped part-way, only once it is clearly not under way', async () => {
    const a = await addCase('HW-AAAA-0008');
    await addMatch(a, 'https://tube.example/v/interrupted-1.jpg');
    const first = (await service.runBatch({ now: NOW, send: false })).created[0]?.id ?? 0;
    await addMatch(a, 'https://tube.example/v/interrupted-2.jpg');
    const second = (await service.runBatch({ now: hours(1), send: false })).created[0]?.id ?? 0;
    // A worker claimed both and died before the mail server answered.
    await pool.query(`UPDATE notices SET status = 'sending', updated_at = $2 WHERE id = ANY($1::bigint[])`, [
      [first, second],
      hours(2),
    ]);
    const soon = new Date(hours(2).getTime() + 14 * 60_000);
    expect(await service.resolveInterruptedSend(first, true, soon)).toBe(false);
    expect(await getNotice(pool, first)).toMatchObject({ status: 'sending' });

    const later = hours(3);
    expect(await service.resolveInterruptedSend(first, true, later)).toBe(true);
    const arrived = await getNotice(pool, first);
    expect(arrived).toMatchObject({ status: 'sent' });
    expect(arrived?.sentAt?.toISOString()).toBe(hours(2).toISOString());
    expect(arrived?.deadlineAt).toBeInstanceOf(Date);
    expect(await service.resolveInterruptedSend(first, false, later)).toBe(false);

    const before = mailer.sent.length;
    expect(await service.resolveInterruptedSend(second, false, later)).toBe(true);
    expect(await getNotice(pool, second)).toMatchObject({ status: 'failed', sentAt: null });
    const retry = await service.runBatch({ now: hours(4), send: true });
    expect(retry.sends.find((x) => x.id === second)).toMatchObject({ outcome: 'sent' });
    expect(retry.sends.find((x) => x.id === first)).toBeUndefined();
    expect(mailer.sent.length).toBe(before + 1);
  });

  it('cancels drafts that rely only on a withdrawn case and drops its items from mixed drafts', async () => {
    const gone = await addCase('HW-GONE-0001');
    const stays = await addCase('HW-STAY-0001');
    await addMatch(gone, 'https://clips.example/only-withdrawn.jpg');
    await addMatch(gone, 'https://tube.example/v/withdrawn.jpg');
    await addMatch(stays, 'https://tube.example/v/stays.jpg');
    const { created } = await service.runBatch({ now: NOW, send: false });
    await withdraw(gone);

    const sends = await Promise.all(created.map((n) => service.sendNotice(n.id, hours(1))));
    const byPlatform = Object.fromEntries(created.map((n, i) => [n.platformName, sends[i]]));
    expect(byPlatform['Clips Example']).toMatchObject({ outcome: 'cancelled', droppedMatches: 1 });
    expect(byPlatform['Tube Example']).toMatchObject({ outcome: 'sent' });
    expect(mailer.sent).toHaveLength(1);
    const sentText = `${mailer.sent[0]?.text}${mailer.sent[0]?.html}`;
    expect(sentText).toContain('https://tube.example/v/stays.jpg');
    expect(sentText).not.toContain('withdrawn.jpg');
    expect(sentText).not.toContain('HW-GONE-0001');
    const tube = await getNotice(pool, created.find((n) => n.platformName === 'Tube Example')?.id ?? 0);
    expect(tube?.body.caseRefs).toEqual(['HW-STAY-0001']);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM notice_items WHERE notice_id = $1', [
      tube?.id,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('marks refused sends failed and retries them in the next batch', async () => {
    const a = await addCase('HW-AAAA-0003');
    await addMatch(a, 'https://tube.example/v/retry.jpg');
    mailer.fail = true;
    const first = await service.runBatch({ now: NOW, send: true });
    expect(first.sends[0]).toMatchObject({ outcome: 'failed', error: { code: 'NOTICE_SEND_FAILED' } });
    const failed = await getNotice(pool, first.created[0]?.id ?? 0);
    expect(failed).toMatchObject({
      status: 'failed',
      sentAt: null,
      failureReason: expect.stringMatching(/421/),
    });
    mailer.fail = false;
    const second = await service.runBatch({ now: hours(1), send: true });
    expect(second.created).toEqual([]);
    expect(second.sends.map((s) => s.outcome)).toEqual(['sent']);
    expect((await service.runBatch({ now: hours(2), send: true })).sends).toEqual([]);
    expect(mailer.sent).toHaveLength(1);
    expect(await getNotice(pool, first.created[0]?.id ?? 0)).toMatchObject({
      status: 'sent',
      attempts: 2,
      failureReason: null,
    });
  });

  it('leaves email notices as drafts when no SMTP transport is configured', async () => {
    const a = await addCase('HW-AAAA-0004');
    await addMatch(a, 'https://tube.example/v/nosmtp.jpg');
    const noSmtp = new NoticeService({ db: database.db, settings: exampleSettings() });
    const { sends, created } = await noSmtp.runBatch({ now: NOW, send: true });
    expect(sends[0]).toMatchObject({ outcome: 'failed', error: { code: 'NOTICE_SMTP_MISSING' } });
    expect(await getNotice(pool, created[0]?.id ?? 0)).toMatchObject({ status: 'draft', attempts: 0 });
  });

  it('turns notices to web-form platforms into a ready-to-paste export', async () => {
    await upsertPlatform(
      pool,
      platform('Forum Example', ['forum.example'], {
        abuseEmail: null,
        webformUrl: 'https://forum.example/report',
        preferredFormat: 'webform',
      }),
    );
    const a = await addCase('HW-AAAA-0005');
    await addMatch(a, 'https://forum.example/f/5.jpg');
    const { sends, created } = await service.runBatch({ now: NOW, send: true });
    expect(sends[0]).toMatchObject({ outcome: 'export' });
    expect(mailer.sent).toEqual([]);
    const row = await getNotice(pool, created[0]?.id ?? 0);
    expect(row?.status).toBe('export');
    expect(row?.exportText).toContain('https://forum.example/f/5.jpg');
    expect(row?.exportText).toContain(row?.ref);
    expect(await service.markExportSubmitted(row?.id ?? 0, hours(3))).toBe(true);
    expect(await getNotice(pool, row?.id ?? 0)).toMatchObject({ status: 'sent', sentAt: hours(3) });
    expect(await service.markExportSubmitted(row?.id ?? 0, hours(4))).toBe(false);
  });

  it('finds overdue items and builds second notices, to the platform alone', async () => {
    const a = await addCase('HW-AAAA-0006');
    const up = await addMatch(a, 'https://tube.example/v/still-up.jpg');
    const gone = await addMatch(a, 'https://tube.example/v/gone.jpg');
    const first = await service.runBatch({ now: NOW, send: true });
    const ref = first.created[0]?.ref;
    expect(await findOverdueItems(pool, { level: 1, now: hours(47) })).toEqual([]);
    expect((await findOverdueItems(pool, { level: 1, now: hours(49) })).map((i) => i.matchId).sort()).toEqual(
      [up.matchId, gone.matchId].sort(),
    );
    expect(await markMediaRemoved(pool, [gone.mediaId], hours(30))).toBe(1);
    const overdue = await findOverdueItems(pool, { level: 1, now: hours(49) });
    expect(overdue.map((i) => [i.matchId, i.noticeRef])).toEqual([[up.matchId, ref]]);

    const followUps = await service.createFollowUps({
      now: hours(50),
      level: 1,
      matchIds: overdue.map((i) => i.matchId),
    });
    expect(followUps).toMatchObject([{ level: 2, urls: 1, platformName: 'Tube Example' }]);
    const sent = await service.sendNotice(followUps[0]?.id ?? 0, hours(50));
    // Before NOTICE_ESCALATE_AFTER (2) rounds the platform gets its chance alone: nobody is copied.
    expect(sent).toMatchObject({ outcome: 'sent', recipients: ['abuse@tube.example'] });
    const mail = mailer.sent.at(-1);
    expect(mail?.cc).toEqual([]);
    expect(mail?.subject).toMatch(/SECOND NOTICE/);
    expect(mail?.subject).not.toMatch(/ESCALATION/);
    expect(mail?.text).toContain(`Previous notice(s): ${ref}`);
    expect(mail?.text).not.toContain('gone.jpg');
    expect(await service.createFollowUps({ now: hours(51), level: 1, matchIds: [up.matchId] })).toEqual([]);
  });

  it('returns the matches of a discarded draft to the next batch', async () => {
    const a = await addCase('HW-AAAA-0007');
    await addMatch(a, 'https://tube.example/v/discard.jpg');
    const first = await service.runBatch({ now: NOW, send: false });
    expect(await service.cancelNotice(first.created[0]?.id ?? 0, NOW)).toBe(true);
    expect(await getNotice(pool, first.created[0]?.id ?? 0)).toMatchObject({ status: 'cancelled' });
    const second = await service.runBatch({ now: hours(1), send: false });
    expect(second.created.map((n) => n.urls)).toEqual([1]);
  });

  /** Sends level 1, then follow-ups up to `level`, each after the previous deadline; returns the notices. */
  async function followUpTo(matchId: number, level: number, start = NOW) {
    const sent: { ref: string; id: number; at: Date }[] = [];
    const first = await service.runBatch({ now: start, send: true });
    const n1 = first.created[0];
    if (!n1) throw new Error('no first notice');
    sent.push({ ref: n1.ref, id: n1.id, at: start });
    let at = start;
    for (let l = 1; l < level; l++) {
      at = new Date(at.getTime() + 200 * 3_600_000);
      const [next] = await service.createFollowUps({ now: at, level: l, matchIds: [matchId] });
      if (!next) throw new Error(`no follow-up at level ${l + 1}`);
      expect(await service.sendNotice(next.id, at)).toMatchObject({ outcome: 'sent' });
      sent.push({ ref: next.ref, id: next.id, at });
    }
    return sent;
  }

  it('escalates to the hosting provider after NOTICE_ESCALATE_AFTER rounds, with the history', async () => {
    const a = await addCase('HW-AAAA-0010');
    const up = await addMatch(a, 'https://tube.example/v/ignored.jpg');
    const sent = await followUpTo(up.matchId, 3);
    const third = await getNotice(pool, sent[2]?.id ?? 0);
    expect(third).toMatchObject({
      level: 3,
      status: 'sent',
      recipients: ['abuse@tube.example', 'abuse@hosting.example'],
    });
    const mail = mailer.sent.at(-1);
    expect(mail?.to).toEqual(['abuse@tube.example', 'abuse@hosting.example']);
    expect(mail?.subject).toMatch(/ESCALATION – THIRD NOTICE/);
    expect(mail?.text).toContain('This content is still online after 2 notices to Tube Example');
    expect(mail?.text).toContain('To (hosting provider): Hosting Example <abuse@hosting.example>');
    // The history: each earlier notice with the time it was sent and its deadline (48 h, US).
    for (const [i, n] of sent.slice(0, 2).entries()) {
      const deadline = new Date(n.at.getTime() + 48 * 3_600_000).toISOString();
      expect(mail?.text).toContain(
        `${n.ref} (notice ${i + 1}): sent ${n.at.toISOString().slice(0, 10)} ${n.at.toISOString().slice(11, 16)} UTC, ` +
          `removal deadline ${deadline.slice(0, 10)} ${deadline.slice(11, 16)} UTC`,
      );
    }
    const { rows } = await pool.query(
      'SELECT escalation FROM notices WHERE id = ANY($1::bigint[]) ORDER BY level',
      [sent.map((n) => n.id)],
    );
    expect(rows.map((r) => r.escalation)).toEqual([null, null, 'included']);
    expect(await platformsNeedingEscalationContact(pool)).toEqual([]);
  });

  it('honours a lower NOTICE_ESCALATE_AFTER: the second notice already goes to the hosting provider', async () => {
    service = new NoticeService({
      db: database.db,
      settings: { ...exampleSettings(), escalateAfter: 1 },
      mailer,
    });
    const a = await addCase('HW-AAAA-0011');
    const up = await addMatch(a, 'https://tube.example/v/early.jpg');
    await followUpTo(up.matchId, 2);
    expect(mailer.sent.map((m) => m.to)).toEqual([
      ['abuse@tube.example'],
      ['abuse@tube.example', 'abuse@hosting.example'],
    ]);
    expect(mailer.sent.at(-1)?.text).toContain('still online after 1 notice to Tube Example');
  });

  it('records an escalation that was not possible and lists the platform for admins', async () => {
    await upsertPlatform(pool, platform('Clips Example', ['clips.example'], { escalation: null }));
    const a = await addCase('HW-AAAA-0012');
    const up = await addMatch(a, 'https://clips.example/stays.jpg');
    const sent = await followUpTo(up.matchId, 3);
    // The follow-up still goes to the platform, without an escalation heading.
    const mail = mailer.sent.at(-1);
    expect(mail?.to).toEqual(['abuse@clips.example']);
    expect(mail?.subject).toMatch(/THIRD NOTICE/);
    expect(mail?.subject).not.toMatch(/ESCALATION/);
    const third = await getNotice(pool, sent[2]?.id ?? 0);
    expect(third?.body.escalation).toEqual({ hostingProvider: null, noticesBefore: 2 });
    const listed = await platformsNeedingEscalationContact(pool);
    expect(listed).toMatchObject([{ name: 'Clips Example', notices: 1, outstandingItems: 1 }]);
    // Once an admin enters the hosting provider, the platform leaves the list.
    await upsertPlatform(
      pool,
      platform('Clips Example', ['clips.example'], {
        escalation: { name: 'Host', email: 'abuse@host.example' },
      }),
    );
    expect(await platformsNeedingEscalationContact(pool)).toEqual([]);
  });

  it('sends a re-upload notice at once for removed content found again, and only once', async () => {
    const a = await addCase('HW-AAAA-0013');
    const other = await addCase('HW-AAAA-0014');
    const first = await addMatch(a, 'https://tube.example/v/original.jpg');
    const batch = await service.runBatch({ now: NOW, send: true });
    const ref = batch.created[0]?.ref ?? '';
    await markMediaRemoved(pool, [first.mediaId], hours(30));
    // The same file at a new URL, for the same case (a re-upload) and for another case (not one).
    const copy = async (caseId: number, url: string) => {
      const m = await pool.query(
        `INSERT INTO media (url, normalized_url, host, content_id, status, last_verified_at)
         SELECT $1, $1, $2, content_id, 'hashed', now() FROM media WHERE id = $3 RETURNING id`,
        [url, new URL(url).hostname, first.mediaId],
      );
      const x = await pool.query(
        `INSERT INTO matches (media_id, case_id, signal, distance, score, variant, state, decided_at)
         VALUES ($1, $2, 'sha256', 0, 1, 'original', 'pending', now()) RETURNING id`,
        [m.rows[0].id, caseId],
      );
      return Number(x.rows[0].id);
    };
    const again = await copy(a, 'https://img.cdn.tube.example/again.jpg');
    const unrelated = await copy(other, 'https://tube.example/v/other-case.jpg');
    // Pending: an analyst has not confirmed yet, so nothing is sent.
    expect((await service.runReuploads({ now: hours(40), send: true })).created).toEqual([]);
    await pool.query("UPDATE matches SET state = 'confirmed' WHERE id = ANY($1::bigint[])", [
      [again, unrelated],
    ]);

    const before = mailer.sent.length;
    // The SMTP server refuses at first: the next re-upload run (minutes later) retries it.
    mailer.fail = true;
    const refused = await service.runReuploads({ now: hours(41), send: true });
    expect(refused.created).toMatchObject([{ kind: 'reupload', level: 1, urls: 1, matches: 1 }]);
    expect(refused.sends.map((s) => s.outcome)).toEqual(['failed']);
    mailer.fail = false;
    const re = await service.runReuploads({ now: hours(41), send: true });
    expect(re.created).toEqual([]);
    expect(re.sends.map((s) => s.outcome)).toEqual(['sent']);
    expect(mailer.sent).toHaveLength(before + 1);
    const mail = mailer.sent.at(-1);
    expect(mail?.subject).toMatch(/RE-UPLOAD/);
    expect(mail?.text).toContain('https://img.cdn.tube.example/again.jpg');
    expect(mail?.text).not.toContain('other-case.jpg');
    expect(mail?.text).toContain(`removed after our earlier notice ${ref}`);
    expect(mail?.text).toContain(
      `Removed before: https://tube.example/v/original.jpg, after notice ${ref} (sent 2026-11-02 06:00 UTC); ` +
        'removal verified 2026-11-03 12:00 UTC',
    );
    const { rows } = await pool.query(
      'SELECT n.kind, i.reupload_of FROM notice_items i JOIN notices n ON n.id = i.notice_id WHERE i.match_id = $1',
      [again],
    );
    expect(rows).toEqual([{ kind: 'reupload', reupload_of: String(batch.created[0]?.id) }]);
    expect(await reuploadCounts(pool)).toEqual([
      { platformId: expect.any(Number), name: 'Tube Example', notices: 1, items: 1 },
    ]);

    // Idempotent, and the weekly batch later sends only the other case's copy, as a first notice.
    expect((await service.runReuploads({ now: hours(42), send: true })).created).toEqual([]);
    const weekly = await service.runBatch({ now: hours(168), send: true });
    expect(weekly.created).toMatchObject([{ kind: 'standard', urls: 1 }]);
    expect(mailer.sent.at(-1)?.text).toContain('other-case.jpg');
    expect(mailer.sent.at(-1)?.subject).not.toMatch(/RE-UPLOAD/);
  });

  it('takes its time from the injected clock when none is passed', async () => {
    let now = hours(5);
    service = new NoticeService({ db: database.db, settings: exampleSettings(), mailer, now: () => now });
    const a = await addCase('HW-AAAA-0015');
    await addMatch(a, 'https://tube.example/v/clock.jpg');
    const { created } = await service.runBatch({ send: true });
    now = hours(9);
    const row = await getNotice(pool, created[0]?.id ?? 0);
    expect(row?.sentAt).toEqual(hours(5));
    expect(row?.deadlineAt).toEqual(hours(53));
    expect(service.now()).toEqual(hours(9));
  });
});
