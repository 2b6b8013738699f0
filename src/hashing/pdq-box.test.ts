/**
 * The streamed, lane-interleaved downsampling must equal a literal port of the reference
 * (`downscaling.cpp`: strided box filter with a float running sum and a float division, two full
 * passes each way, then decimation) bit for bit, for any image size.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeJaroszFilterWindowSize,
  type JaroszScratch,
  jaroszFromLuma,
  jaroszFromPixels,
  jaroszScratchSizes,
} from './pdq-jarosz.js';
import { fillLuma } from './pdq-luma.js';

const f = Math.fround;

/** `box1DFloat`, as written in the reference: float sum, division by the window count. */
function box1D(
  inv: Float32Array,
  out: Float32Array,
  start: number,
  length: number,
  stride: number,
  window: number,
): void {
  const half = Math.floor((window + 2) / 2);
  let sum = 0;
  let count = 0;
  let ri = start;
  let li = start;
  let oi = start;
  for (let i = 0; i < half - 1; i++, ri += stride, count++) sum = f(sum + inv[ri]!);
  for (let i = 0; i < window - half + 1; i++, ri += stride, oi += stride) {
    sum = f(sum + inv[ri]!);
    out[oi] = f(sum / ++count);
  }
  for (let i = 0; i < length - window; i++, ri += stride, li += stride, oi += stride) {
    sum = f(sum + inv[ri]!);
    sum = f(sum - inv[li]!);
    out[oi] = f(sum / count);
  }
  for (let i = 0; i < half - 1; i++, li += stride, oi += stride) {
    sum = f(sum - inv[li]!);
    out[oi] = f(sum / --count);
  }
}

/** `jaroszFilterFloat` (2 passes) + `decimateFloat` to 64×64, literally. */
function referenceDownsample(luma: Float32Array, rows: number, cols: number): Float32Array {
  const b1 = luma.slice();
  const b2 = new Float32Array(rows * cols);
  const wr = computeJaroszFilterWindowSize(cols, 64);
  const wc = computeJaroszFilterWindowSize(rows, 64);
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < rows; r++) box1D(b1, b2, r * cols, cols, 1, wr);
    for (let c = 0; c < cols; c++) box1D(b2, b1, c, rows, cols, wc);
  }
  const out = new Float32Array(64 * 64);
  for (let i = 0; i < 64; i++) {
    const ini = Math.floor(((i + 0.5) * rows) / 64);
    for (let j = 0; j < 64; j++) out[i * 64 + j] = b1[ini * cols + Math.floor(((j + 0.5) * cols) / 64)]!;
  }
  return out;
}

function scratch(rows: number, cols: number): JaroszScratch {
  const n = jaroszScratchSizes(rows, cols);
  return {
    ring: new Float32Array(n.ring),
    compact: new Float32Array(n.compact),
    lumaBlock: new Float32Array(n.lumaBlock),
    rowBlock: new Float32Array(n.rowBlock),
    sums: new Float32Array(n.sums),
  };
}

const image = fc
  .record({
    rows: fc.integer({ min: 5, max: 300 }),
    cols: fc.integer({ min: 5, max: 300 }),
    seed: fc.integer(),
  })
  .map(({ rows, cols, seed }) => {
    // Smooth-ish content plus noise, so sums carry fractional parts and rounding matters.
    const px = new Uint8Array(rows * cols * 3);
    let s = seed >>> 0;
    for (let i = 0; i < px.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      px[i] = ((i / 3) % cols) + (s >>> 28) * 8;
    }
    return { rows, cols, px };
  });

describe('Jarosz downsampling', () => {
  it('equals the literal reference port on random images of any size', () => {
    fc.assert(
      fc.property(image, ({ rows, cols, px }) => {
        const luma = new Float32Array(rows * cols);
        fillLuma(px, cols, rows, 3, luma);
        const expected = referenceDownsample(luma, rows, cols);
        const fromPixels = new Float32Array(4096);
        jaroszFromPixels(px, 3, rows, cols, scratch(rows, cols), fromPixels);
        const fromLuma = new Float32Array(4096);
        jaroszFromLuma(luma, rows, cols, scratch(rows, cols), fromLuma);
        expect(fromPixels).toEqual(expected);
        expect(fromLuma).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    [7, 3000],
    [3000, 7],
    [2001, 40],
    [64, 64],
    [129, 5],
  ])('equals the literal reference port for %i×%i (extreme shapes, ring wrap-around)', (rows, cols) => {
    const px = new Uint8Array(rows * cols * 3).map((_, i) => (i * 2654435761) >>> 24);
    const luma = new Float32Array(rows * cols);
    fillLuma(px, cols, rows, 3, luma);
    const out = new Float32Array(4096);
    jaroszFromPixels(px, 3, rows, cols, scratch(rows, cols), out);
    expect(out).toEqual(referenceDownsample(luma, rows, cols));
  });

  it('leaves the luma it is given untouched', () => {
    const luma = new Float32Array(100 * 80).map((_, i) => (i * 7) % 255);
    const copy = luma.slice();
    jaroszFromLuma(luma, 100, 80, scratch(100, 80), new Float32Array(4096));
    expect(luma).toEqual(copy);
  });

  it("uses the reference's window sizes", () => {
    expect(computeJaroszFilterWindowSize(1000, 64)).toBe(8);
    expect(computeJaroszFilterWindowSize(1024, 64)).toBe(8);
    expect(computeJaroszFilterWindowSize(1025, 64)).toBe(9);
    expect(computeJaroszFilterWindowSize(5, 64)).toBe(1);
    expect(computeJaroszFilterWindowSize(4032, 64)).toBe(32);
  });
});

describe('division by the window count', () => {
  // pdq-box.ts multiplies by 1/n instead of dividing by n; it must round to the same float.
  // The argument needs s/n to be a normal float: subnormals have fixed, not relative, spacing. PDQ's
  // sums are 0 or far above 1e-30 (pixel averages, and their float residues are multiples of the
  // operands' ulps, around 1e-10 at the least).
  const float = fc.float({ noNaN: true, noDefaultInfinity: true, min: f(1e-30), max: f(1e7) });

  it('s·(1/n) rounds to the same float as s/n for random sums and windows up to 1024', () => {
    fc.assert(
      fc.property(
        float,
        fc.integer({ min: 1, max: 1024 }),
        (s, n) => f(s * (1 / n)) === f(s / n) && f(-s * (1 / n)) === f(-s / n),
      ),
      { numRuns: 200_000 },
    );
  });

  it('does not hold for subnormal results, which is why the range above matters', () => {
    expect(f(1.2952390881046968e-38 * (1 / 198))).not.toBe(f(1.2952390881046968e-38 / 198));
  });

  it('holds for sums of pixel averages, the values PDQ actually divides', () => {
    for (let n = 1; n <= 64; n++) {
      const inv = 1 / n;
      for (let k = 0; k < 200_000; k++) {
        const s = f(k * 0.0078125 + f(k * 0.299));
        if (f(s * inv) !== f(s / n)) throw new Error(`differs for s=${s}, n=${n}`);
      }
    }
  });
});
