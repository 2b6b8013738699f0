/**
 * Redirects, followed by hand. undici 7's `request()` does not follow redirects at all (its
 * `maxRedirections` option was replaced by an interceptor, which would re-check nothing), and a
 * redirect is exactly where a hostile site sends us somewhere else: every hop is re-vetted with the
 * address policy, counted and checked for loops before anything is sent to it.
 */
import { badUrl, httpStatus, redirectLoop, tooManyRedirects } from '../errors.js';
import { type AddressPolicy, checkUrl } from './address-policy.js';

/** Statuses that carry a `Location` to follow. 300 and 304 are not followed (nothing to pick, nothing asked). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Default cap on redirects per request; browsers allow 20, media URLs need one or two. */
export const DEFAULT_MAX_REDIRECTS = 5;

/** The hops of one request: where it has been, and whether the next hop may be taken. */
export class RedirectChain {
  /** URLs that answered with a redirect, in order (the requested URL first). */
  readonly hops: string[] = [];
  readonly #seen = new Set<string>();

  constructor(
    first: URL,
    private readonly maxRedirects: number,
    private readonly policy: AddressPolicy,
  ) {
    this.#seen.add(first.href);
  }

  /**
   * The URL to fetch after `current` answered `status` with `location`.
   *
   * @throws CrawlError `CRAWL_HTTP_STATUS` (no Location), `CRAWL_BAD_URL`/`CRAWL_BLOCKED_ADDRESS`
   * (the target fails the policy), `CRAWL_REDIRECT_LOOP`, `CRAWL_TOO_MANY_REDIRECTS`.
   */
  next(current: URL, status: number, location: string | undefined): URL {
    if (location === undefined || location.trim() === '') throw httpStatus(current.hostname, status);
    let target: URL;
    try {
      // Relative Locations (RFC 9110 §10.2.2) resolve against the URL that sent them.
      target = new URL(location.trim(), current);
    } catch {
      throw badUrl('a redirect points to an invalid address');
    }
    const vetted = checkUrl(target, this.policy);
    if (this.#seen.has(vetted.href)) throw redirectLoop(current.hostname);
    if (this.hops.length >= this.maxRedirects) throw tooManyRedirects(current.hostname, this.maxRedirects);
    this.hops.push(current.href);
    this.#seen.add(vetted.href);
    return vetted;
  }
}
