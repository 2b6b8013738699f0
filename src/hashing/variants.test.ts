import { readdirSync, readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from './decode-image.js';
import { hashImageBytes } from './hash-image.js';
import { hammingDistanceHex } from './hex.js';
import { cropImage, type RawImage, trimBorders } from './image-prep.js';
import { lumaRegion, lumaView, pdqHash, pdqHashOfLuma, pdqTurnsOfLuma } from './pdq.js';
import {
  cropBoxes,
  cropSpec,
  MIN_VARIANT_SIDE,
  pdqWithVariants,
  REGISTRATION_CROPS,
  REGISTRATION_TURNS,
  registrationVariants,
  turnLuma,
  turnVariants,
  untrimmedVariants,
} from './variants.js';

const PHOTOS = new URL('../../test/fixtures/photos/', import.meta.url);
const LABELME = new URL('../../test/fixtures/pdq/images/reg-test-input/labelme-subset/', import.meta.url);
const MATCH_THRESHOLD = 31; // DEFAULT_MATCH_POLICY.pdqThreshold (registry is not imported from hashing)

/** Opaque RGBA noise-free gradient with some structure, for the geometry-only tests. */
function synthetic(width: number, height: number): RawImage {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      pixels[p] = (x * 255) / width;
      pixels[p + 1] = (y * 255) / height;
      pixels[p + 2] = ((x ^ y) & 16) * 8;
      pixels[p + 3] = 255;
    }
  }
  return { pixels, width, height, channels: 4 };
}

/** The crawler's view of a copy: nearest of its 8 dihedral hashes to `registered`. */
function queryDistance(query: Record<string, string>, registered: string): number {
  return Math.min(...Object.values(query).map((h) => hammingDistanceHex(h, registered)));
}

describe('turnVariants', () => {
  it('hash exactly what sharp makes of the turned pixels: flop, rotate(270) and rotate(90)', async () => {
    // Row names must pass the API's variant pattern, or a registry file would be refused.
    for (const name of REGISTRATION_TURNS) expect(name).toMatch(/^[a-z0-9-]{1,32}$/);
    const img = synthetic(157, 96);
    const rawOpts = { raw: { width: 157, height: 96, channels: 4 as const } };
    const turned = async (f: (s: Sharp) => Sharp) => {
      const { data, info } = await f(sharp(img.pixels, rawOpts)).raw().toBuffer({ resolveWithObject: true });
      return pdqHash(new Uint8Array(data), info.width, info.height, 4);
    };
    const expected = {
      mirror: await turned((s) => s.flop()),
      rotate90: await turned((s) => s.rotate(270)), // anticlockwise
      rotate270: await turned((s) => s.rotate(90)), // clockwise
    };
    const v = turnVariants(img);
    expect(v.map((x) => x.name)).toEqual([...REGISTRATION_TURNS]);
    for (const x of v)
      expect({ hash: x.pdq, quality: x.pdqQuality }).toEqual(expected[x.name as keyof typeof expected]);
    // The same from a luminance region (what hashImageBytes passes) as from the pixels.
    expect(turnVariants(lumaView(img.pixels, 157, 96, 4))).toEqual(v);
    expect(turnLuma(lumaView(img.pixels, 157, 96, 4), 'rotate90')).toMatchObject({ width: 96, height: 157 });
  });

  it('gives nothing for tiny images', () => {
    expect(turnVariants(synthetic(MIN_VARIANT_SIDE - 1, 200))).toEqual([]);
  });

  it('from one filtering (pdqTurnsOfLuma) hashes as the turned pixels do, on photos and on noise', async () => {
    // 157×96 above is too small for the shared filtering and took the turned pixels' path, as does
    // an image of exactly 64×64 (PDQ hashes it unfiltered).
    expect(pdqTurnsOfLuma(lumaView(synthetic(157, 96).pixels, 157, 96, 4))).toBeNull();
    const tiny = synthetic(64, 64);
    expect(pdqTurnsOfLuma(lumaView(tiny.pixels, 64, 64, 4))).toBeNull();
    const small = await hashImageBytes(
      await sharp(tiny.pixels, { raw: { width: 64, height: 64, channels: 4 } })
        .png()
        .toBuffer(),
      {
        variants: true,
      },
    );
    expect(small.pdq).toBe(pdqHash(tiny.pixels, 64, 64, 4).hash);
    let seed = 7;
    const noise = new Uint8Array(701 * 523 * 3).map(() => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    });
    const photo = await sharp(readFileSync(new URL('mate-aqua.jpg', PHOTOS)))
      .resize(1000, 750, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const images = [
      lumaView(photo.data, 1000, 750, 3),
      lumaView(noise, 701, 523, 3), // odd and even filter windows, and a texture
      lumaView(
        new Uint8Array(640 * 480).map(
          (_, p) => ((p % 640) * 7 + ((p / 640) | 0) * 3) ^ ((p % 640) * ((p / 640) | 0)),
        ),
        640,
        480,
        1,
      ),
    ];
    // Not `synthetic`: its DCT has dozens of coefficients within rounding of the median, so any
    // float difference (the mirrored running sums' 0.001) moves its hash by tens of bits. Photos and
    // textures keep their coefficients well apart (0 bits on every fixture image).

    for (const view of images) {
      const fast = pdqTurnsOfLuma(view);
      expect(fast).not.toBeNull();
      expect(fast?.original).toEqual(pdqHashOfLuma(view));
      for (const turn of REGISTRATION_TURNS) {
        const slow = pdqHashOfLuma(turnLuma(view, turn));
        // Equal up to float rounding of the running sums, which may flip a coefficient at the median.
        expect(hammingDistanceHex(fast?.[turn].hash ?? '', slow.hash)).toBeLessThanOrEqual(2);
        expect(Math.abs((fast?.[turn].quality ?? -1) - slow.quality)).toBeLessThanOrEqual(1);
      }
      expect(turnVariants(view).map((v) => v.pdq)).toEqual(REGISTRATION_TURNS.map((t) => fast?.[t].hash));
    }
  });
});

