import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { silentLog } from '../../../test/helpers/services.js';
import type { Db } from '../../db/index.js';
import { createServer } from '../app.js';
import { securityHeaders } from '../web/security.js';
import {
  AccountService,
  type CookieSecureMode,
  csrfField,
  csrfToken,
  DEFAULT_ACCOUNT_POLICY,
  loginRoutes,
  requireUser,
  sessionPlugin,
} from './index.js';

/** The accounts wired as in main.ts: sessions on the root, the login routes inside the web plugin. */
async function accountsApp(
  db: Db,
  o: { cookieSecure?: CookieSecureMode; perMinute?: number; bare?: boolean } = {},
) {
  const accounts = new AccountService(db, { ...DEFAULT_ACCOUNT_POLICY, maxFailedLogins: 3 });
  const app = await createServer({
    log: silentLog,
    checks: [],
    plugins: [
      { plugin: sessionPlugin({ accounts, cookieSecure: o.cookieSecure ?? 'auto' }) },
      {
        plugin: async (web) => {
          if (!o.bare) {
            // What the web plugin of main.ts already has (reportPage, webRoutes).
            await web.register(formbody);
            await web.register(rateLimit, { global: false });
            await securityHeaders(web);
          }
          await web.register(loginRoutes, { attemptsPerMinute: o.perMinute ?? 1000, afterLogin: '/triage' });
          web.get('/triage', { preHandler: requireUser('analyst') }, async (req, reply) =>
            reply.type('text/html').send(`<p>${req.user?.email}</p><form>${csrfField(req)}</form>`),
          );
          web.get('/csrf', { preHandler: requireUser() }, async (req) => ({ token: csrfToken(req) }));
        },
      },
    ],
  });
  return { app, accounts };
}

const login = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/login',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  payload: new URLSearchParams(fields).toString(),
});
const setCookie = (res: LightMyRequestResponse) => String(res.headers['set-cookie'] ?? '');
const cookieOf = (res: LightMyRequestResponse) => setCookie(res).split(';')[0] ?? '';

