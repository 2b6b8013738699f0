import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hammingDistanceHex } from './hex.js';
import { cropImage } from './image-prep.js';
import {
  DIHEDRAL_NAMES,
  lumaRegion,
  lumaView,
  PDQ_EMPTY_HASH,
  pdqHash,
  pdqHashFromLuma,
  pdqHashOfLuma,
  pdqHashWithDihedrals,
  pdqHashWithDihedralsOfLuma,
} from './pdq.js';
import { DCT_MATRIX, torbenMedian } from './pdq-dct.js';
import { compositeOverWhite, fillLuma } from './pdq-luma.js';

const f = Math.fround;

/** A deterministic RGB test image with structure at several scales. */
function pattern(width: number, height: number, seed = 1): Uint8Array {
  const px = new Uint8Array(width * height * 3);
  let s = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const i = (y * width + x) * 3;
      px[i] = (x * 255) / width;
      px[i + 1] = ((x ^ y) & 32 ? 200 : 40) + (s >>> 29);
      px[i + 2] = 128 + 100 * Math.sin((x + 2 * y) / 37);
    }
  }
  return px;
}

function toRgba(rgb: Uint8Array, alpha = 255): Uint8Array {
  const out = new Uint8Array((rgb.length / 3) * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    out.set(rgb.subarray(i, i + 3), j);
    out[j + 3] = alpha;
  }
  return out;
}

describe('luminance', () => {
  it('is the reference float32 formula, bit for bit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 3, maxLength: 3 }), ([r = 0, g = 0, b = 0]) => {
        const out = new Float32Array(1);
        fillLuma(new Uint8Array([r, g, b]), 1, 1, 3, out);
        return out[0] === f(f(f(f(0.299) * r) + f(f(0.587) * g)) + f(f(0.114) * b));
      }),
    );
  });

  it('is the reference formula for every (R, G) pair and every B, on the word-reading paths', () => {
    // 65 536 pixels: every (R, G) once, B cycling through all 256 values; RGB and opaque RGBA.
    const rgb = new Uint8Array(65536 * 3);
    for (let i = 0; i < 65536; i++) rgb.set([i & 255, i >> 8, (i * 7) & 255], i * 3);
    for (const [px, ch] of [
      [rgb, 3],
      [toRgba(rgb), 4],
    ] as const) {
      const out = new Float32Array(65536);
      fillLuma(px, 256, 256, ch, out);
      for (let i = 0; i < 65536; i++) {
        const [r, g, b] = [i & 255, i >> 8, (i * 7) & 255];
        const expected = f(f(f(f(0.299) * r) + f(f(0.587) * g)) + f(f(0.114) * b));
        if (out[i] !== expected) throw new Error(`channels ${ch}: luma of (${r}, ${g}, ${b}) is ${out[i]}`);
      }
    }
  });

  it('reads word-aligned and unaligned buffers alike, for RGB and RGBA', () => {
    const rgb = pattern(37, 11);
    for (const [px, ch] of [
      [rgb, 3],
      [toRgba(rgb), 4],
    ] as const) {
      const aligned = new Float32Array(37 * 11);
      fillLuma(px, 37, 11, ch, aligned);
      const backing = new Uint8Array(px.length + 1);
      backing.set(px, 1);
      const unaligned = new Float32Array(37 * 11);
      fillLuma(backing.subarray(1), 37, 11, ch, unaligned);
      expect(unaligned).toEqual(aligned);
    }
  });

  it('composites translucent pixels over white with integer rounding', () => {
    expect(compositeOverWhite(0, 0)).toBe(255);
    expect(compositeOverWhite(17, 255)).toBe(17);
    expect(compositeOverWhite(0, 128)).toBe(127);
    expect(compositeOverWhite(100, 51)).toBe(224);
  });
});

describe('torbenMedian', () => {
  it('returns the lower median, as the reference', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 256, maxLength: 256 }),
        (xs) => {
          const m = Float32Array.from(xs);
          const sorted = m.slice().sort();
          return torbenMedian(m) === sorted[127];
        },
      ),
    );
  });
});

describe('DCT matrix', () => {
  it('has orthonormal rows (a DCT-II basis without the DC row)', () => {
    for (let i = 0; i < 16; i++) {
      for (let k = 0; k < 16; k++) {
        let dot = 0;
        for (let j = 0; j < 64; j++) dot += DCT_MATRIX[i * 64 + j]! * DCT_MATRIX[k * 64 + j]!;
        expect(dot).toBeCloseTo(i === k ? 1 : 0, 5);
      }
    }
  });
});

