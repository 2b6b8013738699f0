/**
 * The only way the crawler downloads anything itself: undici `request()` over a private Agent whose
 * connector resolves names through the vetting lookup, redirects followed by hand and re-vetted,
 * one wall-clock deadline per request and a byte cap enforced while streaming. Bytes stay in
 * memory and are handed to the caller; nothing is written, nothing about the body is logged.
 */
import { Agent, type Dispatcher, request } from 'undici';
import { httpStatus, tooLarge } from '../errors.js';
import { type AddressPolicy, checkUrl } from './address-policy.js';
import { cappedChunks, collect, declaredLength, discard, noChunks } from './capped-body.js';
import { Deadline } from './deadline.js';
import { createGuardedLookup, type Resolver } from './lookup.js';
import { DEFAULT_MAX_REDIRECTS, REDIRECT_STATUSES, RedirectChain } from './redirects.js';
import {
  DEFAULT_USER_AGENT,
  flattenHeaders,
  mediaType,
  requestHeaders,
  retryAfterSeconds,
  withoutCredentials,
} from './request-headers.js';

/** Defaults, in milliseconds. */
export const FETCH_DEFAULTS = { timeoutMs: 30_000, connectTimeoutMs: 10_000, idleTimeoutMs: 15_000 } as const;

/** How a {@link GuardedFetcher} connects. The policy fields are the address policy. */
export interface GuardedFetcherOptions extends AddressPolicy {
  /** DNS resolver; tests inject one to map names to chosen addresses. Default: the system's. */
  resolver?: Resolver;
  /** Redirects followed per request (default 5). */
  maxRedirects?: number;
  /** Default whole-request deadline (default 30 s); each call may pass its own. */
  timeoutMs?: number;
  /** TCP + TLS connect timeout (default 10 s). */
  connectTimeoutMs?: number;
  /** undici `headersTimeout` and `bodyTimeout`: longest silence while waiting (default 15 s). */
  idleTimeoutMs?: number;
  /** User-Agent when the caller sends none. */
  userAgent?: string;
  /** Told about every DNS name refused by the address policy. */
  onBlocked?: (hostname: string, range: string) => void;
}

/** One download. */
export interface FetchOptions {
  /** Byte cap; the download stops as soon as more arrived (or a larger Content-Length is announced). */
  maxBytes: number;
  /** Whole-request deadline: connect, redirects, headers and the whole body. */
  timeoutMs?: number;
  /** Extra request headers (Cookie, Referer, User-Agent…); framing headers are ignored. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** What came back, without the body. `status` is 2xx, or 404/410 for content that is gone. */
export interface FetchHead {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  /** URLs that answered with a redirect, in order (the requested URL first); empty without redirects. */
  redirects: string[];
  /** Response headers, lowercase names, repeated fields joined. */
  headers: Record<string, string>;
  /** The declared media type (`image/jpeg`), for the record only: sniff the bytes to decide. */
  contentType: string | undefined;
}

/** A finished download. `bytes` is empty for 404/410. */
export interface FetchResult extends FetchHead {
  bytes: Uint8Array;
}

/** A download being streamed. Iterate `body` once; `cancel()` when not reading it at all. */
export interface StreamResult extends FetchHead {
  body: AsyncIterable<Uint8Array>;
  cancel(): void;
}

interface Opened {
  url: URL;
  res: Dispatcher.ResponseData;
  chain: RedirectChain;
  deadline: Deadline;
}

/** SSRF-guarded HTTP client for media, manifests and segments. Create one per worker; `close()` it. */
export class GuardedFetcher {
  /** The address policy every URL and every redirect is checked against. */
  readonly policy: AddressPolicy;
  readonly #agent: Agent;
  readonly #options: GuardedFetcherOptions;

