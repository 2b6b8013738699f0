import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { type Staff, type StaffApp, staffApp } from '../../../test/helpers/staff-app.js';
import { loadConfig } from '../../config.js';
import { decideMatches, type PendingMatch, triagePage, triageRoutes } from './index.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('second-analyst rule (TRIAGE_CONFIRMATIONS=2)', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let server: StaffApp;
  let caseId: number;
  const staff = {} as Record<'ana' | 'ben', Staff>;

  beforeAll(async () => {
    env = await migratedDatabase();
    const opts = { db: env.db, allowlist: async () => {}, confirmations: 2 };
    server = await staffApp(env.db, {
      api: (api) => triageRoutes(api, opts),
      web: (web) => triagePage(web, opts),
    });
    for (const who of ['ana', 'ben'] as const) staff[who] = await server.signIn('analyst', who);
    caseId = (
      await env.db.pool.query(
        `INSERT INTO cases (ref, pin_hash, consent, contact_email, source)
         VALUES ('HW-TWOA-NALY', 'x', '{}', 'survivor@private.example', 'web') RETURNING id`,
      )
    ).rows[0].id;
  });
  afterAll(async () => {
    await server?.close();
    await env?.close();
  });

  let n = 0;
  const seed = async () => {
    const url = `https://tube.example/${++n}.jpg`;
    const { rows } = await env.db.pool.query(
      `WITH m AS (INSERT INTO media (url, normalized_url, host, status) VALUES ($1, $1, 'tube.example', 'hashed') RETURNING id)
       INSERT INTO matches (media_id, case_id, signal, distance, score, variant)
       SELECT m.id, $2, 'pdq', 10, 0.9, 'original' FROM m RETURNING id`,
      [url, caseId],
    );
    return Number(rows[0].id);
  };
  const decide = (who: 'ana' | 'ben', matchIds: number[], decision: string, reason?: string) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/triage/decisions',
      headers: { cookie: staff[who].cookie, 'x-csrf-token': staff[who].csrf },
      payload: { matchIds, decision, ...(reason ? { reason } : {}) },
    });
  const form = (who: 'ana' | 'ben', id: number, decision: string) =>
    server.app.inject({
      method: 'POST',
      url: '/triage/decide',
      headers: { ...FORM, cookie: staff[who].cookie },
      payload: new URLSearchParams({ _csrf: staff[who].csrf, matchIds: String(id), decision }).toString(),
    });
  const stateOf = async (id: number) =>
    (await env.db.pool.query('SELECT state FROM matches WHERE id = $1', [id])).rows[0].state;
  const audits = async (id: number) =>
    (
      await env.db.pool.query('SELECT actor, action, detail FROM audit_log WHERE subject = $1 ORDER BY id', [
        `match:${id}`,
      ])
    ).rows;
  const queued = async (who: 'ana' | 'ben', id: number): Promise<PendingMatch | undefined> =>
    (
      (
        await server.app.inject({
          url: '/api/v1/triage/matches?limit=500',
          headers: { cookie: staff[who].cookie },
        })
      ).json().matches as PendingMatch[]
    ).find((m) => m.id === id);

  it('reads TRIAGE_CONFIRMATIONS as 1 to 5, default 1', () => {
    expect(loadConfig({}).triage.confirmations).toBe(1);
    expect(loadConfig({ TRIAGE_CONFIRMATIONS: '2' }).triage.confirmations).toBe(2);
    expect(() => loadConfig({ TRIAGE_CONFIRMATIONS: '6' })).toThrow('TRIAGE_CONFIRMATIONS');
    expect(() => loadConfig({ TRIAGE_CONFIRMATIONS: '0' })).toThrow('TRIAGE_CONFIRMATIONS');
  });

  it('confirms through the API only when a second analyst confirms too', async () => {
    const id = await seed();
    const first = await decide('ana', [id], 'confirm');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      requested: 1,
      changed: 0,
      unchanged: [],
      awaiting: [id],
      alreadyConfirmed: [],
      confirmationsNeeded: 2,
      allowlisted: 0,
    });
    expect(await stateOf(id)).toBe('pending');
    expect(await queued('ana', id)).toMatchObject({ confirmations: 1, confirmedByViewer: true });
    expect(await queued('ben', id)).toMatchObject({ confirmations: 1, confirmedByViewer: false });

    const again = await decide('ana', [id], 'confirm');
    expect(again.json()).toMatchObject({ changed: 0, awaiting: [], alreadyConfirmed: [id], unchanged: [] });
    expect(await stateOf(id)).toBe('pending');

    const second = await decide('ben', [id], 'confirm');
    expect(second.json()).toMatchObject({ changed: 1, awaiting: [], alreadyConfirmed: [] });
    expect(await stateOf(id)).toBe('confirmed');
    expect(await queued('ana', id)).toBeUndefined();
    expect(await audits(id)).toEqual([
      {
        actor: 'ana@example.org',
        action: 'match.confirmation',
        detail: { reason: null, confirmations: 1, needed: 2 },
      },
      {
        actor: 'ben@example.org',
        action: 'match.confirm',
        detail: { reason: null, confirmations: 2, needed: 2 },
      },
    ]);
    const rows = await env.db.pool.query(
      'SELECT actor FROM match_confirmations WHERE match_id = $1 ORDER BY actor',
      [id],
    );
    expect(rows.rows.map((r) => r.actor)).toEqual(['ana@example.org', 'ben@example.org']);
    // A confirmed match takes no further confirmation.
    expect((await decide('ana', [id], 'confirm')).json()).toMatchObject({ changed: 0, unchanged: [id] });
  });

  it('lets one analyst settle a match by rejecting or escalating, whatever the confirmations', async () => {
    const [a, b] = [await seed(), await seed()];
    await decide('ana', [a, b], 'confirm');
    expect((await decide('ben', [a], 'reject', 'not_same')).json()).toMatchObject({ changed: 1 });
    expect((await decide('ben', [b], 'escalate')).json()).toMatchObject({ changed: 1 });
    expect([await stateOf(a), await stateOf(b)]).toEqual(['rejected', 'escalated']);
  });

  it('shows "1 of 2 confirmations" on the page and tells the analyst calmly what happened', async () => {
    const id = await seed();
    const first = await form('ana', id, 'confirm');
    expect(first.headers.location).toBe('/triage?done=confirm&n=0&skipped=0&waiting=1');
    const anaPage = await server.app.inject({
      url: String(first.headers.location),
      headers: { cookie: staff.ana.cookie },
    });
    expect(anaPage.body).toContain(
      'Your confirmation of 1 match is recorded; another analyst needs to confirm too.',
    );
    expect(anaPage.body).not.toContain('0 matches confirmed');
    expect(anaPage.body).toContain('1 of 2 confirmations (one is yours)');
    expect(anaPage.body).toContain('once 2 different analysts have confirmed it');

    const again = await form('ana', id, 'confirm');
    expect(again.headers.location).toBe('/triage?done=confirm&n=0&skipped=0&again=1');
    const againPage = await server.app.inject({
      url: String(again.headers.location),
      headers: { cookie: staff.ana.cookie },
    });
    expect(againPage.body).toContain(
      'You had already confirmed 1 match; a different analyst needs to confirm.',
    );

    const benPage = await server.app.inject({ url: '/triage', headers: { cookie: staff.ben.cookie } });
    expect(benPage.body).toMatch(new RegExp(`data-match="${id}">[\\s\\S]*?1 of 2 confirmations</span>`));
    const second = await form('ben', id, 'confirm');
    expect(second.headers.location).toBe('/triage?done=confirm&n=1&skipped=0');
    expect(await stateOf(id)).toBe('confirmed');
  });

  it('counts two analysts confirming at the same moment as two confirmations', async () => {
    const ids = [await seed(), await seed(), await seed()];
    const confirm = (actor: string) =>
      decideMatches(env.db, { matchIds: ids, decision: 'confirm', actor, confirmationsNeeded: 2 });
    const [x, y] = await Promise.all([confirm('ana@example.org'), confirm('ben@example.org')]);
    expect(x.changed + y.changed).toBe(3);
    for (const id of ids) expect(await stateOf(id)).toBe('confirmed');
  });
});
