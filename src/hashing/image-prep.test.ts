import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { hammingDistanceHex } from './hex.js';
import { cropImage, findContentBox, type RawImage, reducedSize, trimBorders } from './image-prep.js';
import { pdqHash } from './pdq.js';

const FIXTURES = new URL('../../test/fixtures/pdq/', import.meta.url);
const PHOTO = readFileSync(new URL('images/bridge-mods/aaa-orig.jpg', FIXTURES));

async function raw(input: Buffer | Sharp): Promise<RawImage> {
  const s: Sharp = Buffer.isBuffer(input) ? sharp(input) : input;
  const { data, info } = await s.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data), width: info.width, height: info.height, channels: 4 };
}

const pdq = (img: RawImage): string => pdqHash(img.pixels, img.width, img.height, img.channels).hash;

let photo: RawImage; // 800×502, as a re-encoded copy would be
let photoJpeg: Buffer;

beforeAll(async () => {
  photoJpeg = await sharp(PHOTO).resize(800, 502).jpeg({ quality: 85 }).toBuffer();
  photo = await raw(photoJpeg);
});

describe('trimBorders', () => {
  it('removes a 12% black letterbox from a JPEG and restores the hash', async () => {
    const bar = Math.round(502 * 0.12);
    const boxed = await raw(
      await sharp(photoJpeg)
        .extend({ top: bar, bottom: bar, background: '#000' })
        .jpeg({ quality: 80 })
        .toBuffer(),
    );
    const { image, box } = trimBorders(boxed);
    expect(Math.abs(box.top - bar)).toBeLessThanOrEqual(2);
    expect(Math.abs(box.top + box.height - (bar + 502))).toBeLessThanOrEqual(2);
    expect(box).toMatchObject({ left: 0, width: 800 });
    expect(hammingDistanceHex(pdq(image), pdq(photo))).toBeLessThanOrEqual(8);
    // Without trimming the bars dominate: this is what the step is for.
    expect(hammingDistanceHex(pdq(boxed), pdq(photo))).toBeGreaterThan(40);
  });

  it('removes white pillarbox bars and a uniform coloured frame', async () => {
    const pillar = await raw(
      await sharp(photoJpeg).extend({ left: 90, right: 90, background: '#fff' }).png().toBuffer(),
    );
    expect(findContentBox(pillar)).toEqual({ left: 90, top: 0, width: 800, height: 502 });
    const framed = await raw(
      sharp(photoJpeg).extend({ top: 25, bottom: 25, left: 25, right: 25, background: '#3a6f9c' }),
    );
    expect(findContentBox(framed)).toEqual({ left: 25, top: 25, width: 800, height: 502 });
  });

  it('treats a transparent border as white, whatever colour it stores', async () => {
    const img = await raw(
      sharp(photoJpeg).extend({ top: 40, bottom: 40, background: { r: 200, g: 0, b: 0, alpha: 0 } }),
    );
    const box = findContentBox(img);
    expect(box).toEqual({ left: 0, top: 40, width: 800, height: 502 });
  });

  it('recovers the upstream letterboxed sample exactly', async () => {
    const boxed = await raw(readFileSync(new URL('ptx/letterboxed_sample-b.jpg', FIXTURES)));
    const { image, box } = trimBorders(boxed);
    expect(box).toEqual({ left: 200, top: 200, width: 1600, height: 1004 });
    expect(pdq(image)).toBe(pdq(await raw(PHOTO)));
  });

  it('trims a blended transition line left between a bar and the picture, with the bar', () => {
    // A 20-line black bar, one line that is mostly bar (10% of it picture-bright, as JPEG leaves a
    // bar's last line), then the picture: that line is neither bar nor a clear edge.
    const w = 200;
    const h = 120;
    const pixels = new Uint8Array(w * h * 4).fill(255);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = (y * w + x) * 4;
        const v = y < 20 ? 0 : y === 20 ? (x % 10 === 0 ? 180 : 12) : 150 + ((x * 7 + y * 3) % 90);
        pixels.fill(v, p, p + 3);
      }
    }
    const img: RawImage = { pixels, width: w, height: h, channels: 4 };
    expect(findContentBox(img)).toEqual({ left: 0, top: 21, width: w, height: h - 21 });
    // The stricter rule (no lookahead) keeps the whole side, as before.
    expect(findContentBox(img, { edgeLookahead: 0 })).toEqual({ left: 0, top: 0, width: w, height: h });
  });

  it('leaves photos without borders alone', () => {
    expect(findContentBox(photo)).toEqual({ left: 0, top: 0, width: 800, height: 502 });
  });

  it('never trims a flat image, nor an image to nothing', async () => {
    const flat = await raw(
      sharp({ create: { width: 300, height: 200, channels: 3, background: '#101010' } }),
    );
    expect(findContentBox(flat)).toEqual({ left: 0, top: 0, width: 300, height: 200 });
    const tiny = await raw(sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }));
    expect(findContentBox(tiny)).toEqual({ left: 0, top: 0, width: 2, height: 2 });
  });

  it('keeps a side whose uniform run passes 40% (a flat area, not a bar)', async () => {
    const small = await sharp(photoJpeg).resize(200, 100).toBuffer();
    const img = await raw(sharp(small).extend({ top: 300, bottom: 20, background: '#000' }));
    const box = findContentBox(img);
    expect(box.top).toBe(0);
    expect(box.top + box.height).toBe(400);
  });

  it('does not cut into a smooth gradient such as a clear sky', async () => {
    const w = 400;
    const h = 300;
    const px = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 4;
        // Sky fading slowly from the top edge, then a textured ground.
        const v = y < 180 ? 120 + y * 0.4 : ((x * 7) ^ (y * 13)) & 255;
        px.set([v * 0.6, v * 0.8, Math.min(255, v + 60), 255], i);
      }
    }
    expect(findContentBox({ pixels: px, width: w, height: h, channels: 4 })).toEqual({
      left: 0,
      top: 0,
      width: w,
      height: h,
    });
  });
});

describe('cropImage', () => {
  it('copies exactly the pixels inside the box, and returns the image itself for a full box', () => {
    const w = 5;
    const h = 4;
    const img: RawImage = {
      pixels: Uint8Array.from({ length: w * h * 3 }, (_, i) => i),
      width: w,
      height: h,
      channels: 3,
    };
    const out = cropImage(img, { left: 1, top: 2, width: 3, height: 2 });
    expect(out).toMatchObject({ width: 3, height: 2, channels: 3 });
    expect([...out.pixels]).toEqual([...img.pixels.subarray(33, 42), ...img.pixels.subarray(48, 57)]);
    expect(cropImage(img, { left: 0, top: 0, width: w, height: h })).toBe(img);
  });
});

describe('reducedSize', () => {
  it('keeps images up to the limit and shrinks larger ones to fit, keeping the aspect', () => {
    expect(reducedSize(2048, 2048, 2048 * 2048)).toBeNull();
    const r = reducedSize(4032, 3024, 2048 * 2048);
    expect(r).toEqual({ width: 2364, height: 1773 });
    expect((r?.width ?? 0) * (r?.height ?? 0)).toBeLessThanOrEqual(2048 * 2048);
    expect(reducedSize(100_000, 10, 1000)).toEqual({ width: 3162, height: 1 });
  });
});