  constructor(options: GuardedFetcherOptions) {
    this.#options = options;
    this.policy = { allowPrivateNetworks: options.allowPrivateNetworks, allowHosts: options.allowHosts };
    const idle = options.idleTimeoutMs ?? FETCH_DEFAULTS.idleTimeoutMs;
    const lookup = createGuardedLookup({
      allowPrivateNetworks: options.allowPrivateNetworks,
      resolver: options.resolver,
      onBlocked: options.onBlocked,
    });
    this.#agent = new Agent({
      connect: { lookup, timeout: options.connectTimeoutMs ?? FETCH_DEFAULTS.connectTimeoutMs },
      headersTimeout: idle,
      bodyTimeout: idle,
      keepAliveTimeout: 4_000,
      connections: 8,
    });
  }

  /**
   * Downloads `url` into memory.
   *
   * @throws CrawlError (`CRAWL_BAD_URL`, `CRAWL_BLOCKED_ADDRESS`, `CRAWL_TOO_LARGE`, `CRAWL_TIMEOUT`,
   * `CRAWL_TOO_MANY_REDIRECTS`, `CRAWL_REDIRECT_LOOP`, `CRAWL_HTTP_STATUS`, `CRAWL_NETWORK`), or the
   * caller's abort reason when `signal` aborts.
   */
  async fetchBytes(url: string | URL, options: FetchOptions): Promise<FetchResult> {
    const stream = await this.fetchStream(url, options);
    return { ...headOf(stream), bytes: await collect(stream.body) };
  }

  /**
   * Like {@link fetchBytes}, but hands the body over as it arrives (to pipe into ffmpeg). The cap
   * and the deadline keep running while the consumer reads; leaving the loop early, `cancel()`, or
   * the deadline passing releases the connection.
   */
  async fetchStream(url: string | URL, options: FetchOptions): Promise<StreamResult> {
    assertCap(options.maxBytes);
    const { url: finalUrl, res, chain, deadline } = await this.#open(url, options);
    const host = finalUrl.hostname;
    const headers = flattenHeaders(res.headers);
    const head: FetchHead = {
      url: finalUrl.href,
      status: res.statusCode,
      redirects: chain.hops,
      headers,
      contentType: mediaType(headers['content-type']),
    };
    const release = (): void => {
      discard(res.body);
      deadline.clear();
    };
    try {
      if (res.statusCode === 404 || res.statusCode === 410) {
        release();
        return { ...head, body: noChunks(), cancel: () => {} };
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        throw httpStatus(host, res.statusCode, retryAfterSeconds(headers['retry-after']));
      }
      if ((declaredLength(headers['content-length']) ?? 0) > options.maxBytes) {
        throw tooLarge(host, options.maxBytes);
      }
    } catch (err) {
      release();
      throw err;
    }
    const body = cappedChunks(
      res.body,
      options.maxBytes,
      host,
      (e) => deadline.translate(e, host),
      deadline.clear.bind(deadline),
    );
    return { ...head, body, cancel: release };
  }

  /** Closes idle connections and refuses new requests; in-flight ones finish (their deadlines bound them). */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** Sends the request and follows redirects; the caller owns the returned deadline. */
  async #open(input: string | URL, options: FetchOptions): Promise<Opened> {
    let url = checkUrl(input, this.policy);
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs ?? FETCH_DEFAULTS.timeoutMs;
    const deadline = new Deadline(timeoutMs, url.hostname, options.signal);
    const chain = new RedirectChain(url, this.#options.maxRedirects ?? DEFAULT_MAX_REDIRECTS, this.policy);
    let headers = requestHeaders(options.headers, this.#options.userAgent ?? DEFAULT_USER_AGENT);
    try {
      for (;;) {
        const res = await request(url, {
          dispatcher: this.#agent,
          method: 'GET',
          headers,
          signal: deadline.signal,
        });
        if (!REDIRECT_STATUSES.has(res.statusCode)) return { url, res, chain, deadline };
        // Redirect bodies are never read; dropping the connection beats draining a hostile one.
        discard(res.body);
        const location = res.headers.location;
        const next = chain.next(url, res.statusCode, Array.isArray(location) ? location[0] : location);
        if (next.origin !== url.origin) headers = withoutCredentials(headers);
        url = next;
      }
    } catch (err) {
      deadline.clear();
      throw deadline.translate(err, url.hostname);
    }
  }
}

function headOf(stream: StreamResult): FetchHead {
  const { url, status, redirects, headers, contentType } = stream;
  return { url, status, redirects, headers, contentType };
}

function assertCap(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new TypeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
}
