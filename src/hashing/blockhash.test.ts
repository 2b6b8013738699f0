/**
 * blockhash against upstream's 16-bit "precise" vectors (test/fixtures/blockhash), decoded through
 * our sharp adapter: PNG bit for bit, JPEG within 2 bits (measured: all 17 exact); and against
 * `blockhash-core`'s `bmvbhash(…, 16)`, which our port must equal exactly on any pixels.
 */
import { readFileSync } from 'node:fs';
import { bmvbhash } from 'blockhash-core';
import { describe, expect, it } from 'vitest';
import { type BlockhashFlip, blockhash, blockhashFlipped } from './blockhash.js';
import { decodeImage } from './decode-image.js';
import { hammingDistanceHex } from './hex.js';

const FIXTURES = new URL('../../test/fixtures/blockhash/', import.meta.url);

/** Minimal CSV: the file quotes fields that contain commas, and nothing else. */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

const [header = '', ...rows] = readFileSync(new URL('blockhash-expected.csv', FIXTURES), 'utf8')
  .trim()
  .split('\n');
const columns = parseCsvLine(header);
const vectors = rows
  .map(
    (row) => Object.fromEntries(parseCsvLine(row).map((v, i) => [columns[i], v])) as Record<string, string>,
  )
  .filter((r) => r.bits === '16' && r.method === '2')
  .map((r) => ({ image: r.image ?? '', expected: r.expected_upstream_txt ?? '' }));

describe('blockhash reference vectors (16 bits per side, precise method)', () => {
  it('covers all 17 upstream images', () => {
    expect(vectors).toHaveLength(17);
    expect(vectors.every((v) => /^[0-9a-f]{64}$/.test(v.expected))).toBe(true);
  });

  it.each(vectors)('$image, and blockhash-core on the same pixels', async ({ image, expected }) => {
    const d = await decodeImage(readFileSync(new URL(`images/${image}`, FIXTURES)));
    const hash = blockhash(d.pixels, d.width, d.height, 4);
    expect(hammingDistanceHex(hash, expected)).toBeLessThanOrEqual(image.endsWith('.png') ? 0 : 2);
    expect(hash).toBe(bmvbhash({ width: d.width, height: d.height, data: d.pixels }, 16));
  });
});

describe('blockhash', () => {
  const width = 97;
  const height = 61;
  const rgb = new Uint8Array(width * height * 3).map((_, i) => ((i * 31) ^ (i >> 7)) & 255);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++)
    rgba.set([rgb[3 * i]!, rgb[3 * i + 1]!, rgb[3 * i + 2]!, 255], 4 * i);

  it('hashes RGB exactly like the same pixels as opaque RGBA', () => {
    expect(blockhash(rgb, width, height, 3)).toBe(blockhash(rgba, width, height, 4));
  });

  it('hashes grey like RGB with three equal channels', () => {
    const grey = rgb.filter((_, i) => i % 3 === 0);
    const expanded = new Uint8Array(grey.length * 3);
    for (const [i, v] of grey.entries()) expanded.set([v, v, v], 3 * i);
    expect(blockhash(grey, width, height, 1)).toBe(blockhash(expanded, width, height, 3));
  });

  it('counts fully transparent pixels as white, as upstream', () => {
    const transparent = rgba.slice();
    const white = rgba.slice();
    for (let i = 0; i < width * 20; i++) {
      transparent[4 * i + 3] = 0;
      white.set([255, 255, 255, 255], 4 * i);
    }
    expect(blockhash(transparent, width, height, 4)).toBe(blockhash(white, width, height, 4));
  });

  it('refuses a buffer too short for the stated size', () => {
    expect(() => blockhash(new Uint8Array(10), 16, 16, 4)).toThrow(RangeError);
    expect(() => blockhash(new Uint8Array(0), 0, 0, 4)).toThrow(RangeError);
  });
});

