/**
 * Notices end to end: confirmed matches in Postgres → weekly batch → a real SMTP server on
 * 127.0.0.1 → what arrived is read back (recipients, text, HTML, PDF and JSON attachments) → the
 * acknowledgement link is followed through the HTTP server. Also: a second run sends nothing, and
 * a withdrawn case's matches are never sent.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSmtpMailer,
  getNotice,
  type Mailer,
  NoticeService,
  noticeAckRoutes,
  upsertPlatform,
} from '../../src/reports/index.js';
import { exampleSettings } from '../../src/reports/notice-examples.js';
import { createServer, type Server } from '../../src/server/index.js';
import { migratedDatabase } from '../helpers/app.js';
import { silentLog } from '../helpers/services.js';
import { readMail, type SmtpInbox, startSmtpInbox } from '../helpers/smtp-inbox.js';

const SECRET_EMAIL = 'survivor.private@mail.example';
const HOSTILE = 'https://tube.example/v/"><script>alert(1)</script>.jpg';
const NOW = new Date('2026-11-02T06:00:00Z');

describe('notices end to end', () => {
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  let pool: pg.Pool;
  let smtp: SmtpInbox;
  let mailer: Mailer;
  let service: NoticeService;
  let app: Server;

  async function addCase(ref: string): Promise<number> {
    const { rows } = await pool.query(
      `INSERT INTO cases (ref, pin_hash, consent, contact_email, source) VALUES ($1, 'x', '{}', $2, 'web') RETURNING id`,
      [ref, SECRET_EMAIL],
    );
    return Number(rows[0].id);
  }

  async function addConfirmedMatch(caseId: number, url: string): Promise<void> {
    const c = await pool.query(
      `INSERT INTO contents (sha256, md5, kind, pdq, bytes) VALUES (md5($1) || md5($1), md5($1), 'image', $2, 1000)
       RETURNING id`,
      [url, 'c'.repeat(64)],
    );
    const m = await pool.query(
      `INSERT INTO media (url, normalized_url, host, content_id, status, last_verified_at)
       VALUES ($1, $1, $2, $3, 'hashed', now()) RETURNING id`,
      [url, new URL(url).hostname, c.rows[0].id],
    );
    await pool.query(
      `INSERT INTO matches (media_id, case_id, signal, distance, score, variant, state, decided_at)
       VALUES ($1, $2, 'pdq', 5, 0.9, 'original', 'confirmed', now())`,
      [m.rows[0].id, caseId],
    );
  }

  /** As the registry withdraws a case (registry/case.store.ts markWithdrawn). */
  async function withdraw(caseId: number): Promise<void> {
    await pool.query("UPDATE cases SET status = 'withdrawn', contact_email = NULL WHERE id = $1", [caseId]);
    await pool.query("UPDATE matches SET state = 'withdrawn' WHERE case_id = $1 AND state = 'confirmed'", [
      caseId,
    ]);
  }

  beforeAll(async () => {
    database = await migratedDatabase();
    pool = database.db.pool;
    smtp = await startSmtpInbox();
    mailer = createSmtpMailer(smtp.url);
    service = new NoticeService({
      db: database.db,
      settings: exampleSettings({ publicUrl: 'http://hashwatch.test' }),
      mailer,
    });
    app = await createServer({
      log: silentLog,
      checks: [],
      plugins: [{ plugin: (instance) => noticeAckRoutes(instance, { pool, now: () => NOW }) }],
    });
    const base = {
      webformUrl: null,
      trustedFlaggerChannel: null,
      language: 'en' as const,
      preferredFormat: 'email' as const,
    };
    await upsertPlatform(pool, {
      ...base,
      name: 'Tube Example',
      hostPatterns: ['tube.example', '*.cdn.tube.example'],
      abuseEmail: 'abuse@tube.example',
      jurisdictions: ['EU', 'US'],
      escalation: { name: 'Hosting Example', email: 'abuse@hosting.example' },
    });
    await upsertPlatform(pool, {
      ...base,
      name: 'Clips Example',
      hostPatterns: ['clips.example'],
      abuseEmail: 'legal@clips.example',
      jurisdictions: ['UK'],
      escalation: null,
    });
  });

  afterAll(async () => {
    mailer?.close();
    await app?.close();
    await smtp?.close();
    await database?.close();
  });

  it('emails one notice per platform with text, HTML, PDF and JSON, and a working acknowledgement link', async () => {
    const survivor = await addCase('HW-E2E-0001');
    const withdrawnEarly = await addCase('HW-E2E-GONE');
    await addConfirmedMatch(survivor, 'https://tube.example/v/1.jpg');
    await addConfirmedMatch(survivor, HOSTILE);
    await addConfirmedMatch(survivor, 'https://clips.example/c/2.jpg');
    await addConfirmedMatch(withdrawnEarly, 'https://img.cdn.tube.example/early-withdrawn.jpg');
    await withdraw(withdrawnEarly);

    const summary = await service.runBatch({ now: NOW, send: true });
    expect(summary.sends.map((s) => s.outcome)).toEqual(['sent', 'sent']);
    expect(smtp.messages).toHaveLength(2);
    const byRcpt = Object.fromEntries(smtp.messages.map((m) => [m.rcpt.join(','), readMail(m.raw)]));
    expect(Object.keys(byRcpt).sort()).toEqual(['abuse@tube.example', 'legal@clips.example']);

    const tube = byRcpt['abuse@tube.example'];
    const ref = summary.created.find((n) => n.platformName === 'Tube Example')?.ref ?? '';
    expect(tube?.headers.subject).toContain(`[${ref}]`);
    expect(tube?.headers.from).toContain('notices@helpline.example');
    expect(tube?.headers['x-hashwatch-notice']).toBe(ref);
    expect(tube?.text).toContain('https://tube.example/v/1.jpg');
    expect(tube?.text).toContain(HOSTILE);
    expect(tube?.text).toContain('47 U.S.C. § 223a');
    expect(tube?.html).not.toContain('<script>alert(1)</script>');
    expect(tube?.html).toContain('&lt;script&gt;');
    const pdf = tube?.attachments[`${ref}.pdf`];
    expect(pdf?.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const json = JSON.parse(tube?.attachments[`${ref}.json`]?.toString('utf8') ?? '');
    expect(json.reference).toBe(ref);
    expect(json.items.map((i: { url: string }) => i.url).sort()).toEqual(
      [HOSTILE, 'https://tube.example/v/1.jpg'].sort(),
    );
    for (const mail of smtp.messages) {
      expect(mail.raw).not.toContain('early-withdrawn');
      expect(mail.raw).not.toContain('HW-E2E-GONE');
      const read = readMail(mail.raw);
      for (const part of [
        read.text,
        read.html,
        ...Object.values(read.attachments).map((b) => b.toString('latin1')),
      ]) {
        expect(part).not.toContain(SECRET_EMAIL);
        expect(part).not.toContain('early-withdrawn');
      }
    }

    const link = /http:\/\/hashwatch\.test(\/n\/[A-Za-z0-9_-]{43})/.exec(tube?.text ?? '')?.[1] ?? '';
    expect(link).not.toBe('');
    expect(tube?.html).toContain(`href="http://hashwatch.test${link}"`);
    const page = await app.inject({ method: 'GET', url: link });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain(ref);
    expect(page.body).toContain('https://tube.example/v/1.jpg');
    expect(page.body).not.toContain('<script>alert(1)</script>');
    const id = summary.created.find((n) => n.ref === ref)?.id ?? 0;
    expect((await getNotice(pool, id))?.acknowledgedAt).toBeNull();

    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const incomplete = await app.inject({
      method: 'POST',
      url: link,
      headers: form,
      payload: 'decision=not_removed&reason=',
    });
    expect(incomplete.statusCode).toBe(400);
    const answer = await app.inject({
      method: 'POST',
      url: link,
      headers: form,
      payload: 'decision=removed&reason=',
    });
    expect(answer.statusCode).toBe(200);
    expect(await getNotice(pool, id)).toMatchObject({
      acknowledgedAt: NOW,
      decision: 'removed',
      decisionReason: null,
    });
    const changed = await app.inject({
      method: 'POST',
      url: link,
      headers: form,
      payload: `decision=not_removed&reason=${encodeURIComponent('<b>lawful</b> "content"')}`,
    });
    expect(changed.statusCode).toBe(200);
    const shown = await app.inject({ method: 'GET', url: link });
    expect(shown.body).toContain('&lt;b&gt;lawful&lt;/b&gt; &quot;content&quot;');
    expect(shown.body).not.toContain('<b>lawful</b>');
    expect(await getNotice(pool, id)).toMatchObject({
      decision: 'not_removed',
      decisionReason: '<b>lawful</b> "content"',
    });
    expect((await app.inject({ method: 'GET', url: `/n/${'A'.repeat(43)}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/n/short' })).statusCode).toBe(404);
  });

  it('sends nothing twice when the batch runs again', async () => {
    const before = smtp.messages.length;
    const again = await service.runBatch({ now: new Date(NOW.getTime() + 3_600_000), send: true });
    expect(again.created).toEqual([]);
    expect(again.sends).toEqual([]);
    expect(smtp.messages).toHaveLength(before);
  });

  it('does not send what a case withdrawn after review relied on', async () => {
    const stays = await addCase('HW-E2E-0002');
    const leaves = await addCase('HW-E2E-0003');
    await addConfirmedMatch(stays, 'https://tube.example/v/stays.jpg');
    await addConfirmedMatch(leaves, 'https://tube.example/v/leaves.jpg');
    await addConfirmedMatch(leaves, 'https://clips.example/c/leaves.jpg');
    const review = await service.runBatch({ now: NOW, send: false });
    expect(review.created).toHaveLength(2);
    await withdraw(leaves);
    const before = smtp.messages.length;
    const outcomes = await Promise.all(review.created.map((n) => service.sendNotice(n.id, NOW)));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['cancelled', 'sent']);
    expect(smtp.messages).toHaveLength(before + 1);
    const mail = readMail(smtp.messages.at(-1)?.raw ?? '');
    expect(mail.text).toContain('https://tube.example/v/stays.jpg');
    expect(mail.text).not.toContain('leaves.jpg');
    expect(mail.text).not.toContain('HW-E2E-0003');
  });
});
