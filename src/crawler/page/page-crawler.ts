import type { BrowserContext } from 'playwright-core';
import { applyPreset, type GateOutcome, type GatePreset, passGate } from './age-gate.js';
import { extractLinks, extractMedia, type MediaCandidate, siteOf } from './extract.js';
import { INIT_SCRIPT } from './init-script.js';
import { NetworkCapture } from './network-capture.js';
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
  preset?: GatePreset | undefined;
  /** Sites (host without www.) whose links may be followed; default: the page's own. */
  sites?: string[];
  signal?: AbortSignal;
}

export const DEFAULT_PAGE_OPTIONS: PageCrawlOptions = {
  timeoutMs: 60_000,
  maxScrollMs: 20_000,
  maxScrollHeight: 200_000,
  maxMedia: 2_000,
  idleMs: 1_500,
};

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
}

/**
 * Renders one page in a fresh page of `context`: passes the gate, scrolls until nothing new loads
 * (or a cap is hit), clicks "load more", then merges what the DOM shows with what the network
 * fetched. The page is always closed.
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
  const abort = () => void page.close().catch(() => {});
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    await page.addInitScript(INIT_SCRIPT);
    const net = new NetworkCapture(page);
    const response = await page.goto(url, {
      waitUntil: 'domcontentloaded',
      timeout: Math.max(1_000, deadline - Date.now()),
    });
    await page
      .waitForLoadState('load', { timeout: Math.min(10_000, Math.max(1, deadline - Date.now())) })
      .catch(() => {});
    const gate = await passGate(page, opts.preset, usedStorage);
    const scroll = await scrollAll(page, net, opts, deadline);
    const snap = await page.evaluate(collectSnapshot, LAZY_ATTRIBUTES);
    await net.settled();
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
    };
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    await page.close().catch(() => {});
  }
}

async function scrollAll(
  page: import('playwright-core').Page,
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
async function clickLoadMore(
  page: import('playwright-core').Page,
  preset: GatePreset | undefined,
): Promise<boolean> {
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
