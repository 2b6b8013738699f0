import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HashwatchError } from '../../errors.js';
import { html, page } from '../web/html.js';
import type { AccountService, AuthUser, Session } from './account-service.js';
import {
  type CookieSecureMode,
  cookieIsSecure,
  readSessionToken,
  serializeCookie,
  sessionCookieName,
} from './cookies.js';
import { roleForbidden, sessionRequired } from './errors.js';
import { safeNext } from './next-url.js';
import type { Role } from './user.store.js';

/** What `sessionPlugin` puts on the server instance for the hooks below. */
export interface AccountsRuntime {
  accounts: AccountService;
  /** `auto`: Secure only for requests that arrived over TLS (see `trustProxy` behind a proxy). */
  cookieSecure: CookieSecureMode;
}

declare module 'fastify' {
  interface FastifyInstance {
    hashwatchAccounts?: AccountsRuntime;
  }
  interface FastifyRequest {
    /** The signed-in staff member, set by `requireUser` (or `currentUser`). */
    user?: AuthUser;
    /** The loaded session: undefined before loading, null when there is none. */
    accountSession?: Session | null;
  }
}

/** The accounts service and cookie policy registered by `sessionPlugin`. */
export function accountsRuntime(req: FastifyRequest): AccountsRuntime {
  const rt = req.server.hashwatchAccounts;
  // A wiring mistake, not a client error: fail loudly rather than let everyone through.
  if (!rt)
    throw new Error(
      'sessionPlugin(...) must be registered on the root server before routes using requireUser',
    );
  return rt;
}

/** Whether `req` is for the JSON API (401/403 as JSON) rather than a page (redirect / HTML). */
export function isApiRequest(req: FastifyRequest): boolean {
  return req.url === '/api' || req.url.startsWith('/api/');
}

/** Loads this request's session once (refreshing its idle timer) and sets `req.user`. */
export async function loadSession(req: FastifyRequest): Promise<Session | undefined> {
  if (req.accountSession !== undefined) return req.accountSession ?? undefined;
  const rt = accountsRuntime(req);
  const token = readSessionToken(req, cookieIsSecure(req, rt.cookieSecure));
  const session = token ? await rt.accounts.session(token) : undefined;
  req.accountSession = session ?? null;
  if (session) req.user = session.user;
  return session;
}

/** The signed-in user, if any, for pages that look different when someone is signed in. */
export async function currentUser(req: FastifyRequest): Promise<AuthUser | undefined> {
  return (await loadSession(req))?.user;
}

/**
 * A preHandler that requires a signed-in user, with `role` if given (an admin is also an analyst).
 * Pages redirect to `/login?next=…` (303); `/api/*` answers 401 `AUTH_SESSION_REQUIRED`. A user
 * without the role gets 403 `AUTH_ROLE_FORBIDDEN`. Use as a preHandler (`[requireUser('analyst'),
 * requireCsrf]`); called by hand, check `reply.sent` afterwards.
 */
export function requireUser(role?: Role) {
  return async function requireUserHook(
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    const session = await loadSession(req);
    if (!session) {
      if (isApiRequest(req)) throw sessionRequired();
      // Only a GET can be replayed after signing in; a form post's data is gone anyway.
      const next = req.method === 'GET' ? safeNext(req.url) : undefined;
      const to = next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
      return reply.header('cache-control', 'no-store').redirect(to, 303);
    }
    if (role === 'admin' && session.user.role !== 'admin') return deny(req, reply, roleForbidden('admin'));
    return undefined;
  };
}

/** Refuses a request: JSON error for the API (through the error handler), a calm HTML page otherwise. */
export function deny(req: FastifyRequest, reply: FastifyReply, err: HashwatchError): FastifyReply {
  if (isApiRequest(req)) throw err;
  const title = err.status === 403 ? 'Not allowed' : 'Something is not right';
  return reply
    .status(err.status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      page({
        title,
        user: req.user,
        body: html`<h1>${title}</h1>
<p class="error" role="alert">${err.message}</p>
<p><a href="/">Back to the start</a></p>`,
      }),
    );
}

/** Sets the session cookie: httpOnly, SameSite=Strict, Path=/, Secure per configuration. */
export function setSessionCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  token: string,
  maxAgeMs: number,
): void {
  const secure = cookieIsSecure(req, accountsRuntime(req).cookieSecure);
  reply.header(
    'set-cookie',
    serializeCookie(sessionCookieName(secure), token, { secure, maxAgeSeconds: maxAgeMs / 1000 }),
  );
}

/** Tells the browser to forget the session cookie. */
export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  const secure = cookieIsSecure(req, accountsRuntime(req).cookieSecure);
  reply.header('set-cookie', serializeCookie(sessionCookieName(secure), '', { secure, maxAgeSeconds: 0 }));
}