describe('registrationVariants', () => {
  it('returns the standard crops, named and in order, the same on every call', () => {
    const img = synthetic(300, 200);
    const a = registrationVariants(img);
    expect(a.map((v) => v.name)).toEqual([
      'crop-c05',
      'crop-c10',
      'crop-l15',
      'crop-r15',
      'crop-t15',
      'crop-b15',
    ]);
    expect(a.map((v) => v.name)).toEqual(REGISTRATION_CROPS.map((c) => c.name));
    for (const v of a) {
      expect(v.pdq).toMatch(/^[0-9a-f]{64}$/);
      expect(v.pdqQuality).toBeGreaterThanOrEqual(0);
      expect(v.pdqQuality).toBeLessThanOrEqual(100);
    }
    expect(registrationVariants(img)).toEqual(a);
    // Different crops of a structured image hash differently, or a variant would be a wasted row.
    expect(new Set(a.map((v) => v.pdq)).size).toBe(a.length);
  });

  it('names crops by kind and two-digit percentage', () => {
    expect(cropSpec('c', 5)).toEqual({ name: 'crop-c05', left: 0.05, top: 0.05, right: 0.05, bottom: 0.05 });
    expect(cropSpec('r', 15)).toEqual({ name: 'crop-r15', left: 0, top: 0, right: 0.15, bottom: 0 });
  });

  it('skips crops that would be degenerate on small images', () => {
    expect(registrationVariants(synthetic(40, 40))).toEqual([]);
    expect(registrationVariants(synthetic(MIN_VARIANT_SIDE + 5, MIN_VARIANT_SIDE + 5))).toEqual([]);
    // 64 px wide: any crop of the width falls under the minimum; top and bottom crops remain.
    const tall = registrationVariants(synthetic(MIN_VARIANT_SIDE, 300));
    expect(tall.map((v) => v.name)).toEqual(['crop-t15', 'crop-b15']);
    // A crop that rounds to no pixels at all would only repeat the original's hash.
    expect(registrationVariants(synthetic(100, 100), [cropSpec('c', 0)])).toEqual([]);
  });
});

