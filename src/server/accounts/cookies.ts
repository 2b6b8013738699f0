/**
 * Reading and writing the session cookie without `@fastify/cookie`, which is not a dependency of
 * this project. We need one cookie with a value we generate ourselves (base64url, so nothing to
 * escape), which is a few lines of RFC 6265; a plugin would add signing and a secret we do not use.
 */
import type { FastifyRequest } from 'fastify';

/** When to mark the session cookie `Secure`. */
export type CookieSecureMode = 'auto' | 'always' | 'never';

/** Attributes of a cookie we set. */
export interface CookieOptions {
  maxAgeSeconds?: number;
  secure: boolean;
  httpOnly?: boolean;
  sameSite?: 'Strict' | 'Lax';
  path?: string;
}

const TOKEN_VALUE = /^[A-Za-z0-9_-]{1,512}$/;

/**
 * The cookies of a `Cookie` header. The first occurrence of a name wins, as browsers send the most
 * specific path first. Malformed pairs are skipped rather than failing the request.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** A `Set-Cookie` value. Only token-shaped values are accepted, so nothing needs encoding. */
export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`Bad cookie name: ${name}`);
  if (value !== '' && !TOKEN_VALUE.test(value)) throw new Error('Cookie values must be base64url tokens');
  const parts = [`${name}=${value}`, `Path=${o.path ?? '/'}`];
  if (o.maxAgeSeconds !== undefined) {
    parts.push(`Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`);
    // Max-Age wins where understood; Expires is for the few clients that only know it.
    if (o.maxAgeSeconds <= 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  }
  if (o.httpOnly ?? true) parts.push('HttpOnly');
  parts.push(`SameSite=${o.sameSite ?? 'Strict'}`);
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Whether this request's cookie should be `Secure` (`auto`: only when it arrived over TLS). */
export function cookieIsSecure(req: FastifyRequest, mode: CookieSecureMode): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  return req.protocol === 'https';
}

/**
 * The session cookie's name. A Secure cookie uses the `__Host-` prefix, which browsers accept only
 * with Secure, Path=/ and no Domain, so a sibling subdomain cannot plant or shadow it.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-hw_session' : 'hw_session';
}

/** The session token in this request's cookies, when it has a plausible one. */
export function readSessionToken(req: FastifyRequest, secure: boolean): string | undefined {
  const value = parseCookies(req.headers.cookie).get(sessionCookieName(secure));
  return value && TOKEN_VALUE.test(value) ? value : undefined;
}
