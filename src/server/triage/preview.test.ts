import { execFile } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { probes, scanPostgres, scanText } from '../../../test/helpers/byte-scan.js';
import { type FixtureServer, startFixtureServer } from '../../../test/helpers/fixture-server.js';
import { type StaffApp, staffApp } from '../../../test/helpers/staff-app.js';
import { type DownloadLimits, GuardedFetcher } from '../../crawler/index.js';
import { PREVIEW_MAX_SIDE } from '../../hashing/index.js';
import { decideMatches, triagePage } from './index.js';
import { slots } from './preview.routes.js';

/** Random pixels, reddish on the left and bluish on the right: colourful and sharp-edged. */
async function noisyPng(width: number, height: number): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const left = i % width < width / 2;
    const noise = Math.floor(Math.random() * 120);
    px[i * 3] = left ? 135 + noise : noise;
    px[i * 3 + 1] = Math.floor(Math.random() * 60);
    px[i * 3 + 2] = left ? noise : 135 + noise;
  }
  return sharp(px, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** A 3 s colour test pattern as a fragmented MP4 (readable from a pipe). */
async function clip(): Promise<Buffer> {
  const { stdout } = await promisify(execFile)(
    'ffmpeg',
    [
      ...'-hide_banner -loglevel error -nostdin -f lavfi -i testsrc2=d=3:s=160x120:r=10'.split(' '),
      ...'-pix_fmt yuv420p -f mp4 -movflags frag_keyframe+empty_moov pipe:1'.split(' '),
    ],
    { encoding: 'buffer', maxBuffer: 8 * 1024 * 1024 },
  );
  return stdout;
}

/** RGB pixels of a JPEG, and how far it is from grey and how much neighbouring pixels differ. */
async function look(jpeg: Buffer) {
  const { data, info } = await sharp(jpeg).toColourspace('srgb').removeAlpha().raw().toBuffer({
    resolveWithObject: true,
  });
  let colour = 0;
  let edges = 0;
  for (let i = 0; i < info.width * info.height; i++) {
    const [r, g, b] = [data[i * 3] ?? 0, data[i * 3 + 1] ?? 0, data[i * 3 + 2] ?? 0];
    colour += Math.max(Math.abs(r - g), Math.abs(g - b), Math.abs(r - b));
    if (i % info.width > 0) edges += Math.abs((data[i * 3] ?? 0) - (data[(i - 1) * 3] ?? 0));
  }
  const n = info.width * info.height;
  return { width: info.width, height: info.height, colour: colour / n, edges: edges / n };
}

describe('triage preview', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let server: StaffApp;
  let site: FixtureServer;
  let privateSite: FixtureServer;
  let fetcher: GuardedFetcher;
  let cookie: string;
  let photo: Buffer;
  let video: Buffer;
  const served: Buffer[] = [];
  const heldClosed: (() => void)[] = [];
  const cases: { caseId: number; itemId: number }[] = [];
  const limits: DownloadLimits = {
    maxImageBytes: 400_000,
    maxImagePixels: 10_000_000,
    maxVideoBytes: 5_000_000,
    imageTimeoutMs: 10_000,
    videoTimeoutMs: 20_000,
    maxVideoSeconds: 60,
    ffmpegPath: 'ffmpeg',
  };

  beforeAll(async () => {
    [photo, video] = await Promise.all([noisyPng(320, 200), clip()]);
    const big = await noisyPng(500, 500);
    expect(big.length).toBeGreaterThan(limits.maxImageBytes);
    const files: Record<string, [string, Buffer]> = {
      '/photo.png': ['image/png', photo],
      '/big.png': ['image/png', big],
      '/clip.mp4': ['video/mp4', video],
      '/page.html': ['image/jpeg', Buffer.from('<!doctype html><html><body>Not here</body></html>')],
    };
    const handler = (req: { url?: string }, res: ServerResponse) => {
      if (req.url === '/held.mp4') {
        // The whole clip, then the response is held open: only the client can end this download.
        res.writeHead(200, { 'content-type': 'video/mp4' }).write(video);
        res.once('close', () => {
          for (const done of heldClosed) done();
        });
        return;
      }
      const file = files[req.url ?? ''];
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
    };
    [site, privateSite] = await Promise.all([startFixtureServer(handler), startFixtureServer(handler)]);
    // Only the first fixture site is let through, exactly as CRAWLER_ALLOW_HOSTS does for the workers.
    fetcher = new GuardedFetcher({ allowPrivateNetworks: false, allowHosts: [site.authority] });
    env = await migratedDatabase();
    // A deadline no test reaches: whatever ends a download here, it is not the deadline.
    const opts = {
      db: env.db,
      allowlist: async () => {},
      preview: { fetcher, limits, timeoutMs: 10 * 60_000 },
    };
    server = await staffApp(env.db, { web: (web) => triagePage(web, opts) });
    cookie = (await server.signIn('analyst', 'ana')).cookie;
    for (const ref of ['HW-PREV-IEW1', 'HW-PREV-IEW2']) {
      const { rows } = await env.db.pool.query(
        `WITH c AS (INSERT INTO cases (ref, pin_hash, consent, contact_email, source)
                    VALUES ($1, 'x', '{}', 'survivor@private.example', 'web') RETURNING id)
         INSERT INTO registered_items (case_id, kind) SELECT id, 'image' FROM c RETURNING id, case_id`,
        [ref],
      );
      cases.push({ caseId: Number(rows[0].case_id), itemId: Number(rows[0].id) });
    }
  });
  afterAll(async () => {
    await server?.close();
    await fetcher?.close();
    await Promise.all([site?.close(), privateSite?.close()]);
    await env?.close();
  });

  let n = 0;
  /** A pending match on a new media location (or on `mediaId`), for case 0 or 1. */
  const seed = async (
    url: string,
    detail: object = {},
    opts: { mediaId?: number; caseIndex?: number } = {},
  ) => {
    const { caseId, itemId } = cases[opts.caseIndex ?? 0] as { caseId: number; itemId: number };
    const mediaId =
      opts.mediaId ??
      Number(
        (
          await env.db.pool.query(
            `INSERT INTO media (url, normalized_url, host, status) VALUES ($1, $2, '127.0.0.1', 'hashed') RETURNING id`,
            [url, `${url}#${++n}`],
          )
        ).rows[0].id,
      );
    const { rows } = await env.db.pool.query(
      `INSERT INTO matches (media_id, case_id, item_id, signal, distance, score, variant, detail)
       VALUES ($1, $2, $3, 'pdq', 8, 0.9, 'original', $4) RETURNING id`,
      [mediaId, caseId, itemId, detail],
    );
    return { id: Number(rows[0].id), mediaId };
  };
  const preview = async (id: number, query = '') => {
    const res = await server.app.inject({ url: `/triage/preview/${id}${query}`, headers: { cookie } });
    if (res.statusCode === 200) served.push(res.rawPayload);
    return res;
  };
  const clearAudits = async (id: number) =>
    (
      await env.db.pool.query(
        `SELECT actor, detail FROM audit_log WHERE action = 'match.preview_clear' AND subject = $1`,
        [`match:${id}`],
      )
    ).rows;

  it('sends the signed-out to sign-in and fetches nothing', async () => {
    const { id } = await seed(site.url('/photo.png'));
    const before = site.requests.length;
    const res = await server.app.inject({ url: `/triage/preview/${id}` });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(`/triage/preview/${id}`)}`);
    expect(site.requests.length).toBe(before);
  });

  it('serves a small blurred greyscale JPEG by default, fetched anew each time and never cached', async () => {
    const { id } = await seed(site.url('/photo.png'));
    const before = site.requests.length;
    const blurred = await preview(id);
    expect(blurred.statusCode).toBe(200);
    expect(blurred.headers['content-type']).toBe('image/jpeg');
    expect(blurred.headers['cache-control']).toBe('no-store');
    expect((await sharp(blurred.rawPayload).metadata()).format).toBe('jpeg');
    const b = await look(blurred.rawPayload);
    expect(Math.max(b.width, b.height)).toBeLessThanOrEqual(PREVIEW_MAX_SIDE);
    expect(b.colour).toBeLessThan(2);
    expect((await preview(id)).statusCode).toBe(200);
    expect(site.requests.length).toBe(before + 2);
    expect(await clearAudits(id)).toEqual([]);
  });

  it('shows the clear, coloured version only when asked, and audits that click', async () => {
    const { id } = await seed(site.url('/photo.png'));
    const clear = await preview(id, '?view=clear');
    expect(clear.statusCode).toBe(200);
    expect(clear.headers['cache-control']).toBe('no-store');
    const c = await look(clear.rawPayload);
    const b = await look((await preview(id)).rawPayload);
    expect(c.colour).toBeGreaterThan(60);
    expect(Buffer.compare(clear.rawPayload, served.at(-1) as Buffer)).not.toBe(0);
    // The blur removes most of the pixel-to-pixel detail of the noisy picture.
    expect(b.edges).toBeLessThan(c.edges / 4);
    expect(await clearAudits(id)).toEqual([{ actor: 'ana@example.org', detail: { outcome: 'shown' } }]);
  });

  it('never shows media that has a decision again: 410 with a calm sentence, nothing fetched', async () => {
    const first = await seed(site.url('/photo.png'));
    const sameMedia = await seed('', {}, { mediaId: first.mediaId, caseIndex: 1 });
    expect((await preview(sameMedia.id)).statusCode).toBe(200);
    await decideMatches(env.db, {
      matchIds: [first.id],
      decision: 'reject',
      reason: 'other',
      actor: 'x@y.org',
    });
    const before = site.requests.length;
    for (const id of [first.id, sameMedia.id]) {
      for (const query of ['', '?view=clear']) {
        const res = await preview(id, query);
        expect(res.statusCode).toBe(410);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['content-type']).toContain('text/plain');
        expect(res.body).toContain('not shown again');
      }
    }
    expect(site.requests.length).toBe(before);
    expect(await clearAudits(sameMedia.id)).toEqual([]);
    const page = await server.app.inject({ url: '/triage', headers: { cookie } });
    expect(page.body).toContain(`<tr data-match="${sameMedia.id}">`);
    expect(page.body).not.toContain(`/triage/preview/${sameMedia.id}`);
    expect(page.body).toContain('Not shown: this media already has a decision.');
    expect((await preview(999_999)).statusCode).toBe(404);
  });

  it('refuses media on a private address with a calm sentence and never connects to it', async () => {
    const { id } = await seed(privateSite.url('/photo.png'));
    const res = await preview(id);
    expect(res.statusCode).toBe(502);
    expect(res.headers['x-preview-problem']).toBe('blocked');
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('private or local network, which hashwatch does not visit');
    // Asking for the clear view is audited with what came of it.
    expect((await preview(id, '?view=clear')).headers['x-preview-problem']).toBe('blocked');
    expect(await clearAudits(id)).toEqual([{ actor: 'ana@example.org', detail: { outcome: 'blocked' } }]);
    expect(privateSite.requests).toEqual([]);
  });

  it('answers gone, too large and not an image with a calm sentence each, never an image', async () => {
    for (const [path, kind, words] of [
      ['/gone.jpg', 'gone', 'no longer at its address'],
      ['/big.png', 'too_large', 'larger than the download limit'],
      ['/page.html', 'not_image', 'did not give an image or a video'],
    ] as const) {
      const res = await preview((await seed(site.url(path))).id);
      expect([res.statusCode, res.headers['x-preview-problem']]).toEqual([502, kind]);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toContain(words);
    }
  });

  it('shows a video as its frame at the first matched time, or says there is no preview', async () => {
    const ranges = [{ startMs: 1000, endMs: 2000 }];
    const timed = await seed(site.url('/clip.mp4'), { video: { ranges } });
    const blurred = await preview(timed.id);
    expect(blurred.statusCode).toBe(200);
    expect((await look(blurred.rawPayload)).colour).toBeLessThan(2);
    const clear = await preview(timed.id, '?view=clear');
    expect((await look(clear.rawPayload)).colour).toBeGreaterThan(20);
    const untimed = await preview((await seed(site.url('/clip.mp4'), { video: null })).id);
    expect([untimed.statusCode, untimed.headers['x-preview-problem']]).toEqual([422, 'video_no_time']);
    expect(untimed.body).toContain('No preview for this video');
  });

  it('ends the download as soon as the preview is answered, not at the deadline', async () => {
    const closed = new Promise<'closed'>((resolve) => heldClosed.push(() => resolve('closed')));
    const ranges = [{ startMs: 1000, endMs: 2000 }];
    const { id } = await seed(site.url('/held.mp4'), { video: { ranges } });
    // Over real HTTP (not inject), where the reply's socket stays open after the answer.
    const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${address}/triage/preview/${id}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    await res.arrayBuffer();
    // The deadline is 10 minutes away and an idle connection is dropped after 15 s; 5 s is a generous
    // bound (it closes within a fraction of a second), not a timing measurement.
    const bound = new Promise<'still open'>((resolve) =>
      setTimeout(() => resolve('still open'), 5_000).unref(),
    );
    expect(await Promise.race([closed, bound])).toBe('closed');
  });

  it('lets a few previews wait for a turn and turns the rest away at once', async () => {
    const slot = slots(1, 1);
    const first = await slot();
    let secondGot = false;
    const second = slot().then((release) => {
      secondGot = true;
      return release;
    });
    expect(await slot()).toBeUndefined();
    expect(secondGot).toBe(false);
    first?.();
    (await second)?.();
    expect(secondGot).toBe(true);
    expect(await slot()).toBeTypeOf('function');
  });

  it('lists previews lazily under the page CSP, with the keyboard shortcuts', async () => {
    const { id } = await seed(site.url('/photo.png'));
    const res = await server.app.inject({ url: '/triage', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toMatch(/img-src 'self'/);
    expect(res.body).toContain(`data-preview="/triage/preview/${id}"`);
    expect(res.body).toContain(`<img src="/triage/preview/${id}" loading="lazy"`);
    expect(res.body).not.toMatch(/<img[^>]+src="https?:/);
    expect(res.body).toContain('<script type="module" src="/assets/triage.js"></script>');
    expect(res.body).toContain('<kbd>j / k</kbd>');
    expect(res.body).toContain('Show clearly');
  });

  it('leaves no preview bytes anywhere in Postgres after all these views', async () => {
    expect(served.length).toBeGreaterThanOrEqual(6);
    const needles = probes([photo, video, ...served]);
    // The probes do find the bytes where they are: the scan can fail.
    expect(scanText((served[0] as Buffer).toString('latin1'), needles)).toBeGreaterThan(0);
    expect(await scanPostgres(env.db.pool, needles)).toEqual({});
  });
});