describe('sign-in and sign-out', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let built: Awaited<ReturnType<typeof accountsApp>>;
  let analyst: { email: string; password: string };

  beforeAll(async () => {
    env = await migratedDatabase();
    built = await accountsApp(env.db);
    analyst = await built.accounts.addUser('Ana.Lyst@Example.org', 'analyst', 'test');
  });
  afterAll(async () => {
    await built?.app.close();
    await env?.close();
  });

  const auditRows = async (action: string) =>
    (
      await env.db.pool.query('SELECT actor, subject, detail FROM audit_log WHERE action = $1 ORDER BY id', [
        action,
      ])
    ).rows;

  it('shows a plain sign-in form that is never cached and escapes what it echoes', async () => {
    const res = await built.app.inject({ url: '/login?next=/triage%3Fq%3D%22%3E%3Cscript%3E' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.body).toContain('<form method="post" action="/login"');
    expect(res.body).toContain('autocomplete="current-password"');
    expect(res.body).not.toContain('"><script>');
    expect(res.body).toContain('you do not need an account');
  });

  it('signs in with the right password: a strict session cookie, then the page asked for', async () => {
    const res = await built.app.inject(
      login({ email: ' ANA.LYST@example.org ', password: analyst.password, next: '/csrf' }),
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/csrf');
    const cookie = setCookie(res);
    expect(cookie).toMatch(
      /^hw_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Strict$/,
    );
    expect(cookie).not.toContain('Secure'); // plain HTTP, cookieSecure auto
    const token = cookieOf(res).split('=')[1] ?? '';
    const { rows } = await env.db.pool.query('SELECT id FROM sessions');
    expect(rows.map((r) => r.id)).not.toContain(token); // only its SHA-256 is stored
    const page = await built.app.inject({ url: '/triage', headers: { cookie: cookieOf(res) } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('ana.lyst@example.org');
    expect((await auditRows('login.success')).at(-1)).toMatchObject({ actor: 'ana.lyst@example.org' });
  });

  it('answers an unknown address exactly as a wrong password, and audits both without the password', async () => {
    const wrong = await built.app.inject(
      login({ email: 'ana.lyst@example.org', password: 'not-the-password-1' }),
    );
    const unknown = await built.app.inject(
      login({ email: 'nobody@example.org', password: 'not-the-password-2' }),
    );
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(unknown.body.replace('nobody@example.org', 'X')).toBe(
      wrong.body.replace('ana.lyst@example.org', 'X'),
    );
    const failures = await auditRows('login.failure');
    expect(failures.map((f) => f.detail.reason)).toEqual(['wrong-password', 'unknown-account']);
    expect(failures[1]).toMatchObject({ actor: 'anonymous', subject: null }); // the typed address is not kept
    const all = JSON.stringify((await env.db.pool.query('SELECT * FROM audit_log')).rows);
    expect(all).not.toContain('not-the-password');
    expect(all).not.toContain(analyst.password);
    expect(all).not.toContain('nobody@example.org');
    await env.db.pool.query('UPDATE users SET failed_logins = 0');
  });

  it('pauses an account after repeated wrong passwords, with the same answer, then lets it in again', async () => {
    const u = await built.accounts.addUser('paused@example.org', 'analyst', 'test');
    for (let i = 0; i < 3; i++) {
      expect((await built.app.inject(login({ email: u.email, password: `wrong-${i}` }))).statusCode).toBe(
        401,
      );
    }
    const refused = await built.app.inject(login({ email: u.email, password: u.password }));
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['set-cookie']).toBeUndefined();
    const other = await built.app.inject(login({ email: 'nobody@example.org', password: 'x' }));
    expect(refused.body.replace(u.email, 'X')).toBe(other.body.replace('nobody@example.org', 'X'));
    expect((await auditRows('login.failure')).at(-2)?.detail.reason).toBe('paused');
    await env.db.pool.query("UPDATE users SET locked_until = now() - interval '1 second' WHERE email = $1", [
      u.email,
    ]);
    expect((await built.app.inject(login({ email: u.email, password: u.password }))).statusCode).toBe(303);
    const { rows } = await env.db.pool.query('SELECT failed_logins FROM users WHERE email = $1', [u.email]);
    expect(rows[0].failed_logins).toBe(0);
  });

  it('checks no more passwords than the limit, even when guesses arrive in parallel', async () => {
    const u = await built.accounts.addUser('parallel@example.org', 'analyst', 'test');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => built.accounts.login(u.email, `guess-${i}`, '10.1.1.1')),
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    const reasons = (await auditRows('login.failure'))
      .filter((f) => f.subject === u.email)
      .map((f) => f.detail.reason);
    expect(reasons.filter((r) => r === 'wrong-password')).toHaveLength(3);
    expect(reasons.filter((r) => r === 'paused')).toHaveLength(5);
  });

  it('refuses a sign-in posted from another site (login CSRF)', async () => {
    const res = await built.app.inject(
      login({ email: analyst.email, password: analyst.password }, { origin: 'https://evil.example' }),
    );
    expect(res.statusCode).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toContain('did not come from this hashwatch site');
  });

  it('sends a signed-in visitor of /login on, and never to another site', async () => {
    const cookie = cookieOf(
      await built.app.inject(login({ email: analyst.email, password: analyst.password })),
    );
    const on = await built.app.inject({ url: '/login?next=%2Fcsrf', headers: { cookie } });
    expect(on.headers.location).toBe('/csrf');
    const away = await built.app.inject(
      login({ email: analyst.email, password: analyst.password, next: '//evil.example/' }),
    );
    expect(away.headers.location).toBe('/triage');
  });

  it('signs out only with the CSRF token, ends the session and clears the cookie', async () => {
    const cookie = cookieOf(
      await built.app.inject(login({ email: analyst.email, password: analyst.password })),
    );
    const token = (await built.app.inject({ url: '/csrf', headers: { cookie } })).json().token as string;
    const forged = await built.app.inject({ method: 'POST', url: '/logout', headers: { cookie } });
    expect(forged.statusCode).toBe(403);
    expect((await built.app.inject({ url: '/triage', headers: { cookie } })).statusCode).toBe(200);
    const out = await built.app.inject({
      ...login({ _csrf: token }),
      url: '/logout',
      headers: { ...login({}).headers, cookie },
    });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/login?out=1');
    expect(setCookie(out)).toMatch(/^hw_session=; Path=\/; Max-Age=0;/);
    const after = await built.app.inject({ url: '/triage', headers: { cookie } });
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe('/login?next=%2Ftriage');
    expect((await auditRows('logout')).length).toBe(1);
    expect((await built.app.inject({ url: '/login?out=1' })).body).toContain('You are signed out.');
  });

  it('ends every session of a disabled account at once, and refuses its sign-in', async () => {
    const u = await built.accounts.addUser('leaver@example.org', 'analyst', 'test');
    const cookie = cookieOf(await built.app.inject(login({ email: u.email, password: u.password })));
    expect((await built.app.inject({ url: '/triage', headers: { cookie } })).statusCode).toBe(200);
    expect(await built.accounts.disableUser(u.email, 'test')).toEqual({ email: u.email, sessionsEnded: 1 });
    expect((await built.app.inject({ url: '/triage', headers: { cookie } })).statusCode).toBe(303);
    expect((await built.app.inject(login({ email: u.email, password: u.password }))).statusCode).toBe(401);
  });

  it('limits sign-in attempts per address, with a page that says to wait', async () => {
    const limited = await accountsApp(env.db, { perMinute: 2 });
    try {
      const attempt = (remoteAddress: string) =>
        limited.app.inject({ ...login({ email: 'x@example.org', password: 'y' }), remoteAddress });
      expect((await attempt('10.0.0.1')).statusCode).toBe(401);
      expect((await attempt('10.0.0.1')).statusCode).toBe(401);
      const third = await attempt('10.0.0.1');
      expect(third.statusCode).toBe(429);
      expect(third.headers['content-type']).toContain('text/html');
      expect(third.headers['retry-after']).toBeDefined();
      expect(third.body).toContain('Please wait a minute');
      expect((await attempt('10.0.0.2')).statusCode).toBe(401);
    } finally {
      await limited.app.close();
    }
  });

  it('marks the cookie Secure with the __Host- prefix when configured, on its own wiring too', async () => {
    const secure = await accountsApp(env.db, { cookieSecure: 'always', bare: true });
    try {
      const res = await secure.app.inject(login({ email: analyst.email, password: analyst.password }));
      expect(setCookie(res)).toMatch(
        /^__Host-hw_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/,
      );
      expect(res.headers['content-security-policy']).toBeDefined();
      const token = cookieOf(res).split('=')[1];
      expect(
        (await secure.app.inject({ url: '/triage', headers: { cookie: cookieOf(res) } })).statusCode,
      ).toBe(200);
      // The unprefixed name is not read when cookies must be Secure.
      expect(
        (await secure.app.inject({ url: '/triage', headers: { cookie: `hw_session=${token}` } })).statusCode,
      ).toBe(303);
    } finally {
      await secure.app.close();
    }
  });
});
