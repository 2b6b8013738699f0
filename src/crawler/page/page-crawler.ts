import type { BrowserContext, Page } from 'playwright-core';
import { applyPreset, type GateOutcome, type GatePreset, passGate } from './age-gate.js';
import { closePage } from './close-page.js';
import { extractLinks, extractMedia, type MediaCandidate, siteOf } from './extract.js';
import { INIT_SCRIPT } from './init-script.js';
import { NetworkCapture } from './network-capture.js';
import { PageGuard, type PagePolicy } from './page-guard.js';
import { collectSnapshot, type DomSnapshot, LAZY_ATTRIBUTES } from './snapshot.js';

export interface PageCrawlOptions {
  /** Whole-page deadline, navigation included. */
  timeoutMs: number;
  /** Stop scrolling after this long, this height, or this many media. */
  maxScrollMs: number;
  maxScrollHeight: number;
  maxMedia: number;
  /** Scrolling stops once no request was made for this long at the bottom of the page. */
  idleMs: number;
  /** Bytes the page may receive, all its responses together (decoded); past it the page fails. Default 200 MB. */
  maxBytes?: number;
  /** Popup windows are closed as they open; past this many the page fails. Default 5. */
  maxPopups?: number;
  /** Redirects per navigation of the page (the downloader has its own). Default 5. */
  maxRedirects?: number;
  /** The address policy, to record the vetting proxy's refusals as `CRAWL_BLOCKED_ADDRESS`. */
  policy?: PagePolicy | undefined;
  preset?: GatePreset | undefined;
  /** Sites (host without www.) whose links may be followed; default: the page's own. */
  sites?: string[];
  signal?: AbortSignal;
}

export const DEFAULT_PAGE_OPTIONS: PageCrawlOptions & Required<Pick<PageCrawlOptions, PageLimit>> = {
  timeoutMs: 60_000,
  maxScrollMs: 20_000,
  maxScrollHeight: 200_000,
  maxMedia: 2_000,
  idleMs: 1_500,
  maxBytes: 200 * 1024 * 1024,
  maxPopups: 5,
  maxRedirects: 5,
};

type PageLimit = 'maxBytes' | 'maxPopups' | 'maxRedirects';

export interface PageResult {
  url: string;
  status: number | null;
  title: string;
  gate: GateOutcome;
  media: MediaCandidate[];
  links: string[];
  /** True when an MSE player (blob: video) was seen on the page. */
  msePlayer: boolean;
  scroll: { steps: number; stoppedBy: 'idle' | 'time' | 'height' | 'media' | 'deadline' };
  /** Bytes the page received (decoded), and popups it opened (each closed at once). */
  bytes: number;
  popups: number;
}

/**
 * Renders one page in a fresh page of `context`: passes the gate, scrolls until nothing new loads
 * (or a cap is hit), clicks "load more", then merges what the DOM shows with what the network
 * fetched. The page is always closed. A {@link PageGuard} holds it to the whole-page deadline, the
 * byte cap, the redirect and popup limits and the reported site; the first limit it trips is what
 * this throws (a {@link CrawlError}).
 */
export async function crawlPage(
  context: BrowserContext,
  url: string,
  options: Partial<PageCrawlOptions> = {},
): Promise<PageResult> {
  const opts = { ...DEFAULT_PAGE_OPTIONS, ...options };
  const deadline = Date.now() + opts.timeoutMs;
  const usedStorage = await applyPreset(context, url, opts.preset);
  const page = await context.newPage();
  let guard: PageGuard | undefined;
  const abort = () => void (guard ? guard.closePage() : closePage(page, undefined));
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    guard = await PageGuard.attach(context, page, url, {
      timeoutMs: Math.max(1, deadline - Date.now()),
      maxBytes: opts.maxBytes ?? DEFAULT_PAGE_OPTIONS.maxBytes,
      maxPopups: opts.maxPopups ?? DEFAULT_PAGE_OPTIONS.maxPopups,
      maxRedirects: opts.maxRedirects ?? DEFAULT_PAGE_OPTIONS.maxRedirects,
      sites: opts.sites,
      policy: opts.policy,
    });
    const crawl = render(page, url, opts, deadline, usedStorage, guard);
    // When a limit trips the page is closed, so `crawl` rejects too: that rejection is not news.
    crawl.catch(() => {});
    const result = await Promise.race([crawl, guard.tripped]);
    await guard.settle();
    return result;
  } catch (err) {
    // A closed page makes Playwright throw "Target closed": the limit that closed it is the reason.
    throw guard?.error ?? err;
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    await (guard ? guard.closePage() : closePage(page, undefined));
    guard?.dispose();
  }
}