describe('blockhash equals blockhash-core bmvbhash(…, 16)', () => {
  /** mulberry32: a small seeded generator, so every run tests the same images. */
  function random(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
  }

  type Content = 'noise' | 'photo' | 'flat' | 'transparent';

  /**
   * An RGBA image. `photo`: smooth gradients and waves plus a little noise, so many blocks sit near
   * their band's median. `flat`: one value everywhere (black, white, mid-grey or a colour), where the
   * median tie rule decides. `transparent`: photo-like with runs of fully (alpha 0) and partly
   * transparent pixels; other contents are opaque.
   */
  function makeRgba(width: number, height: number, content: Content, seed: number): Uint8Array {
    const next = random(seed);
    const rgba = new Uint8Array(width * height * 4);
    const flat = [0, 255, 127, 128, 200][seed % 5]!;
    const phase = next() * 6;
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i += 4) {
        for (let c = 0; c < 3; c++) {
          let v: number;
          if (content === 'noise') v = next() * 256;
          else if (content === 'flat') v = flat === 200 ? [200, 30, 90][c]! : flat;
          else {
            const smooth =
              (80 * x) / width + (60 * y) / height + 60 * Math.sin(x / 9 + phase + c) * Math.cos(y / 13);
            v = 60 + smooth + (next() - 0.5) * 6;
          }
          rgba[i + c] = Math.max(0, Math.min(255, Math.round(v)));
        }
        rgba[i + 3] = 255;
        if (content === 'transparent') {
          const r = next();
          if (x % 7 < 3 && y % 5 < 2) rgba[i + 3] = 0;
          else if (r < 0.15) rgba[i + 3] = 0;
          else if (r < 0.3) rgba[i + 3] = 1 + Math.floor(next() * 254);
        }
      }
    }
    return rgba;
  }

  /** The first `channels` bytes of every RGBA pixel: grey (red only) or RGB. */
  function dropChannels(rgba: Uint8Array, channels: 1 | 3): Uint8Array {
    const out = new Uint8Array((rgba.length / 4) * channels);
    for (let p = 0, q = 0; p < rgba.length; p += 4)
      for (let c = 0; c < channels; c++) out[q++] = rgba[p + c]!;
    return out;
  }

  /** The library's input for grey or RGB pixels: opaque RGBA. */
  function opaqueRgba(pixels: Uint8Array, channels: 1 | 3): Uint8Array {
    const out = new Uint8Array((pixels.length / channels) * 4);
    for (let p = 0, q = 0; p < pixels.length; p += channels, q += 4) {
      out[q] = pixels[p]!;
      out[q + 1] = pixels[p + (channels >> 1)]!;
      out[q + 2] = pixels[p + channels - 1]!;
      out[q + 3] = 255;
    }
    return out;
  }

  /** The same bytes at a given byte offset into a larger buffer (exercises unaligned reads). */
  function atOffset(pixels: Uint8Array, offset: number): Uint8Array {
    const buffer = new Uint8Array(pixels.length + offset + 3);
    buffer.set(pixels, offset);
    return buffer.subarray(offset, offset + pixels.length);
  }

  function expectLibraryHash(rgba: Uint8Array, width: number, height: number, offset = 0): void {
    const library = (data: Uint8Array) => bmvbhash({ width, height, data }, 16);
    const grey = dropChannels(rgba, 1);
    const rgb = dropChannels(rgba, 3);
    expect(blockhash(atOffset(rgba, offset), width, height, 4), 'RGBA').toBe(library(rgba));
    expect(blockhash(atOffset(rgb, offset), width, height, 3), 'RGB').toBe(library(opaqueRgba(rgb, 3)));
    expect(blockhash(atOffset(grey, offset), width, height, 1), 'grey').toBe(library(opaqueRgba(grey, 1)));
  }

  const fixedSizes: [number, number][] = [
    [1, 1],
    [1, 16],
    [16, 1],
    [2, 3],
    [15, 17],
    [17, 15],
    [16, 16],
    [32, 16],
    [31, 64],
    [64, 31],
    [48, 80],
    [97, 61],
    [61, 97],
    [255, 3],
    [3, 255],
    [160, 160],
    [257, 263],
  ];
  const contents: Content[] = ['noise', 'photo', 'flat', 'transparent'];
  const next = random(2024);
  const randomSizes: [number, number][] = Array.from({ length: 80 }, (_, i) => {
    const side = () => 1 + Math.floor(next() * (i % 4 === 0 ? 40 : 320));
    const multipleOf16 = () => 16 * Math.ceil(side() / 16);
    // Some with both sides multiples of 16 (the library's even path), some with one.
    return i % 5 === 0
      ? [multipleOf16(), multipleOf16()]
      : i % 5 === 1
        ? [multipleOf16(), side()]
        : [side(), side()];
  });
  const cases = [...fixedSizes, ...randomSizes].flatMap(([width, height], i) =>
    contents.map((content, j) => ({ width, height, content, seed: 4 * i + j, offset: `${(i + j) % 4}` })),
  );

  it.each(cases)(
    '$width×$height $content, byte offset $offset',
    ({ width, height, content, seed, offset }) => {
      expectLibraryHash(makeRgba(width, height, content, seed), width, height, Number(offset));
    },
  );

  it.each([
    [1000, 1000, 'photo'],
    [1001, 999, 'photo'],
    [1000, 1000, 'transparent'],
    [999, 1001, 'flat'],
  ] as const)('%i×%i %s', (width, height, content) => {
    expectLibraryHash(makeRgba(width, height, content, width + height), width, height);
  });

  it('reads a few grey pixels at the unaligned end of their buffer', () => {
    // Too short to hold an aligned word: no word view can be made past the buffer's end.
    for (const [width, height] of [
      [1, 1],
      [2, 1],
      [1, 3],
    ] as const) {
      const grey = new Uint8Array(width * height).map((_, i) => 40 + 70 * i);
      const buffer = new Uint8Array(1 + grey.length);
      buffer.set(grey, 1);
      expect(blockhash(buffer.subarray(1), width, height, 1)).toBe(
        bmvbhash({ width, height, data: opaqueRgba(grey, 1) }, 16),
      );
    }
  });

  it('accepts Uint8ClampedArray (canvas ImageData)', () => {
    const rgba = makeRgba(97, 61, 'transparent', 7);
    expect(blockhash(new Uint8ClampedArray(rgba), 97, 61, 4)).toBe(
      bmvbhash({ width: 97, height: 61, data: rgba }, 16),
    );
  });

  /** The RGBA pixels flipped left-right (`flipY`), upside down (`flipX`) or both (`rotate180`). */
  function flipPixels(rgba: Uint8Array, width: number, height: number, flip: BlockhashFlip): Uint8Array {
    const out = new Uint8Array(rgba.length);
    const mirror = flip !== 'flipX';
    const upsideDown = flip !== 'flipY';
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const from = ((upsideDown ? height - 1 - y : y) * width + (mirror ? width - 1 - x : x)) * 4;
        out.set(rgba.subarray(from, from + 4), (y * width + x) * 4);
      }
    }
    return out;
  }

  it.each(['flipY', 'flipX', 'rotate180'] as const)(
    "derives the %s image's hash from the bits: exact on a symmetric block grid, close otherwise",
    (flip) => {
      for (const [width, height, seed] of [
        [64, 48, 1],
        [160, 96, 2],
        [320, 240, 3],
      ] as const) {
        const rgba = makeRgba(width, height, 'photo', seed);
        const flipped = blockhash(flipPixels(rgba, width, height, flip), width, height, 4);
        expect(blockhashFlipped(blockhash(rgba, width, height, 4), flip)).toBe(flipped);
        // Flipping twice is the identity.
        expect(blockhashFlipped(blockhashFlipped(flipped, flip), flip)).toBe(flipped);
      }
      for (const [width, height, seed] of [
        [97, 61, 4],
        [1001, 999, 5],
      ] as const) {
        const rgba = makeRgba(width, height, 'photo', seed);
        const flipped = blockhash(flipPixels(rgba, width, height, flip), width, height, 4);
        const derived = blockhashFlipped(blockhash(rgba, width, height, 4), flip);
        expect(hammingDistanceHex(derived, flipped)).toBeLessThanOrEqual(4);
      }
    },
  );
});
