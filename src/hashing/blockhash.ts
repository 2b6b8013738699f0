/**
 * blockhash (commonsmachinery's block-mean-value hash) through `blockhash-core`, the reference JS
 * port: `bmvbhash(imageData, 16)` is the "precise" method with 16×16 blocks, 256 bits.
 *
 * Alpha follows upstream, not our PDQ rule: a fully transparent pixel counts as white, any other
 * pixel by its stored RGB. Upstream's reference vectors (two of which have transparency) depend on
 * it, and canvas and sharp agree on it (canvas zeroes transparent pixels; both read as white).
 *
 * Cost: about 13 ms per megapixel (the library works on plain JS arrays), so large images should be
 * hashed off the event loop or after reduction, as `hash-image.ts` does.
 *
 * Pure module (no Node imports): used by the browser bundle as well.
 */
import { bmvbhash } from 'blockhash-core';
import type { PixelChannels } from './pdq-luma.js';

/** Blocks per side: 16 × 16 = 256 bits, 64 hex digits. */
export const BLOCKHASH_BITS_PER_SIDE = 16;

/** Expands grey or RGB to the RGBA layout blockhash-core reads (alpha 255). */
function toRgba(pixels: Uint8Array | Uint8ClampedArray, n: number, channels: 1 | 3): Uint8Array {
  const out = new Uint8Array(n * 4);
  for (let i = 0, p = 0, q = 0; i < n; i++, p += channels, q += 4) {
    const r = pixels[p]!;
    out[q] = r;
    out[q + 1] = channels === 3 ? pixels[p + 1]! : r;
    out[q + 2] = channels === 3 ? pixels[p + 2]! : r;
    out[q + 3] = 255;
  }
  return out;
}

/**
 * The 256-bit blockhash of 8-bit interleaved pixels (row-major; grey, RGB or RGBA), as 64 lowercase
 * hex digits. Reproduces upstream's 16-bit "precise" vectors exactly on identical pixels.
 * Images with a side below 16 pixels still get a hash, but a meaningless one (blocks smaller than a
 * pixel); callers should not match on them.
 * @throws RangeError when the buffer is shorter than width × height × channels.
 */
export function blockhash(
  pixels: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  channels: PixelChannels,
): string {
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || pixels.length < n * channels) {
    throw new RangeError(`blockhash: ${pixels.length} bytes do not hold ${width}×${height}×${channels}`);
  }
  if (n === 0) throw new RangeError('blockhash: the image has no pixels');
  const data = channels === 4 ? pixels : toRgba(pixels, n, channels);
  return bmvbhash({ width, height, data }, BLOCKHASH_BITS_PER_SIDE);
}