describe("crops read from the image's own filtering", () => {
  /** Each fixture photo as registration prepares it: decoded, trimmed, as luminance. */
  async function preparedPhotos() {
    // Every third photo keeps the test quick; the evaluation measures all of them.
    const names = readdirSync(PHOTOS)
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .filter((_, i) => i % 3 === 0);
    return Promise.all(
      names.map(async (name) => {
        const d = await decodeImage(readFileSync(new URL(name, PHOTOS)));
        const { image } = trimBorders({
          pixels: d.pixels,
          width: d.width,
          height: d.height,
          channels: d.channels,
        });
        return { name, luma: lumaView(image.pixels, image.width, image.height, image.channels) };
      }),
    );
  }

  it('land within a few bits of hashing the cropped pixels, on fixture photos', async () => {
    const distances: number[] = [];
    for (const { name, luma } of await preparedPhotos()) {
      const shared = registrationVariants(luma);
      const boxes = cropBoxes(luma.width, luma.height, REGISTRATION_CROPS);
      expect(
        shared.map((v) => v.name),
        name,
      ).toEqual(boxes.map((b) => b.name));
      boxes.forEach(({ box }, i) => {
        const exact = pdqHashOfLuma(lumaRegion(luma, box));
        distances.push(hammingDistanceHex(shared[i]!.pdq, exact.hash));
        expect(Math.abs(shared[i]!.pdqQuality - exact.quality), name).toBeLessThanOrEqual(10);
      });
    }
    distances.sort((a, b) => a - b);
    // Measured on these 10 photos (60 crops): median 0, 90th percentile 8, max 12 bits; over the 45
    // evaluation photos of ≥ 300 px, median 2, max 18. The match threshold is 31.
    expect(distances[Math.floor(distances.length / 2)]).toBeLessThanOrEqual(2);
    expect(distances.at(-1)).toBeLessThanOrEqual(16);
  });

  it('hash the cropped pixels where the filtering cannot be shared (a side of 129–256 px)', () => {
    const img = synthetic(200, 300);
    expect(pdqTurnsOfLuma(lumaView(img.pixels, 200, 300, 4))).toBeNull();
    const luma = lumaView(img.pixels, 200, 300, 4);
    const exact = cropBoxes(200, 300, REGISTRATION_CROPS).map(
      (c) => pdqHashOfLuma(lumaRegion(luma, c.box)).hash,
    );
    expect(registrationVariants(img).map((v) => v.pdq)).toEqual(exact);
  });

  it("come with the image's own PDQ, bit for bit, and its turns", () => {
    const img = synthetic(420, 300);
    const { own, variants } = pdqWithVariants(img);
    expect(own).toEqual(pdqHash(img.pixels, 420, 300, 4));
    expect(variants.map((v) => v.name)).toEqual([
      ...REGISTRATION_CROPS.map((c) => c.name),
      ...REGISTRATION_TURNS,
    ]);
    expect(variants.slice(0, 6)).toEqual(registrationVariants(img));
    expect(variants.slice(6)).toEqual(turnVariants(img));
    // A choice of crops and no turns, as the evaluation asks for.
    const some = pdqWithVariants(img, { crops: [cropSpec('c', 5)], turns: [] });
    expect(some.variants).toEqual(registrationVariants(img, [cropSpec('c', 5)]));
  });

  it('fall back to hashing the crops on every path where the filtering cannot be shared', () => {
    const img = synthetic(200, 300);
    const luma = lumaView(img.pixels, 200, 300, 4);
    const { own, variants } = pdqWithVariants(img);
    expect(own).toEqual(pdqHash(img.pixels, 200, 300, 4));
    const exact = cropBoxes(200, 300, REGISTRATION_CROPS).map(
      (c) => pdqHashOfLuma(lumaRegion(luma, c.box)).hash,
    );
    expect(variants.slice(0, 6).map((v) => v.pdq)).toEqual(exact);
    expect(variants.slice(6).map((v) => v.name)).toEqual([...REGISTRATION_TURNS]);
  });

  it('read a box covering the whole image exactly as the image itself', () => {
    for (const [w, h] of [
      [300, 300],
      [421, 317],
      [1000, 64],
    ] as const) {
      const luma = lumaView(synthetic(w, h).pixels, w, h, 4);
      const family = pdqTurnsOfLuma(luma, [{ left: 0, top: 0, width: w, height: h }]);
      expect(family?.boxes[0]).toEqual(family?.original);
    }
  });

  it('refuse a result computed for another set of crops', () => {
    const img = synthetic(300, 300);
    const family = pdqTurnsOfLuma(lumaView(img.pixels, 300, 300, 4));
    expect(() => registrationVariants(img, REGISTRATION_CROPS, family)).toThrow(/0 shared crops for 6 crops/);
  });

  it('refuses a box outside the image', () => {
    const luma = lumaView(synthetic(300, 300).pixels, 300, 300, 4);
    expect(() => pdqTurnsOfLuma(luma, [{ left: 250, top: 0, width: 100, height: 100 }])).toThrow(/outside/);
    expect(() => pdqTurnsOfLuma(luma, [{ left: 0, top: 0, width: 0, height: 100 }])).toThrow(/non-empty/);
    expect(() => pdqTurnsOfLuma(luma, [{ left: 0.5, top: 0, width: 10, height: 10 }])).toThrow(
      /pixel rectangle/,
    );
    expect(() => pdqTurnsOfLuma(luma, [{ left: Number.NaN, top: 0, width: 10, height: 10 }])).toThrow(
      /pixel/,
    );
  });
});

