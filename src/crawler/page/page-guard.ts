/**
 * The limits a hostile page cannot talk its way past while Chromium renders it:
 *
 * - a whole-page deadline that holds whatever the page does (a script stuck in a loop, a body that
 *   drips forever, a playlist that never ends): when it passes, the page is closed;
 * - a byte cap on everything the page receives, counted as it arrives (Chrome DevTools Protocol
 *   `Network.dataReceived`, decoded bytes, so a gzip bomb counts at its real size): a 1 GB body is
 *   cut off at the cap, not read to the end;
 * - redirects of the page's own navigations counted and checked for loops, as the downloader does,
 *   instead of Chromium's 20 hops;
 * - every address the page navigates to vetted by the address policy, so a refusal by the vetting
 *   proxy is recorded as `CRAWL_BLOCKED_ADDRESS` rather than as a proxy error page;
 * - popup windows closed the moment they open, and the page stopped past `maxPopups`;
 * - a page that sends the browser on to another site after loading is stopped there.
 *
 * When a limit trips, `tripped` rejects with a typed {@link CrawlError} and the page is closed, so
 * whatever the crawl was waiting for ends too.
 */
import { isIP } from 'node:net';
import type { BrowserContext, CDPSession, Page, Request } from 'playwright-core';
import {
  type CrawlError,
  isCrawlError,
  navigatedAway,
  pageTooLarge,
  redirectLoop,
  timeout,
  tooManyPopups,
  tooManyRedirects,
} from '../errors.js';
import { type AddressPolicy, checkUrl } from '../net/address-policy.js';
import { type Resolver, resolveVetted } from '../net/lookup.js';
import { closePage } from './close-page.js';
import { siteOf } from './extract.js';

/** The address policy pages are held to (the vetting proxy's), with an optional resolver for tests. */
export interface PagePolicy extends AddressPolicy {
  resolver?: Resolver;
}

/** What a {@link PageGuard} enforces. */
export interface PageGuardLimits {
  /** Whole-page deadline from `attach`, in milliseconds. */
  timeoutMs: number;
  /** Bytes the page may receive, all responses together. */
  maxBytes: number;
  /** Popups closed before the page is stopped. */
  maxPopups: number;
  /** Redirects per navigation of the page itself. */
  maxRedirects: number;
  /** Sites (host without `www.`) the page may navigate within after loading, besides its own. */
  sites?: readonly string[];
  /** When set, each navigation target is vetted and a refusal recorded as `CRAWL_BLOCKED_ADDRESS`. */
  policy?: PagePolicy | undefined;
}

export class PageGuard {
  /** Decoded bytes the page received so far. */
  bytes = 0;
  /** Popup windows opened (and closed) so far. */
  popups = 0;
  /** Rejects with the first limit that tripped; never resolves. */
  readonly tripped: Promise<never>;

  readonly #page: Page;
  readonly #context: BrowserContext;
  readonly #host: string;
  readonly #limits: PageGuardLimits;
  readonly #sites: Set<string>;
  readonly #vetting = new Set<Promise<void>>();
  #reject: (err: CrawlError) => void = () => {};
  #error: CrawlError | undefined;
  #firstNavigation: Request | undefined;
  #cdp: CDPSession | undefined;
  #closing: Promise<void> | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #onPage = (p: Page) => this.#popup(p);
  readonly #onRequest = (r: Request) => this.#request(r);

