/**
 * The registration and case pages in real Chromium against the real API and a test database:
 * fingerprints are computed in the page (the files' bytes never leave it) and agree with the server's
 * own pipeline on the same files; /case shows, refuses and withdraws.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hammingDistanceHex, hashImageBytes, hashVideo, pdqHash } from '../../src/hashing/index.js';
import { CaseService } from '../../src/registry/index.js';
import { createServer, type Server } from '../../src/server/index.js';
import { caseRoutes } from '../../src/server/routes/cases.routes.js';
import { loadAssets } from '../../src/server/web/assets.js';
import { webRoutes } from '../../src/server/web/web.routes.js';
import { migratedDatabase } from '../helpers/app.js';
import { silentLog } from '../helpers/services.js';

const PHOTOS = new URL('../fixtures/photos/', import.meta.url);
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const UNREADABLE = 'This file could not be read as an image or video. It was skipped; the others are fine.';

interface SentItem {
  kind: 'image' | 'video';
  sha256: string;
  md5: string;
  pdq: string | null;
  blockhash: string | null;
  width: number;
  height: number;
  variants?: { name: string; pdq: string }[];
  frames?: { ms: number; pdq: string }[];
}

/**
 * Test inputs: an EXIF-rotated JPEG, an 8 MP PNG (reduced to 4 MP before hashing), and a 5 s H.264
 * clip at 29.97 fps, where ffmpeg's frames (every 29th) are not at whole seconds.
 */
async function makeMedia(dir: string): Promise<Record<'jpg' | 'png' | 'mp4' | 'broken', string>> {
  const photo = (name: string) => new URL(name, PHOTOS).pathname;
  const jpg = join(dir, 'portrait-exif.jpg');
  // Stored a quarter turn anticlockwise with orientation 6, so it only looks right once oriented.
  await sharp(photo('mate-storm.jpg'))
    .rotate(270)
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .toFile(jpg);
  const png = join(dir, 'garden-large.png');
  await sharp(photo('mate-garden.jpg')).resize(3600, 2250).png({ compressionLevel: 3 }).toFile(png);
  const mp4 = join(dir, 'clip.mp4');
  const zoom = "zoompan=z='1+0.004*on':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=150:s=640x400:fps=30000/1001";
  await promisify(execFile)(process.env.FFMPEG_PATH ?? 'ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-i', photo('mate-dune.jpg')],
    ...['-vf', `scale=1280:800,${zoom}`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
    mp4,
  ]);
  // A folder as a person might pick it: a corrupt "photo" and a note that is not media at all.
  await mkdir(join(dir, 'folder'));
  const broken = join(dir, 'folder', 'broken.jpg');
  await writeFile(broken, randomBytes(20_000));
  await writeFile(join(dir, 'folder', 'notes.txt'), 'not an image');
  return { jpg, png, mp4, broken };
}

/** 20 windows of 64 bytes spread over the file, and the base64 of its opening. */
function fingerprintsOfBytes(bytes: Buffer): { windows: Buffer[]; base64: string } {
  const windows = Array.from({ length: 20 }, (_, i) => {
    const at = Math.floor((i * (bytes.length - 64)) / 19);
    return bytes.subarray(at, at + 64);
  });
  return { windows, base64: bytes.subarray(0, 60).toString('base64') };
}

