import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent, imageItem } from '../helpers/registration.js';
import {
  type Credentials,
  listRoutes,
  PRINCIPALS,
  type Principal,
  type RouteEntry,
  type SecurityApp,
  startSecurityApp,
} from './security-app.js';

/**
 * The access policy, route by route (docs/RELIABILITY.md, "Access", has the same table):
 * - public: anyone;
 * - survivor: the holder of that case's reference and PIN, for that case only;
 * - token:register / token:report: an API token with that scope (advocates, hotlines);
 * - staff: a signed-in analyst or admin (an admin is also an analyst);
 * - admin: a signed-in admin;
 * - link: whoever holds the secret link of one notice (`/n/<token>`); nobody else, signed in or not.
 */
type Access = 'public' | 'survivor' | 'token:register' | 'token:report' | 'staff' | 'admin' | 'link';

const ALLOWED: Record<Access, readonly Principal[]> = {
  public: PRINCIPALS,
  survivor: ['survivorA'],
  'token:register': ['tokenRegister'],
  'token:report': ['tokenReport'],
  staff: ['analyst', 'admin'],
  admin: ['admin'],
  link: [],
};

/** What a principal sends to one route: a well-formed request, so only the credential decides. */
interface Request {
  payload?: string | object;
  headers?: Record<string, string>;
  url?: string;
}
interface Rule {
  access: Access;
  /** Statuses of an allowed request (for `link`, what everyone gets for a link that is not theirs). */
  ok: number[];
  /** Allowed redirects go here (a redirect to /login is a refusal unless listed). */
  location?: RegExp;
  request?: (ctx: Ctx, who: Credentials) => Request;
  /** Case data or a page that holds it: must not be cached anywhere. */
  private?: boolean;
  /** Changes what later requests see (withdraws case A, ends sessions): run last. */
  last?: boolean;
}
interface Ctx {
  s: SecurityApp;
  reportId: number;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (who: Credentials, fields: Record<string, string> = {}) => ({
  headers: FORM,
  payload: new URLSearchParams({ ...(who.csrf ? { _csrf: who.csrf } : {}), ...fields }).toString(),
});
const withCsrf = (who: Credentials): Record<string, string> => (who.csrf ? { 'x-csrf-token': who.csrf } : {});

/**
 * Every route of the server. A route the server has and this table lacks fails the test: add it
 * here and to docs/RELIABILITY.md with its policy. Entries for routes a build does not have are
 * skipped (listed for the routes other work is adding).
 */
const POLICY: Record<string, Rule> = {
  'GET /': { access: 'public', ok: [200] },
  'GET /register': { access: 'public', ok: [200] },
  'GET /case': { access: 'public', ok: [200] },
  'GET /report': { access: 'public', ok: [200] },
  'POST /report': {
    access: 'public',
    ok: [200],
    request: () => form({ headers: {} }, { url: 'https://tube.example/seen/1' }),
  },
  'GET /favicon.ico': { access: 'public', ok: [204] },
  'GET /assets/:name': { access: 'public', ok: [200], request: () => ({ url: '/assets/site.css' }) },
  'GET /healthz': { access: 'public', ok: [200] },
  'GET /readyz': { access: 'public', ok: [200] },
  'GET /metrics': { access: 'public', ok: [200] },
  'GET /api/openapi.json': { access: 'public', ok: [200] },
  // Signed-in staff are sent on from the form; everyone may try to sign in (rate-limited per address).
  'GET /login': { access: 'public', ok: [200, 303], location: /^\/$/ },
  'POST /login': { access: 'public', ok: [400], request: () => form({ headers: {} }) },
  'POST /logout': {
    access: 'public',
    ok: [303],
    location: /^\/login\?out=1$/,
    request: (_c, who) => form(who),
    last: true,
  },
  'POST /api/v1/cases': {
    access: 'public',
    ok: [201],
    private: true,
    request: () => ({ payload: { consent, items: [imageItem()] } }),
  },
  'GET /api/v1/cases/:ref': {
    access: 'survivor',
    ok: [200],
    private: true,
    request: (c) => ({ url: `/api/v1/cases/${c.s.caseA.ref}?urls=true` }),
  },
  'DELETE /api/v1/cases/:ref': {
    access: 'survivor',
    ok: [200],
    private: true,
    request: (c) => ({ url: `/api/v1/cases/${c.s.caseA.ref}` }),
    last: true,
  },
  'POST /api/v1/cases/:ref/items': {
    access: 'token:register',
    ok: [200],
    request: (c) => ({ url: `/api/v1/cases/${c.s.caseA.ref}/items`, payload: { items: [imageItem()] } }),
  },
  'POST /api/v1/reports': {
    access: 'public',
    ok: [202],
    request: () => ({ payload: { url: 'https://tube.example/watch/1' } }),
  },
  'GET /api/v1/reports/:id': {
    access: 'token:report',
    ok: [200],
    private: true,
    request: (c) => ({ url: `/api/v1/reports/${c.reportId}` }),
  },
  'GET /api/v1/triage/matches': { access: 'staff', ok: [200], private: true },
  'POST /api/v1/triage/decisions': {
    access: 'staff',
    ok: [200],
    request: (_c, who) => ({ headers: withCsrf(who), payload: { matchIds: [987654], decision: 'confirm' } }),
  },
  'GET /triage': { access: 'staff', ok: [200], private: true },
  'POST /triage/decide': {
    access: 'staff',
    ok: [303],
    location: /^\/triage\?/,
    request: (_c, who) => form(who, { matchIds: '987654', decision: 'confirm' }),
  },
  'GET /notices': { access: 'staff', ok: [200], private: true },
  'GET /notices/:id': {
    access: 'staff',
    ok: [404],
    private: true,
    request: () => ({ url: '/notices/987654' }),
  },
  ...Object.fromEntries(
    ['send', 'cancel', 'submitted', 'arrived', 'unsent'].map((action) => [
      `POST /notices/:id/${action}`,
      {
        access: 'staff',
        ok: [303],
        location: /^\/notices\?done=unchanged$/,
        request: (_c: Ctx, who: Credentials) => ({ ...form(who), url: `/notices/987654/${action}` }),
      } satisfies Rule,
    ]),
  ),
  // Platform directory: analysts read it, admins change it.
  'GET /platforms': { access: 'staff', ok: [200] },
  'GET /platforms/new': { access: 'admin', ok: [200] },
  'GET /platforms/:id/edit': {
    access: 'admin',
    ok: [404],
    request: () => ({ url: '/platforms/987654/edit' }),
  },
  'POST /platforms': { access: 'admin', ok: [400], request: (_c, who) => form(who) },
  'POST /platforms/:id': {
    access: 'admin',
    ok: [404],
    request: (_c, who) => ({ ...form(who), url: '/platforms/987654' }),
  },
  'GET /stats': { access: 'staff', ok: [200], private: true },
  'GET /api/v1/stats': { access: 'staff', ok: [200], private: true },
  'GET /triage/preview/:matchId': {
    access: 'staff',
    ok: [404],
    private: true,
    request: () => ({ url: '/triage/preview/987654' }),
  },
  'GET /n/:token': {
    access: 'link',
    ok: [404],
    private: true,
    request: () => ({ url: `/n/${'A'.repeat(43)}` }),
  },
  'POST /n/:token': {
    access: 'link',
    ok: [404],
    request: () => ({ url: `/n/${'A'.repeat(43)}`, ...form({ headers: {} }, { decision: 'removed' }) }),
  },
};

type Outcome = 'allowed' | 'denied' | `unexpected ${number}${string}`;

/** Refused: 401/403, a redirect to sign in, or (PIN routes) no PIN sent at all. Never data. */
function outcome(rule: Rule, res: LightMyRequestResponse, who: Credentials): Outcome {
  const location = String(res.headers.location ?? '');
  const allowedRedirect = rule.location?.test(location) ?? false;
  if (rule.ok.includes(res.statusCode) && (res.statusCode < 300 || res.statusCode >= 400 || allowedRedirect))
    return 'allowed';
  if (res.statusCode === 401 || res.statusCode === 403) return 'denied';
  if (res.statusCode === 303 && location.startsWith('/login')) return 'denied';
  // A PIN route without a PIN: refused by the header schema (a HEAD answer has no body to say so).
  const noPin = rule.access === 'survivor' && !who.headers['x-case-pin'];
  if (res.statusCode === 400 && noPin && (res.body === '' || /headers\.x-case-pin/.test(res.body)))
    return 'denied';
  return `unexpected ${res.statusCode} ${location || res.body.slice(0, 120)}`;
}

describe('access: every route × every principal, and the headers of every GET route', () => {
  let s: SecurityApp;
  let ctx: Ctx;
  let routes: RouteEntry[];

  beforeAll(async () => {
    s = await startSecurityApp();
    const report = await s.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      payload: { url: 'https://tube.example/secret-finding' },
    });
    ctx = { s, reportId: report.json().id };
    routes = listRoutes(s.app);
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  });

