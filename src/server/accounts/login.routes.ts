import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isHashwatchError } from '../../errors.js';
import { securityHeaders } from '../web/security.js';
import { fromThisSite, requireCsrf } from './csrf.js';
import { csrfInvalid, loginRateLimited } from './errors.js';
import { loginPage } from './login.page.js';
import { safeNext } from './next-url.js';
import { accountsRuntime, clearSessionCookie, loadSession, setSessionCookie } from './session-hooks.js';

/** Options of {@link loginRoutes}. */
export interface LoginRoutesOptions {
  /** Sign-in attempts per minute from one client address (all accounts together). */
  attemptsPerMinute: number;
  /** Where to go after signing in when the form had no `next`. Default `/`. */
  afterLogin?: string;
}

type LoginBody = { email?: unknown; password?: unknown; next?: unknown } | undefined;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);
}

/**
 * `GET /login` (the form), `POST /login` (form-encoded; rate-limited per address; sets the session
 * cookie and redirects to `next`) and `POST /logout`. Register with `app.register(loginRoutes, …)`
 * after `sessionPlugin`. Form parsing, rate limiting and the security headers are added here only
 * when the parent instance does not already have them, so it fits inside the web pages' plugin.
 */
export async function loginRoutes(app: FastifyInstance, opts: LoginRoutesOptions): Promise<void> {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    await app.register(formbody, { bodyLimit: 16 * 1024 });
  }
  if (!app.hasReplyDecorator('helmet')) await securityHeaders(app);
  if (!app.hasDecorator('rateLimit')) await app.register(rateLimit, { global: false });
  // Applied explicitly (not through route config) so a rate-limit plugin of a parent instance
  // cannot apply its own settings to these routes as well.
  const perAddress = app.rateLimit({
    max: opts.attemptsPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => `login:${req.ip}`,
    errorResponseBuilder: (_req, ctx) => loginRateLimited(Math.ceil(ctx.ttl / 1000)),
  });
  const afterLogin = safeNext(opts.afterLogin) ?? '/';

  // A person at the sign-in form gets the form back with the message, not a JSON document.
  app.setErrorHandler((err, req, reply) => {
    if (isHashwatchError(err) && err.code === 'AUTH_LOGIN_RATE_LIMITED') {
      return sendPage(
        reply,
        429,
        loginPage({ error: err.message, next: safeNext((req.body as LoginBody)?.next) }),
      );
    }
    throw err; // to the server's error handler
  });

  app.get<{ Querystring: { next?: unknown; out?: unknown } }>(
    '/login',
    { schema: { hide: true } },
    async (req, reply) => {
      const next = safeNext(req.query.next);
      if (await loadSession(req))
        return reply.header('cache-control', 'no-store').redirect(next ?? afterLogin, 303);
      const notice = req.query.out === '1' ? 'You are signed out.' : undefined;
      return sendPage(reply, 200, loginPage({ next, notice }));
    },
  );

  app.post<{ Body: LoginBody }>(
    '/login',
    { schema: { hide: true }, onRequest: perAddress },
    async (req, reply) => {
      const email = text(req.body?.email).trim();
      const password = text(req.body?.password);
      const next = safeNext(req.body?.next);
      // Login CSRF: another site must not be able to sign this browser into an account it chose.
      if (!fromThisSite(req)) return sendPage(reply, 403, loginPage({ next, error: csrfInvalid().message }));
      if (!email || !password) {
        return sendPage(
          reply,
          400,
          loginPage({ email, next, error: 'Please enter your email address and password.' }),
        );
      }
      const { accounts } = accountsRuntime(req);
      let opened: Awaited<ReturnType<typeof accounts.login>>;
      try {
        opened = await accounts.login(email, password, req.ip);
      } catch (err) {
        if (isHashwatchError(err) && err.code === 'AUTH_LOGIN_FAILED') {
          return sendPage(reply, 401, loginPage({ email, next, error: err.message }));
        }
        throw err;
      }
      // A session this browser already had ends now, so an old (possibly planted) cookie dies with it.
      const previous = await loadSession(req);
      if (previous) await accounts.logout(previous, req.ip);
      setSessionCookie(req, reply, opened.token, accounts.policy.sessionMaxMs);
      return reply.header('cache-control', 'no-store').redirect(next ?? afterLogin, 303);
    },
  );

  app.post('/logout', { schema: { hide: true } }, async (req, reply) => {
    const session = await loadSession(req);
    if (session) {
      // Awaiting a function that returns the (thenable) reply yields undefined: check `sent` instead.
      await requireCsrf(req, reply);
      if (reply.sent) return reply;
      await accountsRuntime(req).accounts.logout(session, req.ip);
    }
    clearSessionCookie(req, reply);
    return reply.header('cache-control', 'no-store').redirect('/login?out=1', 303);
  });
}
