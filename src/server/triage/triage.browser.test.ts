/**
 * `/triage` in real Chromium: previews load blurred into the page under the CSP (or a calm sentence
 * instead), "Show clearly" swaps in the clear one, and the keyboard shortcuts drive the same forms.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { type FixtureServer, startFixtureServer } from '../../../test/helpers/fixture-server.js';
import { type StaffApp, staffApp } from '../../../test/helpers/staff-app.js';
import { defaultChromiumPath, GuardedFetcher } from '../../crawler/index.js';
import { loadAssets } from '../web/assets.js';
import { webRoutes } from '../web/web.routes.js';
import { triagePage } from './index.js';

describe('triage page in Chromium', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let server: StaffApp;
  let site: FixtureServer;
  let fetcher: GuardedFetcher;
  let browser: Browser;
  let page: Page;
  const cspErrors: string[] = [];
  const ids: Record<'photo' | 'blocked' | 'other', number> = { photo: 0, blocked: 0, other: 0 };

  beforeAll(async () => {
    const photo = await sharp({
      create: { width: 300, height: 200, channels: 3, background: { r: 220, g: 40, b: 40 } },
    })
      .png()
      .toBuffer();
    site = await startFixtureServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'image/png' }).end(photo),
    );
    fetcher = new GuardedFetcher({ allowPrivateNetworks: false, allowHosts: [site.authority] });
    env = await migratedDatabase();
    const opts = {
      db: env.db,
      allowlist: async () => {},
      preview: {
        fetcher,
        limits: {
          maxImageBytes: 1_000_000,
          maxImagePixels: 10_000_000,
          maxVideoBytes: 1_000_000,
          imageTimeoutMs: 10_000,
          videoTimeoutMs: 10_000,
          maxVideoSeconds: 10,
          ffmpegPath: 'ffmpeg',
        },
      },
    };
    const assets = await loadAssets();
    server = await staffApp(env.db, {
      web: async (web) => {
        await webRoutes(web, { assets });
        await triagePage(web, opts);
      },
    });
    const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const [name, value] = ((await server.signIn('analyst', 'ana')).cookie.split(';')[0] ?? '').split('=');
    const caseId = (
      await env.db.pool.query(
        `INSERT INTO cases (ref, pin_hash, consent, contact_email, source)
         VALUES ('HW-BROW-SER1', 'x', '{}', 'survivor@private.example', 'web') RETURNING id`,
      )
    ).rows[0].id;
    // The private address is this test's own server on a port that is not let through.
    const urls = { photo: site.url('/a.png'), blocked: `${base}/b.png`, other: site.url('/c.png') };
    const scores = { photo: 0.99, blocked: 0.98, other: 0.97 };
    for (const key of ['photo', 'blocked', 'other'] as const) {
      const { rows } = await env.db.pool.query(
        `WITH m AS (INSERT INTO media (url, normalized_url, host, status) VALUES ($1, $1, '127.0.0.1', 'hashed') RETURNING id)
         INSERT INTO matches (media_id, case_id, signal, distance, score, variant)
         SELECT m.id, $2, 'pdq', 10, $3, 'original' FROM m RETURNING id`,
        [urls[key], caseId, scores[key]],
      );
      ids[key] = Number(rows[0].id);
    }
    browser = await chromium.launch({
      executablePath: defaultChromiumPath(process.env.CHROMIUM_PATH),
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    const context = await browser.newContext();
    await context.addCookies([{ name: name ?? '', value: value ?? '', url: base }]);
    page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(`${base}/triage`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await fetcher?.close();
    await site?.close();
    await env?.close();
  });

  const figure = (id: number) => page.locator(`tr[data-match="${id}"] figure`);

  it('loads the blurred preview into the page, and a calm sentence where there is none', async () => {
    const img = figure(ids.photo).locator('img');
    await img.waitFor({ state: 'visible' });
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    const note = figure(ids.blocked).locator('.preview-note');
    await expect.poll(() => note.textContent()).toContain('private or local network');
    expect(await figure(ids.blocked).locator('img').isHidden()).toBe(true);
    expect(cspErrors).toEqual([]);
  });

  it('moves with j and k, selects with x, shows clearly with v', async () => {
    await page.locator('h1').click();
    await page.keyboard.press('j');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-match'))).toBe(
      String(ids.photo),
    );
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-match'))).toBe(
      String(ids.blocked),
    );
    await page.keyboard.press('x');
    expect(await page.locator(`tr[data-match="${ids.blocked}"] input[type="checkbox"]`).isChecked()).toBe(
      true,
    );
    await page.keyboard.press('k');
    await page.keyboard.press('v');
    await expect.poll(() => figure(ids.photo).getAttribute('data-view')).toBe('clear');
    // Audited with its outcome, before the clear picture is sent.
    const audits = async () =>
      (
        await env.db.pool.query(
          `SELECT detail FROM audit_log WHERE action = 'match.preview_clear' AND subject = $1`,
          [`match:${ids.photo}`],
        )
      ).rows;
    await expect.poll(audits).toEqual([{ detail: { outcome: 'shown' } }]);
  });

  it('confirms with c and rejects with r, a reason and Enter', async () => {
    await page.locator(`tr[data-match="${ids.photo}"]`).focus();
    await Promise.all([page.waitForURL(/done=confirm/), page.keyboard.press('c')]);
    expect(await page.locator('.status').textContent()).toContain('1 match confirmed.');
    await page.locator('h1').click();
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('r');
    const reason = page.locator(`tr[data-match="${ids.other}"] select[name="reason"]`);
    expect(await reason.evaluate((el) => el === document.activeElement)).toBe(true);
    await reason.selectOption('not_same');
    await Promise.all([page.waitForURL(/done=reject/), reason.press('Enter')]);
    const states = await env.db.pool.query('SELECT id, state FROM matches ORDER BY id');
    expect(states.rows.map((r) => r.state)).toEqual(['confirmed', 'pending', 'rejected']);
  });
});
