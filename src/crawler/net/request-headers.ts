/**
 * Request and response headers of the guarded fetcher. Callers may pass the page's Cookie, Referer
 * and User-Agent so a media URL answers as it did in the browser; everything that would change how
 * the request is framed or routed is dropped, and credentials never follow a redirect to another
 * origin (a third-party host must not receive the crawled site's session cookie).
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Sent when the caller gives no User-Agent (callers normally pass the browser's). */
export const DEFAULT_USER_AGENT = 'Mozilla/5.0 (compatible; hashwatch-crawler/0.1)';

// Framing and routing are ours to decide; a caller-supplied value could smuggle a second request or
// defeat the byte cap (Range from a page is the caller's to send, so it stays).
const DROPPED = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
  'accept-encoding',
]);

const CREDENTIALS = ['cookie', 'authorization'];

/**
 * The headers to send: lowercase names, the caller's minus {@link DROPPED}, a User-Agent, and
 * `accept-encoding: identity` — request() does not decompress, and an undecoded gzip body would
 * neither sniff nor hash as the file it is.
 */
export function requestHeaders(
  caller: Record<string, string> | undefined,
  userAgent: string,
): Record<string, string> {
  const out: Record<string, string> = { accept: '*/*', 'user-agent': userAgent };
  for (const [name, value] of Object.entries(caller ?? {})) {
    const key = name.toLowerCase();
    if (!DROPPED.has(key)) out[key] = value;
  }
  out['accept-encoding'] = 'identity';
  return out;
}

/** The same headers without Cookie and Authorization, for a hop to another origin. */
export function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const out = { ...headers };
  for (const name of CREDENTIALS) delete out[name];
  return out;
}

/** undici's response headers with repeated fields joined (`, `; Set-Cookie lines with `\n`). */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(name === 'set-cookie' ? '\n' : ', ') : value;
  }
  return out;
}

/** The media type of a Content-Type header (lowercase, parameters dropped), if any. */
export function mediaType(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type === undefined || type === '' ? undefined : type;
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), capped at a day. */
export function retryAfterSeconds(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), 86_400);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, Math.ceil((at - now) / 1000)), 86_400);
}