  private constructor(context: BrowserContext, page: Page, url: string, limits: PageGuardLimits) {
    this.#context = context;
    this.#page = page;
    this.#host = new URL(url).hostname;
    this.#limits = limits;
    this.#sites = new Set([siteOf(url), ...(limits.sites ?? [])]);
    this.tripped = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    // Nobody may be listening when a limit trips after the crawl returned.
    this.tripped.catch(() => {});
    this.#timer = setTimeout(
      () => this.trip(timeout(this.#host, limits.timeoutMs, 'page deadline')),
      limits.timeoutMs,
    );
    context.on('page', this.#onPage);
    page.on('request', this.#onRequest);
  }

  /** Starts guarding `page` (opened in `context`, not navigated yet) for a crawl of `url`. */
  static async attach(
    context: BrowserContext,
    page: Page,
    url: string,
    limits: PageGuardLimits,
  ): Promise<PageGuard> {
    const guard = new PageGuard(context, page, url, limits);
    try {
      const cdp = await context.newCDPSession(page);
      guard.#cdp = cdp;
      cdp.on('Network.dataReceived', (e) => guard.#received(e.dataLength));
      // Our own Network domain must not keep copies of bodies for getResponseBody: no buffers.
      await cdp.send('Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0 });
    } catch (err) {
      guard.dispose();
      throw err;
    }
    return guard;
  }

  /** The first limit that tripped, if any. */
  get error(): CrawlError | undefined {
    return this.#error;
  }

  /** Records `err` (the first one wins), closes the page and rejects {@link tripped}. */
  trip(err: CrawlError): void {
    if (this.#error) return;
    this.#error = err;
    this.#reject(err);
    void this.closePage();
  }

  /** Waits for address checks still running, then throws if any limit tripped. */
  async settle(): Promise<void> {
    await Promise.all(this.#vetting);
    if (this.#error) throw this.#error;
  }

  /** Closes the guarded page, asking again if Chromium drops the request (see {@link closePage}). */
  closePage(): Promise<void> {
    this.#closing ??= closePage(this.#page, this.#cdp);
    return this.#closing;
  }

  /** Stops listening (call after {@link closePage}). */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#context.off('page', this.#onPage);
    this.#page.off('request', this.#onRequest);
    void this.#cdp?.detach().catch(() => {});
  }

  #received(length: number): void {
    this.bytes += length;
    if (this.bytes > this.#limits.maxBytes) this.trip(pageTooLarge(this.#host, this.#limits.maxBytes));
  }

  #popup(popup: Page): void {
    if (popup === this.#page) return;
    this.popups++;
    void closePage(popup, undefined);
    if (this.popups > this.#limits.maxPopups) this.trip(tooManyPopups(this.#host, this.#limits.maxPopups));
  }

  #request(request: Request): void {
    if (this.#error || !request.isNavigationRequest()) return;
    let mainFrame = false;
    try {
      mainFrame = request.frame() === this.#page.mainFrame();
    } catch {
      // a service worker's request has no frame (service workers are blocked anyway)
    }
    if (!mainFrame) return;
    const url = request.url();
    // The hops that led here, latest first; the last one is where this navigation started.
    const hops: string[] = [];
    let root = request;
    for (let r = request.redirectedFrom(); r; r = r.redirectedFrom()) {
      hops.push(r.url());
      root = r;
    }
    this.#firstNavigation ??= root;
    // The crawl's own navigation (goto) and its redirects, as opposed to one the page started later.
    const initial = root === this.#firstNavigation;
    const from = new URL(hops[0] ?? url).hostname;
    if (hops.includes(url)) {
      this.trip(redirectLoop(from));
      return;
    }
    if (hops.length > this.#limits.maxRedirects) {
      this.trip(tooManyRedirects(from, this.#limits.maxRedirects));
      return;
    }
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      if (!initial) this.trip(navigatedAway(this.#host, target.protocol.replace(/:$/, '')));
      return;
    }
    this.#vet(target);
    if (initial) {
      // The reported address and every hop of its own redirects belong to the reported page.
      this.#sites.add(siteOf(url));
    } else if (!this.#sites.has(siteOf(url))) {
      this.trip(navigatedAway(this.#host, target.hostname));
    }
  }

  #vet(target: URL): void {
    const policy = this.#limits.policy;
    if (!policy) return;
    try {
      checkUrl(target, policy);
    } catch (err) {
      if (isCrawlError(err)) this.trip(err);
      return;
    }
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // IP literals were judged by checkUrl; names are resolved and judged like the proxy does.
    if (policy.allowPrivateNetworks || isIP(host) !== 0) return;
    const check = resolveVetted(host, policy).then(
      () => {},
      (err: unknown) => {
        // A name that does not resolve is the browser's to report; only a refusal is recorded here.
        if (isCrawlError(err, 'CRAWL_BLOCKED_ADDRESS')) this.trip(err);
      },
    );
    this.#vetting.add(check);
    void check.finally(() => this.#vetting.delete(check));
  }
}
