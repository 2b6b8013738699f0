import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { silentLog } from '../../../test/helpers/services.js';
import { createServer } from '../app.js';
import { csrfTokenFor } from './csrf.js';
import { AccountService, csrfField, loginRoutes, requireCsrf, requireUser, sessionPlugin } from './index.js';

describe('requireUser and requireCsrf', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let app: FastifyInstance;
  let accounts: AccountService;
  const signIn = async (role: 'admin' | 'analyst') => {
    const u = await accounts.addUser(
      `${role}-${Math.random().toString(36).slice(2)}@example.org`,
      role,
      'test',
    );
    const { token, session } = await accounts.login(u.email, u.password, '127.0.0.1');
    return { cookie: `hw_session=${token}`, csrf: csrfTokenFor(session), sessionId: session.id };
  };
  let analyst: Awaited<ReturnType<typeof signIn>>;
  let admin: Awaited<ReturnType<typeof signIn>>;

  beforeAll(async () => {
    env = await migratedDatabase();
    accounts = new AccountService(env.db);
    app = await createServer({
      log: silentLog,
      checks: [],
      plugins: [
        { plugin: sessionPlugin({ accounts, cookieSecure: 'auto' }) },
        {
          prefix: '/api/v1',
          plugin: async (api) => {
            api.get('/me', { preHandler: requireUser() }, async (req) => ({ email: req.user?.email }));
            api.post('/settings', { preHandler: [requireUser('admin'), requireCsrf] }, async () => ({
              saved: true,
            }));
          },
        },
        {
          plugin: async (web) => {
            await web.register(formbody); // as the web plugin of main.ts has (reportPage)
            await web.register(loginRoutes, { attemptsPerMinute: 1000 });
            web.get('/triage', { preHandler: requireUser('analyst') }, async (req, reply) =>
              reply.type('text/html').send(`<form method="post">${csrfField(req)}</form>`),
            );
            web.get('/admin', { preHandler: requireUser('admin') }, async () => 'admin page');
            web.post(
              '/triage/decide',
              { preHandler: [requireUser('analyst'), requireCsrf] },
              async () => 'decided',
            );
          },
        },
      ],
    });
    analyst = await signIn('analyst');
    admin = await signIn('admin');
  });
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  const decide = (cookie: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/triage/decide',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(fields).toString(),
    });

  it('sends a signed-out visitor of a page to /login, keeping where they were going', async () => {
    const res = await app.inject({ url: '/triage?page=2' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Ftriage%3Fpage%3D2');
    const junk = await app.inject({
      url: '/triage',
      headers: { cookie: 'hw_session=not-a-session; other=1' },
    });
    expect(junk.statusCode).toBe(303);
  });

  it('answers a signed-out API call with 401 in the API error shape', async () => {
    const res = await app.inject({ url: '/api/v1/me' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'AUTH_SESSION_REQUIRED', message: expect.any(String) } });
    expect(
      (await app.inject({ url: '/api/v1/me', headers: { cookie: analyst.cookie } })).json().email,
    ).toMatch(/^analyst-/);
  });

  it('keeps analysts out of admin pages and API; an admin is also an analyst', async () => {
    const page = await app.inject({ url: '/admin', headers: { cookie: analyst.cookie } });
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain('for administrators only');
    const api = await app.inject({
      method: 'POST',
      url: '/api/v1/settings',
      headers: { cookie: analyst.cookie, 'x-csrf-token': analyst.csrf },
    });
    expect(api.statusCode).toBe(403);
    expect(api.json().error.code).toBe('AUTH_ROLE_FORBIDDEN');
    expect((await app.inject({ url: '/admin', headers: { cookie: admin.cookie } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/triage', headers: { cookie: admin.cookie } })).statusCode).toBe(200);
  });

  it('puts the session’s CSRF token in forms', async () => {
    const res = await app.inject({ url: '/triage', headers: { cookie: analyst.cookie } });
    expect(res.body).toContain(`<input type="hidden" name="_csrf" value="${analyst.csrf}">`);
  });

  it('refuses a form post without the token, with a wrong one, or with another session’s token', async () => {
    for (const fields of [{}, { _csrf: 'wrong' }, { _csrf: admin.csrf }] as Record<string, string>[]) {
      const res = await decide(analyst.cookie, fields);
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('nothing was changed');
    }
    const crossSite = await decide(
      analyst.cookie,
      { _csrf: analyst.csrf },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.statusCode).toBe(403);
    const ok = await decide(analyst.cookie, { _csrf: analyst.csrf }, { 'sec-fetch-site': 'same-origin' });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('decided');
  });

  it('takes the token from the x-csrf-token header for fetch calls, and answers JSON when it is missing', async () => {
    const missing = await app.inject({
      method: 'POST',
      url: '/api/v1/settings',
      headers: { cookie: admin.cookie },
    });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('CSRF_INVALID');
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/settings',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    });
    expect(ok.json()).toEqual({ saved: true });
  });

  it('ends a session idle for longer than the limit, or past its absolute end, and refreshes it on use', async () => {
    const idle = await signIn('analyst');
    const old = await signIn('analyst');
    await env.db.pool.query("UPDATE sessions SET last_seen_at = now() - interval '11 hours' WHERE id = $1", [
      idle.sessionId,
    ]);
    expect((await app.inject({ url: '/triage', headers: { cookie: idle.cookie } })).statusCode).toBe(200);
    const { rows } = await env.db.pool.query(
      "SELECT now() - last_seen_at < interval '1 minute' AS fresh FROM sessions WHERE id = $1",
      [idle.sessionId],
    );
    expect(rows[0].fresh).toBe(true);
    await env.db.pool.query("UPDATE sessions SET last_seen_at = now() - interval '13 hours' WHERE id = $1", [
      idle.sessionId,
    ]);
    expect((await app.inject({ url: '/triage', headers: { cookie: idle.cookie } })).statusCode).toBe(303);
    await env.db.pool.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [
      old.sessionId,
    ]);
    expect((await app.inject({ url: '/triage', headers: { cookie: old.cookie } })).statusCode).toBe(303);
  });
});
