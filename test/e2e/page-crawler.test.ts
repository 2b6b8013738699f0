import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserPool,
  crawlPage,
  type GatePreset,
  presetForHost,
  upsertPreset,
} from '../../src/crawler/index.js';
import { type FixtureSite, startFixtureSite } from '../fixtures/site/index.js';
import { migratedDatabase } from '../helpers/app.js';

/** The page step alone, in real Chromium against the fixture site: gates, presets, recycling. */
describe('crawlPage', () => {
  let site: FixtureSite;
  let browsers: BrowserPool;

  beforeAll(async () => {
    site = await startFixtureSite();
    browsers = new BrowserPool({
      executablePath: process.env.CHROMIUM_PATH,
      recycleAfter: 2,
      maxRssBytes: 4 * 1024 ** 3,
    });
  }, 60_000);
  afterAll(async () => {
    await browsers?.close();
    await site?.close();
  });

  const crawl = async (preset?: GatePreset) => {
    const context = await browsers.newContext();
    try {
      return await crawlPage(context, site.listingUrl, { maxScrollMs: 8_000, idleMs: 800, preset });
    } finally {
      await context.close();
    }
  };

  it('passes the age gate generically and finds the gated media', async () => {
    const result = await crawl();
    expect(result.gate).toBe('generic');
    const urls = new Set(result.media.map((m) => m.url));
    const lazy = site.media.filter((m) => m.via === 'img-lazy').map((m) => m.url);
    expect(lazy.length).toBeGreaterThan(0);
    expect(lazy.filter((u) => !urls.has(u))).toEqual([]);
    expect(result.scroll.stoppedBy).toBe('idle');
  }, 60_000);

  it('uses a stored preset (the cookie the site sets) instead of clicking', async () => {
    const result = await crawl({ cookies: [{ name: 'age_verified', value: '1' }] });
    expect(result.gate).toBe('preset');
    expect(result.media.length).toBeGreaterThan(10);
  }, 60_000);

  it('starts a fresh browser after the configured number of pages', async () => {
    const before = browsers.launches;
    await crawl();
    await crawl();
    expect(browsers.launches).toBeGreaterThan(before);
  }, 90_000);
});

describe('gate presets', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  beforeAll(async () => {
    env = await migratedDatabase();
  });
  afterAll(async () => {
    await env.close();
  });

  it('finds the most specific preset for a host', async () => {
    await upsertPreset(env.db.pool, '*.tube.example', { clickSelector: '#enter' });
    await upsertPreset(env.db.pool, 'cdn.tube.example', { cookies: [{ name: 'ok', value: '1' }] });
    expect(await presetForHost(env.db.pool, 'www.tube.example')).toMatchObject({ clickSelector: '#enter' });
    expect(await presetForHost(env.db.pool, 'cdn.tube.example')).toMatchObject({
      cookies: [{ name: 'ok', value: '1' }],
    });
    expect(await presetForHost(env.db.pool, 'other.example')).toBeUndefined();
  });
});
