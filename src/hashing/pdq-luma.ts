/**
 * RGB(A)/grey 8-bit pixels → float32 luminance, exactly as the PDQ reference computes it.
 *
 * The reference (`fillFloatLumaFromRGB`) evaluates `0.299f*R + 0.587f*G + 0.114f*B` in IEEE single
 * precision, left to right. JavaScript computes in double, so the first sum is rounded back with
 * `Math.fround` and the second by the Float32Array store; the three products are tabulated once (256
 * floats each, held in Float64Arrays to skip a conversion per load). Rounding a double result of two
 * floats gives the same value as the float operation itself, so this is bit-exact.
 *
 * Pure module: used by the browser bundle as well.
 */

function productTable(coeff: number): Float64Array {
  const c = Math.fround(coeff);
  const t = new Float64Array(256);
  for (let v = 0; v < 256; v++) t[v] = Math.fround(c * v);
  return t;
}

const LUMA_R = productTable(0.299);
const LUMA_G = productTable(0.587);
const LUMA_B = productTable(0.114);

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

function lumaOf(r: number, g: number, b: number): number {
  return Math.fround(LUMA_R[r]! + LUMA_G[g]!) + LUMA_B[b]!;
}

/** Luma of one RGBA pixel, compositing over white when not opaque. */
function lumaOfRgba(r: number, g: number, b: number, a: number): number {
  if (a === 255) return lumaOf(r, g, b);
  // Why white: canvas getImageData returns (0,0,0,0) for transparent pixels whatever the file
  // stored, so "ignore alpha" would hash differently in the browser and in Node. Compositing makes
  // the hidden colour irrelevant, and blockhash-core also counts alpha 0 as white.
  return lumaOf(compositeOverWhite(r, a), compositeOverWhite(g, a), compositeOverWhite(b, a));
}

/** Four RGB pixels per step from three little-endian 32-bit words; returns pixels done. */
function lumaRgbWords(pixels: Uint8Array, n: number, out: Float32Array): number {
  const w = new Uint32Array(pixels.buffer, pixels.byteOffset, (n * 3) >> 2);
  let i = 0;
  for (let q = 0; i + 4 <= n; i += 4, q += 3) {
    const a = w[q]!;
    const b = w[q + 1]!;
    const c = w[q + 2]!;
    out[i] = lumaOf(a & 255, (a >>> 8) & 255, (a >>> 16) & 255);
    out[i + 1] = lumaOf(a >>> 24, b & 255, (b >>> 8) & 255);
    out[i + 2] = lumaOf((b >>> 16) & 255, b >>> 24, c & 255);
    out[i + 3] = lumaOf((c >>> 8) & 255, (c >>> 16) & 255, c >>> 24);
  }
  return i;
}

/** Opaque-first RGBA loop over little-endian words: RGB in the low three bytes, alpha on top. */
function lumaRgbaWords(pixels: Uint8Array, n: number, out: Float32Array): void {
  const w = new Uint32Array(pixels.buffer, pixels.byteOffset, n);
  let i = 0;
  // The opaque run first (the common case) in a loop without the compositing branch.
  for (; i < n; i++) {
    const v = w[i]!;
    if (v >>> 24 !== 255) break;
    out[i] = Math.fround(LUMA_R[v & 255]! + LUMA_G[(v >>> 8) & 255]!) + LUMA_B[(v >>> 16) & 255]!;
  }
  for (; i < n; i++) {
    const v = w[i]!;
    out[i] = lumaOfRgba(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24);
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
  } else if (channels === 3) {
    let i = words ? lumaRgbWords(pixels, n, out) : 0;
    for (let p = i * 3; i < n; i++, p += 3) out[i] = lumaOf(pixels[p]!, pixels[p + 1]!, pixels[p + 2]!);
  } else if (words) {
    lumaRgbaWords(pixels, n, out);
  } else {
    for (let i = 0, p = 0; i < n; i++, p += 4) {
      out[i] = lumaOfRgba(pixels[p]!, pixels[p + 1]!, pixels[p + 2]!, pixels[p + 3]!);
    }
  }
}