/** What Playwright says when a navigation destroyed the document an evaluation ran in. */
const NAVIGATED = /Execution context was destroyed|because of a navigation|navigated to/i;

async function render(
  page: Page,
  url: string,
  opts: PageCrawlOptions,
  deadline: number,
  usedStorage: boolean,
  guard: PageGuard,
): Promise<PageResult> {
  await page.addInitScript(INIT_SCRIPT);
  const net = new NetworkCapture(page);
  const response = await page.goto(url, {
    waitUntil: 'domcontentloaded',
    timeout: Math.max(1_000, deadline - Date.now()),
  });
  let gate: GateOutcome;
  let scroll: PageResult['scroll'];
  let snap: DomSnapshot;
  // A page may navigate itself (a script sending it to its canonical address), which destroys what
  // we were evaluating in it: start over on the new document, twice at most. Another site is the
  // guard's to stop.
  for (let attempt = 0; ; attempt++) {
    try {
      await page
        .waitForLoadState('load', { timeout: Math.min(10_000, Math.max(1, deadline - Date.now())) })
        .catch(() => {});
      gate = await passGate(page, opts.preset, usedStorage);
      scroll = await scrollAll(page, net, opts, deadline);
      snap = await page.evaluate(collectSnapshot, LAZY_ATTRIBUTES);
      break;
    } catch (err) {
      if (attempt >= 2 || page.isClosed() || !NAVIGATED.test((err as Error).message)) throw err;
    }
  }
  await net.settled(Math.min(2_000, deadline - Date.now()));
  const media = mergeMedia(extractMedia(snap), net.media());
  return {
    url: page.url(),
    status: response?.status() ?? null,
    title: snap.title.slice(0, 300),
    gate,
    media: media.slice(0, opts.maxMedia),
    links: extractLinks(snap, opts.sites ?? [siteOf(url), siteOf(page.url())]),
    msePlayer: snap.mseBlobs.length > 0 || snapHasBlobVideo(snap),
    scroll,
    bytes: guard.bytes,
    popups: guard.popups,
  };
}

async function scrollAll(
  page: Page,
  net: NetworkCapture,
  opts: PageCrawlOptions,
  deadline: number,
): Promise<PageResult['scroll']> {
  const until = Math.min(deadline - 2_000, Date.now() + opts.maxScrollMs);
  let steps = 0;
  for (;;) {
    if (opts.signal?.aborted || Date.now() >= deadline - 2_000) return { steps, stoppedBy: 'deadline' };
    if (Date.now() >= until) return { steps, stoppedBy: 'time' };
    const state = await page.evaluate(() => {
      window.scrollBy(0, Math.round(window.innerHeight * 0.9));
      const el = document.scrollingElement ?? document.documentElement;
      return { y: el.scrollTop + window.innerHeight, height: el.scrollHeight };
    });
    steps++;
    if (state.height > opts.maxScrollHeight) return { steps, stoppedBy: 'height' };
    if (net.media().length >= opts.maxMedia) return { steps, stoppedBy: 'media' };
    await page.waitForTimeout(250);
    const atBottom = state.y >= state.height - 4;
    if (atBottom && (await clickLoadMore(page, opts.preset))) continue;
    if (atBottom && net.idleMs >= opts.idleMs) return { steps, stoppedBy: 'idle' };
  }
}

/** Clicks a visible "load more" control (the preset's selector or a generic text match). */
async function clickLoadMore(page: Page, preset: GatePreset | undefined): Promise<boolean> {
  const selector =
    preset?.loadMoreSelector ??
    'button:text-matches("^(load|show) more", "i"), a:text-matches("^(load|show) more", "i")';
  const target = page.locator(selector).first();
  if (!(await target.isVisible().catch(() => false))) return false;
  await target.click({ timeout: 2_000 }).catch(() => {});
  return true;
}

function snapHasBlobVideo(snap: DomSnapshot): boolean {
  return snap.videos.some((v) => (v.currentSrc ?? v.src ?? '').startsWith('blob:'));
}

/** DOM candidates first (they carry the better `via`), then what only the network saw. */
function mergeMedia(dom: MediaCandidate[], network: MediaCandidate[]): MediaCandidate[] {
  const out = new Map(dom.map((m) => [m.url, m]));
  for (const m of network) {
    const known = out.get(m.url);
    if (!known) out.set(m.url, m);
    else if (known.kind === 'unknown') out.set(m.url, { ...known, kind: m.kind });
  }
  return [...out.values()];
}
