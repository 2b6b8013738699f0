import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { silentLog } from '../../../test/helpers/services.js';
import { CaseService } from '../../registry/index.js';
import { AccountService, loginRoutes, sessionPlugin } from '../accounts/index.js';
import { createServer, type Server } from '../app.js';
import { securityHeaders } from '../web/security.js';
import { type AllowlistEntry, type PendingMatch, triagePage, triageRoutes } from './index.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const cookieOf = (res: LightMyRequestResponse) => String(res.headers['set-cookie'] ?? '').split(';')[0] ?? '';

describe('triage', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let app: Server;
  let cookie: string;
  let csrf: string;
  let caseId: number;
  let itemId: number;
  const allowlisted: AllowlistEntry[] = [];

  beforeAll(async () => {
    env = await migratedDatabase();
    const accounts = new AccountService(env.db);
    const cases = new CaseService(env.db);
    const opts = {
      db: env.db,
      allowlist: async (e: AllowlistEntry) => {
        allowlisted.push(e);
        return cases.allowlist(e);
      },
    };
    app = await createServer({
      log: silentLog,
      checks: [],
      plugins: [
        { plugin: sessionPlugin({ accounts, cookieSecure: 'auto' }) },
        { prefix: '/api/v1', plugin: (api) => triageRoutes(api, opts) },
        {
          plugin: async (web) => {
            await web.register(formbody);
            await web.register(rateLimit, { global: false });
            await securityHeaders(web);
            await web.register(loginRoutes, { attemptsPerMinute: 1000, afterLogin: '/triage' });
            await triagePage(web, opts);
          },
        },
      ],
    });
    const analyst = await accounts.addUser('ana@example.org', 'analyst', 'test');
    const login = await app.inject({
      method: 'POST',
      url: '/login',
      headers: FORM,
      payload: new URLSearchParams({ email: analyst.email, password: analyst.password }).toString(),
    });
    cookie = cookieOf(login);
    const pageRes = await app.inject({ url: '/triage', headers: { cookie } });
    csrf = /name="_csrf" value="([^"]+)"/.exec(pageRes.body)?.[1] ?? '';
    const { rows } = await env.db.pool.query(
      `WITH c AS (INSERT INTO cases (ref, pin_hash, consent, contact_email, source)
                  VALUES ('HW-TRIA-GE01', 'x', '{}', 'survivor@private.example', 'web') RETURNING id),
            i AS (INSERT INTO registered_items (case_id, kind) SELECT id, 'image' FROM c RETURNING id, case_id),
            h AS (INSERT INTO registered_hashes (item_id, case_id, signal, value) SELECT id, case_id, 'pdq', $1 FROM i)
       SELECT id, case_id FROM i`,
      ['ab'.repeat(32)],
    );
    [itemId, caseId] = [rows[0].id, rows[0].case_id];
  });
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  let n = 0;
  const seed = async (score: number, url = `https://tube.example/${++n}.jpg`, host = 'tube.example') => {
    const video = { registeredMatchPercent: 62.4, crawledMatchPercent: 40, framesMatched: 5, ranges: [] };
    const { rows } = await env.db.pool.query(
      `WITH m AS (INSERT INTO media (url, normalized_url, host, status) VALUES ($1, $2, $3, 'hashed') RETURNING id)
       INSERT INTO matches (media_id, case_id, item_id, signal, distance, score, variant, detail)
       SELECT m.id, $4, $5, 'pdq', 12, $6, 'original', $7 FROM m RETURNING id`,
      [url, `${url}#${++n}`, host, caseId, itemId, score, { video }],
    );
    return Number(rows[0].id);
  };
  const queue = async (): Promise<PendingMatch[]> =>
    (await app.inject({ url: '/api/v1/triage/matches?limit=500', headers: { cookie } })).json().matches;
  const decide = (body: unknown, headers: Record<string, string> = { 'x-csrf-token': csrf }) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/triage/decisions',
      headers: { cookie, ...headers },
      payload: body as object,
    });
  const stateOf = async (id: number) =>
    (await env.db.pool.query('SELECT state, decided_at FROM matches WHERE id = $1', [id])).rows[0];
  const audits = async (id: number) =>
    (
      await env.db.pool.query('SELECT actor, action, detail FROM audit_log WHERE subject = $1 ORDER BY id', [
        `match:${id}`,
      ])
    ).rows;

  it('turns away the signed-out: the page redirects to sign-in, the API answers 401', async () => {
    const pageRes = await app.inject({ url: '/triage' });
    expect(pageRes.statusCode).toBe(303);
    expect(pageRes.headers.location).toBe('/login?next=%2Ftriage');
    expect((await app.inject({ url: '/api/v1/triage/matches' })).statusCode).toBe(401);
    const post = await app.inject({
      method: 'POST',
      url: '/api/v1/triage/decisions',
      payload: { nonsense: 1 },
    });
    expect(post.statusCode).toBe(401);
    expect(csrf).not.toBe('');
  });

  it('lists pending matches by score with the case reference only, never the contact address', async () => {
    const low = await seed(0.3);
    const high = await seed(0.95);
    const mid = await seed(0.6);
    const res = await app.inject({ url: '/api/v1/triage/matches', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).not.toContain('survivor@private.example');
    const ids = (res.json().matches as PendingMatch[]).map((m) => m.id);
    expect(ids.filter((id) => [low, high, mid].includes(id))).toEqual([high, mid, low]);
    const tooMany = await app.inject({ url: '/api/v1/triage/matches?limit=501', headers: { cookie } });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.message).toBe('limit must be between 1 and 500');
    expect(
      (await app.inject({ url: '/api/v1/triage/matches?limit=x', headers: { cookie } })).statusCode,
    ).toBe(400);
    expect(res.json().matches[0]).toMatchObject({
      caseRef: 'HW-TRIA-GE01',
      signal: 'pdq',
      distance: 12,
      host: 'tube.example',
    });
  });

  it('decides through the API: counts, new states, audit entries, gone from the queue', async () => {
    const [a, b, c] = [await seed(0.5), await seed(0.5), await seed(0.5)];
    const ok = await decide({ matchIds: [a, b], decision: 'confirm' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({
      requested: 2,
      changed: 2,
      unchanged: [],
      awaiting: [],
      alreadyConfirmed: [],
      confirmationsNeeded: 1,
      allowlisted: 0,
    });
    expect((await decide({ matchIds: [c], decision: 'escalate' })).json().changed).toBe(1);
    expect((await decide({ matchIds: [a, c], decision: 'reject', reason: 'other' })).json()).toMatchObject({
      changed: 1,
      unchanged: [a],
    });
    expect([(await stateOf(a)).state, (await stateOf(b)).state, (await stateOf(c)).state]).toEqual([
      'confirmed',
      'confirmed',
      'rejected',
    ]);
    expect((await audits(a)).map((r) => r.action)).toEqual(['match.confirm']);
    expect(await audits(c)).toEqual([
      { actor: 'ana@example.org', action: 'match.escalate', detail: { reason: null } },
      { actor: 'ana@example.org', action: 'match.reject', detail: { reason: 'other' } },
    ]);
    const left = (await queue()).map((m) => m.id);
    for (const id of [a, b, c]) expect(left).not.toContain(id);
  });

  it('refuses bad input with a precise 400 and a missing CSRF token with 403', async () => {
    const id = await seed(0.4);
    const bad = await decide({ matchIds: [id], decision: 'maybe' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    expect(bad.json().error.message).toContain('decision');
    expect((await decide({ matchIds: [], decision: 'confirm' })).statusCode).toBe(400);
    const noReason = await decide({ matchIds: [id], decision: 'reject' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error.message).toContain('a rejection needs a reason');
    expect((await decide({ matchIds: [id], decision: 'confirm', reason: 'other' })).statusCode).toBe(400);
    expect((await decide({ matchIds: [id], decision: 'confirm' }, {})).statusCode).toBe(403);
    const form = await app.inject({
      method: 'POST',
      url: '/triage/decide',
      headers: { ...FORM, cookie },
      payload: `matchIds=${id}&decision=confirm`,
    });
    expect(form.statusCode).toBe(403);
    expect((await stateOf(id)).state).toBe('pending');
  });

  it('allow-lists the registered hash when it is rejected as bad', async () => {
    const id = await seed(0.45);
    const res = await decide({ matchIds: [id], decision: 'reject', reason: 'bad_registered_hash' });
    expect(res.json()).toMatchObject({ changed: 1, allowlisted: 1 });
    expect(allowlisted.at(-1)).toMatchObject({
      signal: 'pdq',
      value: 'ab'.repeat(32),
      createdBy: 'ana@example.org',
    });
    const rows = await env.db.pool.query('SELECT created_by FROM allowlist_hashes WHERE value = $1', [
      'ab'.repeat(32),
    ]);
    expect(rows.rows).toEqual([{ created_by: 'ana@example.org' }]);
  });

  it('renders the queue with every crawled value escaped and decides from plain forms', async () => {
    const evil = await seed(0.99, 'https://evil.example/"><script>alert(1)</script>.jpg', '<b>evil</b>');
    const other = await seed(0.98);
    const res = await app.inject({ url: '/triage', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).not.toContain('<b>evil</b>');
    expect(res.body).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;.jpg');
    expect(res.body).toContain('62% of registered, 40% of crawled');
    expect(res.body).toContain(`<form id="m${evil}" method="post" action="/triage/decide">`);
    expect(res.body).not.toContain('survivor@private.example');
    const post = await app.inject({
      method: 'POST',
      url: '/triage/decide',
      headers: { ...FORM, cookie },
      payload: new URLSearchParams([
        ['_csrf', csrf],
        ['matchIds', String(evil)],
        ['matchIds', String(other)],
        ['decision', 'escalate'],
        ['reason', 'other'],
      ]).toString(),
    });
    expect(post.statusCode).toBe(303);
    expect(post.headers.location).toBe('/triage?done=escalate&n=2&skipped=0');
    const after = await app.inject({ url: String(post.headers.location), headers: { cookie } });
    expect(after.body).toContain('2 matches escalated.');
    expect(after.body).not.toContain(`value="${evil}"`);
    const noReason = await app.inject({
      method: 'POST',
      url: '/triage/decide',
      headers: { ...FORM, cookie },
      payload: new URLSearchParams({
        _csrf: csrf,
        matchIds: String(await seed(0.2)),
        decision: 'reject',
      }).toString(),
    });
    expect(noReason.headers.location).toBe('/triage?problem=reason');
  });
});