  const send = (route: RouteEntry, rule: Rule, who: Credentials) => {
    const r = rule.request?.(ctx, who) ?? {};
    return s.app.inject({
      method: route.method as 'GET',
      url: r.url ?? route.url,
      headers: { ...who.headers, ...(r.headers ?? {}) },
      remoteAddress: `10.20.${PRINCIPALS.length}.${Math.floor(Math.random() * 250) + 1}`,
      ...(r.payload === undefined ? {} : { payload: r.payload }),
    });
  };

  it('has a policy for every route the server has', () => {
    expect(routes.length).toBeGreaterThanOrEqual(25);
    const missing = routes
      .filter((r) => r.method !== 'HEAD' || !routes.some((g) => g.method === 'GET' && g.url === r.url))
      .map((r) => `${r.method} ${r.url}`)
      .filter((key) => !POLICY[key]);
    expect(missing, 'add these routes to POLICY here and to docs/RELIABILITY.md "Access"').toEqual([]);
  });

  it('sends a CSP with frame-ancestors none, no referrer, nosniff, and no-store wherever there is case data', async () => {
    const problems: string[] = [];
    const gets = listRoutes(s.app).filter((r) => r.method === 'GET');
    expect(gets.length).toBeGreaterThanOrEqual(15);
    for (const route of gets) {
      const r = POLICY[`GET ${route.url}`];
      if (!r) continue; // reported by the matrix's first test
      // Asked as someone allowed, so the answer is the real page or document.
      const principal = ALLOWED[r.access][0] ?? 'anonymous';
      const who = s.credentials[principal];
      const req = r.request?.(ctx, who) ?? {};
      const res = await s.app.inject({
        method: 'GET',
        url: req.url ?? route.url,
        headers: { ...who.headers, ...(req.headers ?? {}) },
      });
      const h = res.headers;
      const label = `GET ${route.url} (${res.statusCode})`;
      const csp = String(h['content-security-policy'] ?? '');
      if (!/frame-ancestors 'none'/.test(csp))
        problems.push(`${label}: CSP without frame-ancestors 'none': "${csp}"`);
      if (!/default-src '(self|none)'/.test(csp)) problems.push(`${label}: CSP without a default-src`);
      if (h['referrer-policy'] !== 'no-referrer')
        problems.push(`${label}: referrer-policy ${h['referrer-policy']}`);
      if (h['x-content-type-options'] !== 'nosniff') problems.push(`${label}: no nosniff`);
      if (r.private && !/no-store/.test(String(h['cache-control'] ?? '')))
        problems.push(`${label}: case data without cache-control no-store (${h['cache-control']})`);
    }
    expect(problems).toEqual([]);
  }, 60_000);
  it("never shows case B to case A's PIN, nor case A to case B's PIN", async () => {
    for (const [ref, pin, other] of [
      [s.caseB.ref, s.caseA.pin, s.caseB],
      [s.caseA.ref, s.caseB.pin, s.caseA],
    ] as const) {
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await s.app.inject({
          method,
          url: `/api/v1/cases/${ref}?urls=true`,
          headers: { 'x-case-pin': pin },
        });
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('CASE_PIN_MISMATCH');
        for (const sha of other.sha256) expect(res.body).not.toContain(sha);
      }
      const { rows } = await s.db.pool.query('SELECT status FROM cases WHERE ref = $1', [ref]);
      expect(rows[0].status).toBe('active');
    }
  });

  it('lets each principal do exactly what the policy says, and a refusal carries no data', async () => {
    const ordered = [...routes].sort(
      (a, b) => Number(rule(a)?.last ?? false) - Number(rule(b)?.last ?? false),
    );
    const got: string[] = [];
    const want: string[] = [];
    const leaks: string[] = [];
    const secrets = [...s.caseA.sha256, ...s.caseB.sha256, 'survivor@private.example', 'secret-finding'];
    for (const route of ordered) {
      const r = rule(route);
      if (!r) continue;
      for (const principal of PRINCIPALS) {
        // Ending a session mid-matrix would sign the next routes out: sign out a session of its own.
        const who =
          route.url === '/logout' && (principal === 'analyst' || principal === 'admin')
            ? await s.signIn(principal)
            : s.credentials[principal];
        const res = await send(route, r, who);
        const key = `${route.method} ${route.url} as ${principal}`;
        got.push(`${key}: ${outcome(r, res, who)}`);
        want.push(
          `${key}: ${ALLOWED[r.access].includes(principal) || r.access === 'link' ? 'allowed' : 'denied'}`,
        );
        if (res.statusCode >= 300) {
          const leaked = secrets.filter((x) => res.body.includes(x));
          if (leaked.length) leaks.push(`${key} (${res.statusCode}) shows ${leaked.join(', ')}`);
        }
      }
    }
    expect(got).toEqual(want);
    expect(leaks).toEqual([]);
  }, 120_000);

  /** The rule of a route, or undefined when it has none (reported by the first test). */
  function rule(route: RouteEntry): Rule | undefined {
    return POLICY[`${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`];
  }
});