describe('untrimmedVariants', () => {
  it('are the PDQ of the whole image and its crops, only when trimming removed something', () => {
    const full = synthetic(300, 200);
    expect(untrimmedVariants(full, full)).toEqual([]);
    const trimmed = cropImage(full, { left: 0, top: 10, width: 300, height: 180 });
    const whole = pdqHash(full.pixels, 300, 200, 4);
    const v = untrimmedVariants(full, trimmed);
    expect(v[0]).toEqual({ name: 'untrimmed', pdq: whole.hash, pdqQuality: whole.quality });
    expect(v.slice(1)).toEqual(
      registrationVariants(full).map((c) => ({ ...c, name: `untrimmed-${c.name}` })),
    );
    for (const { name } of v) expect(name).toMatch(/^[a-z0-9-]{1,32}$/); // the API's variant pattern
  });

  it('match a crop of the file as it is, border and all', async () => {
    // An upstream test photo that trimming cuts 12 px from the left and 8 from the bottom of: a 5%
    // crop of the file is 11 px off the same crop of the trimmed image.
    const original = readFileSync(new URL('q0291.jpg', LABELME));
    const registered = await hashImageBytes(original, { variants: true });
    expect(registered.hashedBox).toEqual({ left: 12, top: 0, width: 244, height: 248 });
    const copy = await sharp(original)
      .extract({ left: 13, top: 13, width: 230, height: 230 })
      .jpeg()
      .toBuffer();
    const crawled = await hashImageBytes(copy, { dihedral: true });
    const pdqOf = (name: string) => registered.variants?.find((v) => v.name === name)?.pdq ?? '';
    expect(queryDistance(crawled.pdqDihedral ?? {}, pdqOf('untrimmed-crop-c05'))).toBeLessThanOrEqual(
      MATCH_THRESHOLD,
    );
    expect(queryDistance(crawled.pdqDihedral ?? {}, pdqOf('crop-c05'))).toBeGreaterThan(MATCH_THRESHOLD);
  });

  it('matches a copy whose re-encoded edge bar is no longer trimmed', async () => {
    // An upstream test photo with an 8 px bar on the right that trimming removes; at JPEG quality 30
    // the bar is too noisy to pass the trimming rule, so the copy is hashed with it.
    const original = readFileSync(new URL('q1050.jpg', LABELME));
    const registered = await hashImageBytes(original, { variants: true });
    expect(registered.hashedBox).toEqual({ left: 0, top: 0, width: 248, height: 256 });
    expect(registered.variants?.map((v) => v.name)).toEqual([
      ...REGISTRATION_CROPS.map((c) => c.name),
      ...REGISTRATION_TURNS,
      'untrimmed',
      ...REGISTRATION_CROPS.map((c) => `untrimmed-${c.name}`),
    ]);
    const crawled = await hashImageBytes(await sharp(original).jpeg({ quality: 30 }).toBuffer(), {
      dihedral: true,
    });
    const untrimmed = registered.variants?.find((v) => v.name === 'untrimmed')?.pdq ?? '';
    expect(queryDistance(crawled.pdqDihedral ?? {}, untrimmed)).toBeLessThanOrEqual(MATCH_THRESHOLD);
    expect(queryDistance(crawled.pdqDihedral ?? {}, registered.pdq)).toBeGreaterThan(MATCH_THRESHOLD);
  });
});

describe('hashImageBytes with variants', () => {
  let original: Buffer;
  let width: number;
  let height: number;

  beforeAll(async () => {
    // 800 px wide keeps the test fast; registration hashes whatever size the survivor has.
    original = await sharp(readFileSync(new URL('mate-garden.jpg', PHOTOS)))
      .resize(800)
      .jpeg({ quality: 92 })
      .toBuffer();
    ({ width, height } = await sharp(original).metadata());
  });

  it('adds variants only on request', async () => {
    expect((await hashImageBytes(original)).variants).toBeUndefined();
    const h = await hashImageBytes(original, { variants: true });
    expect(h.variants?.map((v) => v.name)).toEqual([
      ...REGISTRATION_CROPS.map((c) => c.name),
      ...REGISTRATION_TURNS,
    ]);
  });

  it.each([
    ['centre crop of 10% per side', 'crop-c10', { left: 0.1, top: 0.1, right: 0.1, bottom: 0.1 }],
    ['crop of 15% from the left', 'crop-l15', { left: 0.15, top: 0, right: 0, bottom: 0 }],
  ])('matches a %s through %s, which the plain original misses', async (_label, name, f) => {
    const left = Math.round(width * f.left);
    const top = Math.round(height * f.top);
    const copy = await sharp(original)
      .extract({
        left,
        top,
        width: width - left - Math.round(width * f.right),
        height: height - top - Math.round(height * f.bottom),
      })
      .jpeg({ quality: 85 })
      .toBuffer();
    const registered = await hashImageBytes(original, { variants: true });
    const crawled = await hashImageBytes(copy, { dihedral: true });
    const variant = registered.variants?.find((v) => v.name === name);
    expect(variant).toBeDefined();
    expect(queryDistance(crawled.pdqDihedral ?? {}, variant?.pdq ?? '')).toBeLessThanOrEqual(MATCH_THRESHOLD);
    expect(queryDistance(crawled.pdqDihedral ?? {}, registered.pdq)).toBeGreaterThan(MATCH_THRESHOLD);
  });
});
