/**
 * RGB(A)/grey 8-bit pixels → float32 luminance, exactly as the PDQ reference computes it.
 *
 * The reference (`fillFloatLumaFromRGB`) evaluates `0.299f*R + 0.587f*G + 0.114f*B` in IEEE single
 * precision, left to right. JavaScript computes in double; rounding a double result of two floats
 * gives the same value as the float operation itself, so rounding after each addition is bit-exact.
 * The first sum, `float(0.299f*R + 0.587f*G)`, depends on 16 bits only and is tabulated for all
 * 65 536 (R, G) pairs; what remains per pixel is two lookups, one addition and the rounding done by
 * the Float32Array store. (A `Math.fround` is a double→float→double conversion pair in V8, the costly
 * part of these loops.)
 *
 * Pure module: used by the browser bundle as well.
 */

/** Index of the `0.114f*B` products in {@link lumaTable}, after the 65 536 (R, G) sums. */
const B_AT = 65536;

let table: Float32Array | null = null;

/**
 * `float(0.299f*R + 0.587f*G)` at `R | G << 8` (the low half of a little-endian RGB(A) word), then
 * `float(0.114f*B)` at `B_AT + B`. One array, so the hot loops check one object per pixel, not
 * three. Built on first use (256 KiB).
 */
function lumaTable(): Float32Array {
  if (table !== null) return table;
  const t = new Float32Array(B_AT + 256);
  const r = Math.fround(0.299);
  const g = Math.fround(0.587);
  const b = Math.fround(0.114);
  for (let gv = 0; gv < 256; gv++) {
    const green = Math.fround(g * gv);
    for (let rv = 0; rv < 256; rv++) t[rv | (gv << 8)] = Math.fround(r * rv) + green;
  }
  for (let bv = 0; bv < 256; bv++) t[B_AT + bv] = b * bv;
  table = t;
  return t;
}

/** Whether a Uint32Array over RGBA bytes holds R in its low byte (true on every platform we ship to). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Channel layouts {@link fillLuma} accepts: grey, RGB, RGBA (interleaved, 8 bits each). */
export type PixelChannels = 1 | 3 | 4;

/**
 * Composites one 8-bit channel value over white with 8-bit alpha, rounding to the nearest integer.
 * Integer arithmetic so the browser (canvas) and Node (sharp) sides agree exactly.
 */
export function compositeOverWhite(value: number, alpha: number): number {
  return Math.floor((value * alpha + 255 * (255 - alpha) + 127) / 255);
}

function lumaOf(t: Float32Array, r: number, g: number, b: number): number {
  return t[r | (g << 8)]! + t[B_AT + b]!;
}

/** Luma of one RGBA pixel, compositing over white when not opaque. */
function lumaOfRgba(t: Float32Array, r: number, g: number, b: number, a: number): number {
  if (a === 255) return lumaOf(t, r, g, b);
  // Why white: canvas getImageData returns (0,0,0,0) for transparent pixels whatever the file
  // stored, so "ignore alpha" would hash differently in the browser and in Node. Compositing makes
  // the hidden colour irrelevant, and blockhash-core also counts alpha 0 as white.
  return lumaOf(t, compositeOverWhite(r, a), compositeOverWhite(g, a), compositeOverWhite(b, a));
}

/** Four RGB pixels per step from three little-endian 32-bit words; returns pixels done. */
function lumaRgbWords(t: Float32Array, pixels: Uint8Array, n: number, out: Float32Array): number {
  const w = new Uint32Array(pixels.buffer, pixels.byteOffset, (n * 3) >> 2);
  let i = 0;
  for (let q = 0; i + 4 <= n; i += 4, q += 3) {
    const a = w[q]!;
    const b = w[q + 1]!;
    const c = w[q + 2]!;
    out[i] = t[a & 0xffff]! + t[B_AT + ((a >>> 16) & 255)]!;
    out[i + 1] = t[(a >>> 24) | ((b & 255) << 8)]! + t[B_AT + ((b >>> 8) & 255)]!;
    out[i + 2] = t[b >>> 16]! + t[B_AT + (c & 255)]!;
    out[i + 3] = t[(c >>> 8) & 0xffff]! + t[B_AT + (c >>> 24)]!;
  }
  return i;
}

/**
 * Luma of RGBA pixels from little-endian words (RGB in the low three bytes, alpha on top), four per
 * step, up to the first four that are not all opaque; returns how many pixels it did. The common
 * case, kept apart from compositing: a branch first taken after V8 optimised this loop would send it
 * back to slower code for a while (see `pdq-column-box.ts`); and V8's per-iteration checks of the
 * three arrays are shared by four pixels.
 */
function lumaOpaqueRgbaWords(t: Float32Array, w: Uint32Array, n: number, out: Float32Array): number {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = w[i]!;
    const b = w[i + 1]!;
    const c = w[i + 2]!;
    const d = w[i + 3]!;
    if ((a & b & c & d) >>> 24 !== 255) break;
    out[i] = t[a & 0xffff]! + t[B_AT + ((a >>> 16) & 255)]!;
    out[i + 1] = t[b & 0xffff]! + t[B_AT + ((b >>> 16) & 255)]!;
    out[i + 2] = t[c & 0xffff]! + t[B_AT + ((c >>> 16) & 255)]!;
    out[i + 3] = t[d & 0xffff]! + t[B_AT + ((d >>> 16) & 255)]!;
  }
  return i;
}

/** Luma of RGBA pixels i .. n-1 from little-endian words, compositing the ones not opaque. */
function lumaRgbaWords(t: Float32Array, w: Uint32Array, i: number, n: number, out: Float32Array): void {
  for (; i < n; i++) {
    const v = w[i]!;
    out[i] = lumaOfRgba(t, v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24);
  }
}

/**
 * Writes the float32 luminance of `height` rows of `pixels` (row-major, interleaved, `width` pixels
 * per row) into `out[0 .. width*height)`.
 *
 * - 1 channel: the grey value itself, as the reference's `fillFloatLumaFromGrey`.
 * - 3 channels: the reference RGB formula.
 * - 4 channels: RGB composited over white first (see {@link compositeOverWhite}); fully opaque
 *   pixels are untouched, so opaque RGBA hashes exactly like the same RGB.
 *
 * Pixels are read as 32-bit words where alignment allows: V8's byte loads cost about as much as
 * everything else in these loops together, and words take a third off.
 */
export function fillLuma(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: PixelChannels,
  out: Float32Array,
): void {
  const n = width * height;
  const words = LITTLE_ENDIAN && pixels.byteOffset % 4 === 0;
  if (channels === 1) {
    for (let i = 0; i < n; i++) out[i] = pixels[i]!;
    return;
  }
  const t = lumaTable();
  if (channels === 3) {
    let i = words ? lumaRgbWords(t, pixels, n, out) : 0;
    for (let p = i * 3; i < n; i++, p += 3) out[i] = lumaOf(t, pixels[p]!, pixels[p + 1]!, pixels[p + 2]!);
  } else if (words) {
    const w = new Uint32Array(pixels.buffer, pixels.byteOffset, n);
    lumaRgbaWords(t, w, lumaOpaqueRgbaWords(t, w, n, out), n, out);
  } else {
    for (let i = 0, p = 0; i < n; i++, p += 4) {
      out[i] = lumaOfRgba(t, pixels[p]!, pixels[p + 1]!, pixels[p + 2]!, pixels[p + 3]!);
    }
  }
}
