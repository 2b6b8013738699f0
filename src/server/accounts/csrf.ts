/**
 * CSRF protection for signed-in forms and fetches, without `@fastify/csrf-protection` (not a
 * dependency of this project). Each session has a random `csrf_secret` (32 bytes, server-side
 * only); the token is HMAC-SHA256(csrf_secret, session id) — the OWASP "HMAC-based synchronizer
 * token": stable for the session, useless for any other session, and checked in constant time.
 * SameSite=Strict on the session cookie already stops most cross-site posts; the token covers old
 * browsers and same-site attackers, and an Origin / Sec-Fetch-Site check adds a third layer.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Html, html } from '../web/html.js';
import type { Session } from './account-service.js';
import { csrfInvalid } from './errors.js';
import { deny, loadSession } from './session-hooks.js';

/** The hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';
/** The header that carries the token for `fetch` calls. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The CSRF token of a session. */
export function csrfTokenFor(session: Pick<Session, 'id' | 'csrfSecret'>): string {
  return createHmac('sha256', session.csrfSecret).update(session.id).digest('base64url');
}

/** Whether `presented` is the session's token (constant time). */
export function csrfMatches(session: Pick<Session, 'id' | 'csrfSecret'>, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(csrfTokenFor(session));
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * False when the browser says the request came from another site: `Sec-Fetch-Site` other than
 * same-origin or none (typed address), or an `Origin` whose host is not this Host. Requests that
 * carry neither header (older browsers, scripts) pass here and rely on the token.
 */
export function fromThisSite(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false; // includes the opaque origin "null"
  }
}

/**
 * A preHandler for state-changing requests of signed-in users: POST, PUT, PATCH and DELETE need the
 * session's token in the `_csrf` form field or the `x-csrf-token` header, else 403 `CSRF_INVALID`.
 * Safe methods pass, so it can also be added as a hook on a whole plugin. Put it after `requireUser`.
 * Called by hand inside a handler, check `reply.sent` afterwards: awaiting the returned reply (a
 * thenable) yields undefined.
 */
export async function requireCsrf(
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  if (SAFE_METHODS.has(req.method)) return undefined;
  const session = await loadSession(req);
  const header = req.headers[CSRF_HEADER];
  const body = req.body as Record<string, unknown> | null | undefined;
  const presented =
    typeof header === 'string' ? header : body && typeof body === 'object' ? body[CSRF_FIELD] : undefined;
  if (!session || !fromThisSite(req) || !csrfMatches(session, presented)) {
    req.log.warn({ route: req.routeOptions.url, signedIn: Boolean(session) }, 'CSRF check failed');
    return deny(req, reply, csrfInvalid());
  }
  return undefined;
}

/** The token for the signed-in request (after `requireUser`), e.g. for a `fetch` header. */
export function csrfToken(req: FastifyRequest): string {
  const session = req.accountSession;
  // Rendering a form that can never be submitted would be a silent bug; make it a loud one.
  if (!session) throw new Error('csrfToken(req) needs a signed-in request: run requireUser first');
  return csrfTokenFor(session);
}

/** `<input type="hidden" name="_csrf" …>` for a form of the signed-in request. */
export function csrfField(req: FastifyRequest): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(req)}">`;
}

/** The "Sign out" button (a small POST form with the token), for page headers. */
export function logoutForm(req: FastifyRequest): Html {
  return html`<form method="post" action="/logout" class="logout">${csrfField(req)}<button type="submit" class="secondary">Sign out</button></form>`;
}
