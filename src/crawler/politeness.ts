import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface PolitenessOptions {
  /** Pages rendered at once per host, across all workers. */
  pagesPerHost: number;
  /** Requests per second per host (page loads and media downloads), across all workers. */
  requestsPerSecond: number;
  /** Longest a page may hold its slot; a crashed worker's slot frees itself after this. */
  pageSlotTtlSec: number;
}

/** Either go ahead, or wait this long before trying again. */
export type Permit = { ok: true; release(): Promise<void> } | { ok: false; retryInMs: number };

/**
 * Per-host limits shared by every worker through Redis (rate-limiter-flexible): a concurrency cap
 * on pages and a request rate. Callers that are refused delay their job rather than fail it.
 */
export class Politeness {
  readonly #pages: RateLimiterRedis;
  readonly #requests: RateLimiterRedis;

  constructor(redis: Redis, prefix: string, opts: PolitenessOptions) {
    this.#pages = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:polite-pages`,
      points: opts.pagesPerHost,
      duration: opts.pageSlotTtlSec,
    });
    this.#requests = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:polite-rps`,
      points: opts.requestsPerSecond,
      duration: 1,
    });
  }

  /** A request slot for `host` (one page load or one download). */
  async request(host: string): Promise<Permit> {
    try {
      await this.#requests.consume(host, 1);
      return { ok: true, release: async () => {} };
    } catch (err) {
      return refused(err);
    }
  }

  /** A page slot for `host` plus one request; release the page slot when the page is done. */
  async page(host: string): Promise<Permit> {
    try {
      await this.#pages.consume(host, 1);
    } catch (err) {
      return refused(err);
    }
    const req = await this.request(host);
    if (!req.ok) {
      await this.#pages.reward(host, 1).catch(() => {});
      return req;
    }
    return { ok: true, release: () => this.#pages.reward(host, 1).then(() => {}) };
  }
}

function refused(err: unknown): Permit {
  if (err instanceof RateLimiterRes)
    return { ok: false, retryInMs: Math.max(50, err.msBeforeNext) + Math.floor(Math.random() * 100) };
  throw err;
}
