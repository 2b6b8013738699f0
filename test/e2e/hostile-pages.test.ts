import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserPool,
  crawlPage,
  type PageCrawlOptions,
  type Resolver,
  startVettingProxy,
  type VettingProxy,
} from '../../src/crawler/index.js';
import { systemResolver } from '../../src/crawler/net/lookup.js';
import { GB, hostileHandler, MB, type Served, type StreamStats, serve } from '../helpers/hostile-site.js';
import { eventually } from '../helpers/process.js';

/**
 * Pages that attack the crawler, each against a small local server, in real Chromium behind the
 * vetting proxy: every one is stopped by a configurable limit with a typed error (or, for an
 * endless scroll, simply stopped), nothing private is reached, memory stays bounded, and the same
 * browser crawls an ordinary page normally afterwards.
 */

describe('hostile pages in the browser (crawlPage behind the vetting proxy)', () => {
  let site: Served;
  let other: Served;
  let internal: Served;
  let proxy: VettingProxy;
  let browsers: BrowserPool;
  const stats: Record<string, StreamStats> = {};
  // `evil.test` is a DNS name that resolves to the private server's address.
  const resolver: Resolver = async (name) =>
    name === 'evil.test' ? [{ address: '127.0.0.5', family: 4 }] : systemResolver(name);
  let policy: PageCrawlOptions['policy'];

  beforeAll(async () => {
    internal = await serve('127.0.0.5', (_req, res) => res.end('internal secret'));
    other = await serve('127.0.0.3', hostileHandler({ other: () => other.url, stats }));
    site = await serve('127.0.0.1', hostileHandler({ other: () => other.url, stats }));
    policy = { allowPrivateNetworks: false, allowHosts: [site.authority, other.authority], resolver };
    proxy = await startVettingProxy(policy);
    browsers = new BrowserPool({
      executablePath: process.env.CHROMIUM_PATH,
      proxyUrl: proxy.url,
      recycleAfter: 1000,
      maxRssBytes: 64 * GB,
    });
  }, 60_000);

  afterAll(async () => {
    await browsers?.close();
    await proxy?.close();
    await Promise.all([site?.close(), other?.close(), internal?.close()]);
  });

  const FAST: Partial<PageCrawlOptions> = { timeoutMs: 4_000, maxScrollMs: 500, idleMs: 300 };

  async function crawl(url: string, options: Partial<PageCrawlOptions> = {}) {
    const context: BrowserContext = await browsers.newContext();
    try {
      return await crawlPage(context, url, { ...FAST, policy, ...options });
    } finally {
      await context.close();
    }
  }
  async function failure(url: string, options: Partial<PageCrawlOptions> = {}) {
    try {
      await crawl(url, options);
    } catch (err) {
      return err as Error & { code?: string; retryable?: boolean };
    }
    throw new Error(`expected ${url} to fail`);
  }

  it('crawls an ordinary page (the control)', async () => {
    const result = await crawl(`${site.url}/ok`);
    expect(result.status).toBe(200);
    expect(result.media.map((m) => new URL(m.url).pathname).sort()).toEqual(['/img/1.png', '/img/2.png']);
    expect(result.popups).toBe(0);
    expect(result.bytes).toBeGreaterThan(0);
  });

  it('stops a redirect loop and an endless redirect chain at the redirect limit', async () => {
    expect(await failure(`${site.url}/loop/a`)).toMatchObject({
      code: 'CRAWL_REDIRECT_LOOP',
      retryable: false,
    });
    const before = site.hits.filter((h) => h.startsWith('/chain/')).length;
    expect(await failure(`${site.url}/chain/0`, { maxRedirects: 3 })).toMatchObject({
      code: 'CRAWL_TOO_MANY_REDIRECTS',
      retryable: false,
    });
    // Chromium follows redirects without waiting for us, so a hop or two more may be sent before the
    // page closes; without the limit it would go on to its own 20.
    expect(site.hits.filter((h) => h.startsWith('/chain/')).length - before).toBeLessThan(12);
  });

  it('refuses private addresses in every spelling, and a name that resolves to one, reaching none', async () => {
    const port = internal.port;
    const targets = [
      `http://127.0.0.5:${port}/`,
      `http://2130706437:${port}/`, // decimal
      `http://0177.0.0.5:${port}/`, // octal
      `http://0x7f.0.0.5:${port}/`, // hex
      `http://[::ffff:127.0.0.5]:${port}/`, // IPv4-mapped IPv6
      `http://evil.test:${port}/`, // DNS name → 127.0.0.5
    ];
    // Each as a redirect from an allowed page, and two as the reported address itself (the worker
    // also checks that one before the browser starts).
    const urls = [
      ...targets.map((to) => `${site.url}/go?to=${encodeURIComponent(to)}`),
      targets[1] as string,
      targets[5] as string,
    ];
    const errors: { code?: string }[] = [];
    for (const url of urls) errors.push(await failure(url));
    expect(Object.fromEntries(urls.map((url, i) => [url, errors[i]?.code]))).toEqual(
      Object.fromEntries(urls.map((url) => [url, 'CRAWL_BLOCKED_ADDRESS'])),
    );
    expect(internal.hits).toEqual([]);
  });

  it('ends a page that drips forever at the page deadline, and does not wait on a dripping playlist', async () => {
    const started = Date.now();
    expect(await failure(`${site.url}/drip`, { timeoutMs: 3_000 })).toMatchObject({
      code: 'CRAWL_TIMEOUT',
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    const result = await crawl(`${site.url}/drip-playlist`, { timeoutMs: 6_000 });
    expect(result.media.map((m) => new URL(m.url).pathname)).toContain('/live.m3u8');
  });

  it('ends a page whose script never yields at the page deadline', async () => {
    expect(await failure(`${site.url}/busy`, { timeoutMs: 3_000 })).toMatchObject({ code: 'CRAWL_TIMEOUT' });
  });

  it('cuts a 1 GB body, and a gzip bomb, at the page byte cap without holding either', async () => {
    const rssBefore = process.memoryUsage().rss;
    for (const path of ['/huge', '/huge-gzip']) {
      const err = await failure(`${site.url}${path}`, { maxBytes: 4 * MB, timeoutMs: 30_000 });
      expect(err, path).toMatchObject({ code: 'CRAWL_TOO_LARGE', retryable: false });
      await eventually(
        async () => stats[path]?.closed || undefined,
        10_000,
        `${path}: the connection to close`,
      );
    }
    // Backpressure end to end: the server produced a small fraction of the gigabyte.
    expect(stats['/huge']?.sent).toBeLessThan(GB / 8);
    // The gzip bomb is counted decoded: it tripped the 4 MB cap with far fewer bytes on the wire.
    expect(stats['/huge-gzip']?.wire).toBeLessThan(2 * MB);
    // The proxy streams in this process: it never holds the body.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * MB);
  });

  it('stops an endless infinite scroll at the scroll limits and keeps the page', async () => {
    const result = await crawl(`${site.url}/scroll`, { maxScrollMs: 1_000, timeoutMs: 8_000 });
    expect(['time', 'height', 'media']).toContain(result.scroll.stoppedBy);
    expect(result.media.length).toBeGreaterThan(3);
    const capped = await crawl(`${site.url}/scroll`, {
      maxScrollMs: 5_000,
      timeoutMs: 10_000,
      maxScrollHeight: 12_000,
    });
    expect(capped.scroll.stoppedBy).toBe('height');
  });

  it('closes popups as they open, and stops a page that keeps opening them', async () => {
    const context = await browsers.newContext();
    let opened = 0;
    context.on('page', () => opened++);
    const few = await crawlPage(context, `${site.url}/popups?n=2`, { ...FAST, policy, maxScrollMs: 1_000 });
    expect(few.popups).toBe(2);
    expect(opened).toBe(3);
    // Closed as they opened, not left for the context's end.
    await eventually(async () => (context.pages().length === 0 ? true : undefined), 3_000, 'popups closed');
    await context.close();
    expect(few.media.map((m) => new URL(m.url).pathname)).toContain('/img/p.png');
    expect(await failure(`${site.url}/popups`, { maxPopups: 3, timeoutMs: 15_000 })).toMatchObject({
      code: 'CRAWL_TOO_MANY_POPUPS',
      retryable: false,
    });
  });

  it('stops a page that sends the browser to another site, but follows the reported address’s own redirects', async () => {
    expect(await failure(`${site.url}/away`)).toMatchObject({
      code: 'CRAWL_NAVIGATED_AWAY',
      details: { to: '127.0.0.3' },
    });
    const same = await crawl(`${site.url}/same-site-nav`);
    expect(new URL(same.url).pathname).toBe('/ok');
    const redirected = await crawl(`${site.url}/to-other`);
    expect(redirected.url).toBe(`${other.url}/ok`);
  });

  it('still crawls an ordinary page normally in the same browser afterwards', async () => {
    const result = await crawl(`${site.url}/ok`);
    expect(result.media).toHaveLength(2);
    expect(browsers.launches).toBe(1);
  });
});