describe('pdqHash', () => {
  it('gives 64 hex digits with half the bits set, and a quality', () => {
    const { hash, quality } = pdqHash(pattern(320, 240), 320, 240, 3);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const ones = [...hash].reduce(
      (n, c) => n + Number.parseInt(c, 16).toString(2).replaceAll('0', '').length,
      0,
    );
    expect(ones).toBe(128);
    expect(quality).toBe(100);
  });

  it('gives the empty hash and quality 0 below 5 pixels a side, as the reference', () => {
    expect(pdqHash(new Uint8Array(4 * 100 * 3), 4, 100, 3)).toEqual({ hash: PDQ_EMPTY_HASH, quality: 0 });
    expect(pdqHash(new Uint8Array(0), 0, 0, 3)).toEqual({ hash: PDQ_EMPTY_HASH, quality: 0 });
  });

  it('scores a flat image at quality 0', () => {
    expect(pdqHash(new Uint8Array(200 * 100 * 3).fill(90), 200, 100, 3).quality).toBe(0);
  });

  it('refuses a buffer too short for the stated size', () => {
    expect(() => pdqHash(new Uint8Array(10), 10, 10, 3)).toThrow(RangeError);
    expect(() => pdqHash(new Uint8Array(300), 10.5, 10, 3)).toThrow(RangeError);
  });

  it('hashes opaque RGBA and Uint8ClampedArray input exactly like RGB', () => {
    const rgb = pattern(150, 97);
    const expected = pdqHash(rgb, 150, 97, 3).hash;
    expect(pdqHash(toRgba(rgb), 150, 97, 4).hash).toBe(expected);
    expect(pdqHash(new Uint8ClampedArray(rgb), 150, 97, 3).hash).toBe(expected);
  });

  it('treats fully transparent pixels as white, whatever colour they store', () => {
    const rgb = pattern(120, 80);
    const rgba = toRgba(rgb);
    const white = rgba.slice();
    for (let y = 0; y < 80; y++) {
      for (let x = 0; x < 40; x++) {
        const i = (y * 120 + x) * 4;
        rgba[i + 3] = 0; // hidden colour kept
        white.set([255, 255, 255, 255], i);
      }
    }
    expect(pdqHash(rgba, 120, 80, 4).hash).toBe(pdqHash(white, 120, 80, 4).hash);
    expect(pdqHash(rgba, 120, 80, 4).hash).not.toBe(pdqHash(rgb, 120, 80, 3).hash);
  });

  it('does not depend on earlier calls (scratch buffers are reused)', () => {
    const a = pattern(300, 200, 7);
    const first = pdqHash(a, 300, 200, 3).hash;
    pdqHash(pattern(640, 480, 9), 640, 480, 3);
    pdqHash(pattern(9, 700, 3), 9, 700, 3);
    expect(pdqHash(a, 300, 200, 3).hash).toBe(first);
  });

  it('moves few bits under small changes and many between different images', () => {
    const a = pattern(400, 300, 1);
    const noisy = a.map((v, i) => Math.min(255, v + (i % 7)));
    const other = pattern(400, 300, 99).reverse();
    const h = pdqHash(a, 400, 300, 3).hash;
    expect(hammingDistanceHex(h, pdqHash(noisy, 400, 300, 3).hash)).toBeLessThanOrEqual(10);
    expect(hammingDistanceHex(h, pdqHash(other, 400, 300, 3).hash)).toBeGreaterThan(60);
  });
});

describe('pdqHashFromLuma', () => {
  it('equals pdqHash on the same image, including the 64×64 shortcut', () => {
    for (const [w, h] of [
      [64, 64],
      [211, 150],
    ] as const) {
      const rgb = pattern(w, h);
      const luma = new Float32Array(w * h);
      fillLuma(rgb, w, h, 3, luma);
      expect(pdqHashFromLuma(luma, w, h)).toEqual(pdqHash(rgb, w, h, 3));
    }
  });
});

describe('pdqHashOfLuma on a region of one luminance plane', () => {
  it('equals pdqHash of the cropped pixels, for every channel layout and crop', () => {
    const rgb = pattern(173, 131, 5);
    const layouts = {
      1: rgb.filter((_, i) => i % 3 === 0),
      3: rgb,
      // Some pixels half transparent, so the composite over white is exercised too.
      4: Uint8Array.from({ length: 173 * 131 * 4 }, (_, i) =>
        i % 4 === 3 ? (i % 44 === 3 ? 128 : 255) : rgb[(i >> 2) * 3 + (i % 4)]!,
      ),
    } as const;
    fc.assert(
      fc.property(
        fc.constantFrom(1, 3, 4),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 3, max: 173 }),
        fc.integer({ min: 3, max: 131 }),
        (channels, left, top, w, h) => {
          const box = { left, top, width: Math.min(w, 173 - left), height: Math.min(h, 131 - top) };
          const img = { pixels: layouts[channels], width: 173, height: 131, channels };
          const crop = cropImage(img, box);
          const view = lumaRegion(lumaView(img.pixels, 173, 131, channels), box);
          expect(pdqHashOfLuma(view)).toEqual(pdqHash(crop.pixels, crop.width, crop.height, channels));
          expect(pdqHashWithDihedralsOfLuma(view)).toEqual(
            pdqHashWithDihedrals(crop.pixels, crop.width, crop.height, channels),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('takes the 64×64 shortcut on a region too, and refuses a region outside the plane', () => {
    const rgb = pattern(100, 90, 3);
    const box = { left: 20, top: 11, width: 64, height: 64 };
    const crop = cropImage({ pixels: rgb, width: 100, height: 90, channels: 3 }, box);
    const plane = lumaView(rgb, 100, 90, 3);
    expect(pdqHashOfLuma(lumaRegion(plane, box))).toEqual(pdqHash(crop.pixels, 64, 64, 3));
    expect(() => lumaRegion(plane, { ...box, left: 40 })).toThrow(RangeError);
    expect(() => pdqHashOfLuma({ ...plane, stride: 99 })).toThrow(RangeError);
  });
});

describe('pdqHashWithDihedrals', () => {
  it('returns 8 hashes whose original is pdqHash, all different', () => {
    const rgb = pattern(256, 180);
    const d = pdqHashWithDihedrals(rgb, 256, 180, 3);
    expect(Object.keys(d.hashes)).toEqual([...DIHEDRAL_NAMES]);
    expect(d.hashes.original).toBe(pdqHash(rgb, 256, 180, 3).hash);
    expect(d.quality).toBe(pdqHash(rgb, 256, 180, 3).quality);
    expect(new Set(Object.values(d.hashes)).size).toBe(8);
  });

  it('gives all-empty hashes for tiny images', () => {
    const d = pdqHashWithDihedrals(new Uint8Array(12), 2, 2, 3);
    expect(d.quality).toBe(0);
    expect(new Set(Object.values(d.hashes))).toEqual(new Set([PDQ_EMPTY_HASH]));
  });
});
