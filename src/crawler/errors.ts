/**
 * Typed errors of the crawler's network layer. One small class with a closed set of codes, and a
 * factory per code so every throw site words its message the same way. Messages name the host and
 * what happened, never the page body or the bytes; `retryable` tells the queue whether trying again
 * later can help (timeouts, resets, 429/5xx) or not (a blocked address stays blocked).
 */
import { HashwatchError } from '../errors.js';

/** Stable error codes of the crawler stage (documented in docs/errors.md). */
export const CRAWL_ERROR_CODES = {
  badUrl: 'CRAWL_BAD_URL',
  blockedAddress: 'CRAWL_BLOCKED_ADDRESS',
  tooLarge: 'CRAWL_TOO_LARGE',
  timeout: 'CRAWL_TIMEOUT',
  tooManyRedirects: 'CRAWL_TOO_MANY_REDIRECTS',
  redirectLoop: 'CRAWL_REDIRECT_LOOP',
  httpStatus: 'CRAWL_HTTP_STATUS',
  network: 'CRAWL_NETWORK',
  unsupportedContent: 'CRAWL_UNSUPPORTED_CONTENT',
  navigatedAway: 'CRAWL_NAVIGATED_AWAY',
  tooManyPopups: 'CRAWL_TOO_MANY_POPUPS',
} as const;

/** One of {@link CRAWL_ERROR_CODES}. */
export type CrawlErrorCode = (typeof CRAWL_ERROR_CODES)[keyof typeof CRAWL_ERROR_CODES];

/** An error raised while fetching something from a crawled site. */
export class CrawlError extends HashwatchError {
  declare readonly code: CrawlErrorCode;

  constructor(
    code: CrawlErrorCode,
    message: string,
    options: {
      retryable?: boolean;
      status?: number;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    // 502 by default: when a crawl failure reaches the API, it is an upstream site's fault.
    super(code, message, { status: 502, ...options });
    this.name = 'CrawlError';
  }
}

/** True when `err` is a {@link CrawlError}, optionally with the given code. */
export function isCrawlError(err: unknown, code?: CrawlErrorCode): err is CrawlError {
  return err instanceof CrawlError && (code === undefined || err.code === code);
}

/** Not http(s), malformed, has credentials, or has no host. */
export function badUrl(reason: string): CrawlError {
  return new CrawlError(CRAWL_ERROR_CODES.badUrl, `This address cannot be fetched: ${reason}.`, {
    status: 400,
  });
}

/** The host is, or resolves to, an address outside the public internet (`range` is ipaddr.js's name). */
export function blockedAddress(host: string, range: string): CrawlError {
  return new CrawlError(
    CRAWL_ERROR_CODES.blockedAddress,
    `${host} points to a ${describeRange(range)} address, which the crawler does not visit.`,
    { status: 400, details: { host, range } },
  );
}

/** The body grew past the byte cap (or announced a larger Content-Length). */
export function tooLarge(host: string, maxBytes: number): CrawlError {
  return new CrawlError(
    CRAWL_ERROR_CODES.tooLarge,
    `The file from ${host} is larger than the ${maxBytes}-byte limit; it was not downloaded.`,
    { details: { host, maxBytes } },
  );
}

/** The whole-request deadline, or a connect/headers/body timeout, passed. */
export function timeout(host: string, timeoutMs: number, phase: string): CrawlError {
  return new CrawlError(CRAWL_ERROR_CODES.timeout, `${host} did not answer in time (${phase}).`, {
    retryable: true,
    status: 504,
    details: { host, timeoutMs, phase },
  });
}

/** More redirects than allowed. */
export function tooManyRedirects(host: string, max: number): CrawlError {
  return new CrawlError(CRAWL_ERROR_CODES.tooManyRedirects, `${host} redirected more than ${max} times.`, {
    details: { host, maxRedirects: max },
  });
}

/** A redirect pointed back at a URL already visited in this chain. */
export function redirectLoop(host: string): CrawlError {
  return new CrawlError(CRAWL_ERROR_CODES.redirectLoop, `${host} redirects in a loop.`, {
    details: { host },
  });
}

/**
 * An HTTP status the caller cannot use. 404/410 never get here (they are returned as a status);
 * 408, 429 and 5xx are retryable, other statuses are not.
 */
export function httpStatus(host: string, status: number, retryAfterSeconds?: number): CrawlError {
  const retryable = status === 408 || status === 429 || status >= 500;
  const details: Record<string, unknown> = { host, status };
  if (retryAfterSeconds !== undefined) details.retryAfterSeconds = retryAfterSeconds;
  return new CrawlError(CRAWL_ERROR_CODES.httpStatus, `${host} answered with HTTP ${status}.`, {
    retryable,
    details,
  });
}

/** Connection refused or reset, DNS failure, TLS failure: the network, not the content. */
export function network(host: string, reason: string, cause?: unknown): CrawlError {
  return new CrawlError(CRAWL_ERROR_CODES.network, `Could not reach ${host}: ${reason}.`, {
    retryable: true,
    details: { host, reason },
    cause,
  });
}

/** Content we recognise but will not process (encrypted HLS, a manifest where media was expected…). */
export function unsupportedContent(
  reason: string,
  details?: Record<string, unknown>,
  cause?: unknown,
): CrawlError {
  return new CrawlError(CRAWL_ERROR_CODES.unsupportedContent, `Unsupported content: ${reason}.`, {
    status: 415,
    details,
    cause,
  });
}

/** A page's responses together passed the page byte cap (`CRAWL_PAGE_MAX_MB`); the page was closed. */
export function pageTooLarge(host: string, maxBytes: number): CrawlError {
  return new CrawlError(
    CRAWL_ERROR_CODES.tooLarge,
    `The page at ${host} sent more than ${Math.round(maxBytes / 1024 / 1024)} MB; the crawler stopped loading it.`,
    { details: { host, maxBytes } },
  );
}

/** After loading, the page sent the browser to another site (`to` is a host or a URL scheme). */
export function navigatedAway(host: string, to: string): CrawlError {
  return new CrawlError(
    CRAWL_ERROR_CODES.navigatedAway,
    `The page at ${host} sent the browser on to ${to}; the crawler stays on the reported site and stopped there.`,
    { details: { host, to } },
  );
}

/** The page opened more popup windows than allowed (`CRAWL_MAX_POPUPS`); each was closed at once. */
export function tooManyPopups(host: string, max: number): CrawlError {
  return new CrawlError(
    CRAWL_ERROR_CODES.tooManyPopups,
    `The page at ${host} kept opening new windows (more than ${max}); they were closed and the crawl of this page stopped.`,
    { details: { host, maxPopups: max } },
  );
}

const RANGE_WORDS: Record<string, string> = {
  private: 'private-network',
  loopback: 'loopback (this machine)',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  uniqueLocal: 'private-network (IPv6 unique local)',
  multicast: 'multicast',
  broadcast: 'broadcast',
  unspecified: 'unspecified',
  reserved: 'reserved',
  localhostName: 'loopback (localhost)',
};

function describeRange(range: string): string {
  return RANGE_WORDS[range] ?? `non-public (${range})`;
}