describe('registration page', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let app: Server;
  let base: string;
  let dir: string;
  let browser: Browser;
  let media: Awaited<ReturnType<typeof makeMedia>>;
  let registered: { ref: string; pin: string } | undefined;

  beforeAll(async () => {
    env = await migratedDatabase();
    const cases = new CaseService(env.db, { maxAttempts: 3, lockMs: 60_000 });
    dir = await mkdtemp(join(tmpdir(), 'hw-register-page-'));
    let assets: Awaited<ReturnType<typeof loadAssets>>;
    [assets, media, browser] = await Promise.all([
      loadAssets(),
      makeMedia(dir),
      chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        headless: true,
        args: CHROMIUM_ARGS,
      }),
    ]);
    app = await createServer({
      log: silentLog,
      checks: [],
      plugins: [
        {
          prefix: '/api/v1',
          plugin: (i) =>
            caseRoutes(i, { cases, pool: env.db.pool, lookupsPerMinute: 1000, registrationsPerHour: 1000 }),
        },
        { prefix: '', plugin: (i) => webRoutes(i, { assets }) },
      ],
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await env?.close();
    if (dir) await rm(dir, { recursive: true });
  });

  async function openCase(page: Page, ref: string, pin: string): Promise<void> {
    await page.goto(`${base}/case`);
    await page.getByLabel('Case reference').fill(ref);
    await page.getByLabel('PIN').fill(pin);
    await page.getByRole('button', { name: 'Show my case' }).click();
  }

  it('fingerprints files in the page, sends only hashes, and they agree with the server', async () => {
    const page = await browser.newPage();
    const sent: { url: string; body: Buffer }[] = [];
    page.on('request', (req) => sent.push({ url: req.url(), body: req.postDataBuffer() ?? Buffer.alloc(0) }));
    const response = await page.goto(`${base}/register`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
    await expect(page.locator('p.lead').textContent()).resolves.toBe(
      'Your files stay on this device; only fingerprints are sent.',
    );

    await page
      .getByLabel('Images and videos', { exact: true })
      .setInputFiles([media.jpg, media.png, media.mp4]);
    await page.getByLabel('Or a whole folder').setInputFiles(join(dir, 'folder'));
    await page
      .locator('#files-summary', { hasText: '3 files ready, 1 skipped.' })
      .waitFor({ timeout: 40_000 });
    await expect(page.locator('li.file', { hasText: 'broken.jpg' }).textContent()).resolves.toContain(
      UNREADABLE,
    );
    await expect(page.locator('#files-summary').textContent()).resolves.toContain(
      '1 other file in the folder',
    );

    await page.getByLabel('I am the person shown in these files').check();
    await page.getByRole('button', { name: 'Register fingerprints' }).click();
    // Not yet 18+ and not accepted: a calm explanation, and nothing is sent.
    await expect(page.getByRole('alert').textContent()).resolves.toContain('18 or over');
    await page.getByLabel('I am 18 or over').check();
    await page.getByLabel('I have read and accept this statement').check();
    await page.getByRole('button', { name: 'Register fingerprints' }).click();
    await page.locator('#result').waitFor({ state: 'visible' });
    const ref = (await page.locator('#case-ref').textContent()) ?? '';
    const pin = (await page.locator('#case-pin').textContent()) ?? '';
    expect(ref).toMatch(/^HW-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(pin).toMatch(/^\d{10}$/);
    registered = { ref, pin };
    await expect(page.locator('#result').textContent()).resolves.toContain('The PIN cannot be shown again');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Save as a text file' }).click();
    const receipt = await readFile((await (await download).path()) ?? '', 'utf8');
    expect(receipt).toContain(`Case reference: ${ref}`);
    expect(receipt).toContain(`PIN: ${pin}`);

    // (1) No request carries the files' bytes or names; the whole upload is small.
    const files = [media.jpg, media.png, media.mp4, media.broken];
    const total = sent.reduce((n, r) => n + r.body.length + r.url.length, 0);
    expect(total).toBeLessThan(64 * 1024);
    for (const file of files) {
      const { windows, base64 } = fingerprintsOfBytes(await readFile(file));
      for (const r of sent) {
        for (const w of windows) expect(r.body.indexOf(w)).toBe(-1);
        expect(r.body.toString('latin1')).not.toContain(base64);
        expect(r.body.toString('latin1') + r.url).not.toMatch(/portrait-exif|garden-large|clip\.mp4|broken/);
      }
    }
    const post = sent.filter((r) => r.url === `${base}/api/v1/cases`);
    expect(post).toHaveLength(1);
    const items = (JSON.parse(post[0]!.body.toString('utf8')) as { items: SentItem[] }).items;
    expect(items.map((i) => i.kind)).toEqual(['image', 'image', 'video']);

    // (2) The browser's fingerprints against the server's pipeline on the same files.
    const distances: Record<string, unknown> = { uploadBytes: total };
    for (const [index, file] of [media.jpg, media.png].entries()) {
      const server = await hashImageBytes(await readFile(file), { variants: true });
      const browserItem = items[index]!;
      expect([browserItem.sha256, browserItem.md5]).toEqual([server.sha256, server.md5]);
      expect([browserItem.width, browserItem.height]).toEqual([server.width, server.height]);
      const pdq = hammingDistanceHex(browserItem.pdq ?? '', server.pdq);
      expect(pdq).toBeLessThanOrEqual(8);
      expect(browserItem.variants?.map((v) => v.name)).toEqual(server.variants?.map((v) => v.name));
      const variantMax = Math.max(
        ...(server.variants ?? []).map((v, i) =>
          hammingDistanceHex(browserItem.variants?.[i]?.pdq ?? '', v.pdq),
        ),
      );
      expect(variantMax).toBeLessThanOrEqual(16);
      const block = hammingDistanceHex(browserItem.blockhash ?? '', server.blockhash);
      if (file === media.jpg) {
        // Orientation matters: the stored (unrotated) pixels hash far away from what the page sent.
        const stored = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
        const unrotated = pdqHash(stored.data, stored.info.width, stored.info.height, 4).hash;
        expect(hammingDistanceHex(browserItem.pdq ?? '', unrotated)).toBeGreaterThan(64);
      }
      distances[file.slice(file.lastIndexOf('/') + 1)] = { pdq, variantMax, blockhash: block };
    }
    const video = await hashVideo({ kind: 'file', path: media.mp4 });
    const clip = items[2]!;
    expect([clip.sha256, clip.md5]).toEqual([video.sha256, video.md5]);
    expect(clip.frames?.map((f) => f.ms)).toEqual(video.frames.map((f) => f.ms));
    // The page picks ffmpeg's frames (0, 29, 58 … at 29.97 fps) from the MP4 index: same `ms`, paired 1:1.
    const frameDistances = video.frames.map((f, i) => hammingDistanceHex(clip.frames?.[i]?.pdq ?? '', f.pdq));
    expect(Math.max(...frameDistances)).toBeLessThanOrEqual(16);
    // The clip changes from second to second, so a frame paired with the wrong second would show.
    const shifted = video.frames
      .slice(1)
      .map((f, i) => hammingDistanceHex(clip.frames?.[i]?.pdq ?? '', f.pdq));
    expect(Math.min(...shifted)).toBeGreaterThan(16);
    distances['clip.mp4'] = { frames: frameDistances, shiftedBySecond: shifted };
    console.info(`browser vs server: ${JSON.stringify(distances)}`);

    // The database holds what the page sent: 3 items, every video frame.
    const { rows } = await env.db.pool.query(
      `SELECT count(DISTINCT h.item_id)::int AS items, count(*) FILTER (WHERE h.variant = 'frame')::int AS frames
       FROM registered_hashes h JOIN cases c ON c.id = h.case_id WHERE c.ref = $1`,
      [ref],
    );
    expect(rows[0]).toEqual({ items: 3, frames: video.frames.length });
    await page.close();
  }, 60_000);

  it('shows an API error calmly and keeps everything chosen and typed, so sending again works', async () => {
    const page = await browser.newPage();
    const message = 'Too many registrations from this connection just now. Please try again later.';
    await page.route(`${base}/api/v1/cases`, (route) =>
      route.fulfill({ status: 429, json: { error: { code: 'RATE_LIMITED', message } } }),
    );
    await page.goto(`${base}/register`);
    await page.getByLabel('Images and videos', { exact: true }).setInputFiles([media.jpg]);
    await page.getByLabel('I am a parent or guardian reporting for a minor').check();
    await page.getByLabel('I have read and accept this statement').check();
    await page.getByLabel('Contact email (optional)').fill('advocate@example.org');
    await page.locator('#files-summary', { hasText: '1 file ready.' }).waitFor();
    await page.getByRole('button', { name: 'Register fingerprints' }).click();
    await page.getByRole('alert').filter({ hasText: message }).waitFor();
    await expect(page.getByLabel('Contact email (optional)').inputValue()).resolves.toBe(
      'advocate@example.org',
    );

    await page.unroute(`${base}/api/v1/cases`);
    await page.getByRole('button', { name: 'Register fingerprints' }).click();
    await page.locator('#result').waitFor({ state: 'visible' });
    const ref = await page.locator('#case-ref').textContent();
    const { rows } = await env.db.pool.query(
      `SELECT contact_email, consent->>'role' AS role, consent->>'adult' AS adult FROM cases WHERE ref = $1`,
      [ref],
    );
    expect(rows[0]).toEqual({ contact_email: 'advocate@example.org', role: 'guardian', adult: 'false' });
    await page.close();
  });

  it('/case refuses a wrong PIN with the API’s words, shows the case, and withdraws it', async () => {
    if (!registered) throw new Error('registration failed');
    const page = await browser.newPage();
    const urls: string[] = [];
    page.on('request', (req) => urls.push(req.url()));
    const wrong = registered.pin === '1111111111' ? '2222222222' : '1111111111';
    await openCase(page, registered.ref, wrong);
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'That case reference and PIN do not match.',
    );

    await page.getByLabel('PIN').fill(registered.pin);
    await page.getByRole('button', { name: 'Show my case' }).click();
    await page.locator('#status').waitFor({ state: 'visible' });
    await expect(page.locator('#status-items').textContent()).resolves.toBe('2 images and 1 video');
    await expect(page.locator('#status-state').textContent()).resolves.toContain('Active');

    await page.getByRole('button', { name: 'Withdraw…' }).click();
    const explained = (await page.locator('#withdraw-confirm').textContent())?.replace(/\s+/g, ' ');
    expect(explained).toContain(
      'deletes the fingerprints at once; no new requests will be sent on your behalf',
    );
    await page.getByRole('button', { name: 'Yes, withdraw and delete the fingerprints' }).click();
    await page.locator('#case-status', { hasText: 'has been withdrawn' }).waitFor();
    await expect(page.locator('#status-state').textContent()).resolves.toContain('Withdrawn');
    const { rows } = await env.db.pool.query(
      `SELECT c.status, (SELECT count(*)::int FROM registered_hashes h WHERE h.case_id = c.id) AS hashes
       FROM cases c WHERE c.ref = $1`,
      [registered.ref],
    );
    expect(rows[0]).toEqual({ status: 'withdrawn', hashes: 0 });
    // The PIN never appears in a URL.
    expect(urls.some((u) => u.includes(registered?.pin ?? '-') || u.includes(wrong))).toBe(false);
    await page.close();
  });

  it('/case shows the lockout message after repeated wrong PINs', async () => {
    const cases = new CaseService(env.db);
    const { ref, pin } = await cases.register({
      consent: { version: 'test', role: 'self', adult: true, acceptedAt: new Date().toISOString() },
      contactEmail: null,
      items: [],
      source: 'web',
    });
    const page = await browser.newPage();
    const wrong = pin === '1111111111' ? '2222222222' : '1111111111';
    await openCase(page, ref, wrong);
    for (let i = 0; i < 3; i++) {
      await page.getByRole('alert').waitFor();
      await page.getByRole('button', { name: 'Show my case' }).click();
    }
    await page.getByRole('alert', { includeHidden: false }).filter({ hasText: 'paused' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'it is paused after several wrong PINs',
    );
    await page.close();
  });
});
