import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { type Browser, type BrowserContext, type BrowserServer, chromium } from 'playwright-core';

export interface BrowserPoolOptions {
  /** Chromium binary; default Playwright's if installed, else Debian's /usr/bin/chromium. */
  executablePath?: string | undefined;
  /** Vetting proxy every browser request goes through (loopback included). */
  proxyUrl?: string | undefined;
  /** Start a fresh browser after this many contexts. */
  recycleAfter: number;
  /**
   * … or when the browser's processes use more than this much memory, as their resident sizes summed
   * (shared pages count in each process, so this runs 2–3× above what the tree really occupies).
   */
  maxRssBytes: number;
  userAgent?: string;
}

/** Flags Chromium needs here: root in a container, no GPU, and no calls home on a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--mute-audio',
  // WebRTC does not use the proxy: forbid non-proxied UDP so it cannot reach private addresses.
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--autoplay-policy=no-user-gesture-required',
];

const DEFAULT_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 hashwatch-crawler';

/** Resolves CHROMIUM_PATH's default: Playwright's downloaded browser when present, else Debian's. */
export function defaultChromiumPath(configured: string | undefined): string {
  if (configured) return configured;
  try {
    const bundled = chromium.executablePath();
    if (bundled && existsSync(bundled)) return bundled;
  } catch {
    // no bundled browser registered
  }
  return '/usr/bin/chromium';
}

/**
 * One browser per worker process, a fresh context per job. The browser is recycled every
 * `recycleAfter` contexts or above a memory ceiling, once its open contexts have closed.
 */
export class BrowserPool {
  readonly #opts: BrowserPoolOptions;
  #server: BrowserServer | undefined;
  #browser: Browser | undefined;
  #starting: Promise<Browser> | undefined;
  #contextsServed = 0;
  #open = 0;
  #launches = 0;

  constructor(opts: BrowserPoolOptions) {
    this.#opts = opts;
  }

  /** How many browsers this pool has started (for tests and metrics). */
  get launches(): number {
    return this.#launches;
  }

  /** A new isolated context (cookies, storage, cache), closed by the caller. */
  async newContext(): Promise<BrowserContext> {
    if (this.#browser && this.#open === 0 && this.#shouldRecycle()) await this.#stop();
    const browser = await this.#ensure();
    this.#contextsServed++;
    this.#open++;
    const context = await browser.newContext({
      serviceWorkers: 'block',
      userAgent: this.#opts.userAgent ?? DEFAULT_UA,
      viewport: { width: 1280, height: 900 },
      acceptDownloads: false,
      javaScriptEnabled: true,
    });
    context.on('close', () => {
      this.#open--;
    });
    // Run from TypeScript sources, tsx (esbuild keepNames) wraps named functions in `__name(...)`;
    // Playwright serialises page functions with toString(), so the page needs a no-op `__name`
    // (privatenumber/tsx#113). Harmless for the compiled build.
    await context.addInitScript('globalThis.__name ??= (fn) => fn;');
    return context;
  }

  /** Resident memory of the browser's process tree, in bytes (Linux /proc), 0 when unknown. */
  rssBytes(): number {
    const pid = this.#server?.process().pid;
    return pid ? treeRss(pid) : 0;
  }

  #shouldRecycle(): boolean {
    return this.#contextsServed >= this.#opts.recycleAfter || this.rssBytes() > this.#opts.maxRssBytes;
  }

  async #ensure(): Promise<Browser> {
    if (this.#browser?.isConnected()) return this.#browser;
    this.#starting ??= this.#launch().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #launch(): Promise<Browser> {
    const args = [...CHROMIUM_ARGS];
    // Route loopback through the proxy too, so a page cannot reach local services behind its back.
    if (this.#opts.proxyUrl) args.push('--proxy-bypass-list=<-loopback>');
    this.#server = await chromium.launchServer({
      executablePath: defaultChromiumPath(this.#opts.executablePath),
      headless: true,
      args,
      // Playwright would close the browser on the first SIGTERM/SIGINT, failing every page still
      // rendering (an attempt used each) instead of letting it finish within SHUTDOWN_GRACE_MS.
      // The worker's own shutdown closes the browser after its jobs (found by test/chaos/sigterm).
      handleSIGTERM: false,
      handleSIGINT: false,
      ...(this.#opts.proxyUrl ? { proxy: { server: this.#opts.proxyUrl } } : {}),
    });
    this.#browser = await chromium.connect(this.#server.wsEndpoint());
    this.#contextsServed = 0;
    this.#launches++;
    return this.#browser;
  }

  async #stop(): Promise<void> {
    const server = this.#server;
    this.#browser = undefined;
    this.#server = undefined;
    await server?.close().catch(() => {});
  }

  async close(): Promise<void> {
    await this.#stop();
  }
}

function treeRss(root: number): number {
  let total = 0;
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length) {
    const pid = queue.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      // Chromium starts some helpers from threads other than its main one: ask every thread.
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
        if (children) queue.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // process gone
    }
  }
  return total;
}
