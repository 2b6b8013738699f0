/**
 * Border and letterbox trimming before perceptual hashing.
 *
 * Re-uploads often gain or lose uniform bars (letterboxing to 16:9, a white frame, padding to a
 * square). PDQ sees the whole frame, so a 12% bar moves dozens of bits. Both sides of a match —
 * registration in the browser and the crawler in Node — run this same pure code before hashing, so
 * a bar added by a platform is removed from the copy it serves.
 *
 * The rule favours stability over aggressiveness, because two copies that trim differently hash
 * differently:
 * - a side is a border only if its outermost line is uniform (≥ 98% of pixels within `tolerance` of
 *   the line's median colour), and the run continues while lines stay uniform to that same colour;
 * - the run must end in a clear edge: ≥ 25% of the pixels of the first content line differ by more
 *   than `tolerance` from the pixel beside them in the last border line. A smooth gradient such as
 *   a clear sky drifts away from the edge colour one small step at a time, and is left alone.
 *   JPEG (and resizing) often leaves one transition line between a bar and the picture, a blend of
 *   the two that fails this test; so when the first content line is not a clear edge, the line
 *   after it is tried against the bar too, and when that one is, both are trimmed (`edgeLookahead`);
 * - a run reaching `maxFractionPerSide` (default 40%) is a flat area, not a bar: that side is kept.
 * So an image is never trimmed to nothing, and a flat image is not trimmed at all.
 *
 * Colours are compared after compositing over white, as PDQ sees them (transparent = white).
 *
 * Pure module (no Node imports): used by the browser bundle as well.
 */
import { compositeOverWhite, type PixelChannels } from './pdq-luma.js';

/** Interleaved 8-bit pixels with their geometry. */
export interface RawImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: PixelChannels;
}

/** A rectangle of an image, in pixels. */
export interface ContentBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Tuning of {@link findContentBox}; the defaults suit JPEG-compressed bars. */
export interface TrimOptions {
  /** Largest per-channel difference (0..255) from the border colour that still counts as border. */
  tolerance?: number;
  /** A run of border lines reaching this fraction of the side is treated as content, not a bar. */
  maxFractionPerSide?: number;
  /**
   * Lines past the end of a border run that may still hold the edge (default 1): a blended
   * transition line left by JPEG or resizing is trimmed with the bar. 0 is the stricter rule.
   */
  edgeLookahead?: number;
}

const UNIFORM_SHARE = 0.98;
const EDGE_SHARE = 0.25;

/** The colour of pixel `i` (pixel index, not byte) as PDQ sees it: RGB composited over white. */
function colourAt(img: RawImage, i: number, out: Int32Array): void {
  const { pixels, channels } = img;
  const p = i * channels;
  if (channels === 1) {
    out[0] = out[1] = out[2] = pixels[p]!;
    return;
  }
  const a = channels === 4 ? pixels[p + 3]! : 255;
  for (let c = 0; c < 3; c++) out[c] = a === 255 ? pixels[p + c]! : compositeOverWhite(pixels[p + c]!, a);
}

/** A line of pixels: `count` pixels from pixel index `start`, `stride` pixels apart. */
interface Line {
  start: number;
  stride: number;
  count: number;
}

/** Per-channel median colour of a line. */
function medianColour(img: RawImage, line: Line): Int32Array {
  const hist = new Int32Array(3 * 256);
  const c = new Int32Array(3);
  for (let k = 0; k < line.count; k++) {
    colourAt(img, line.start + k * line.stride, c);
    for (let ch = 0; ch < 3; ch++) hist[ch * 256 + c[ch]!]!++;
  }
  const median = new Int32Array(3);
  for (let ch = 0; ch < 3; ch++) {
    let seen = hist[ch * 256]!;
    let v = 0;
    while (v < 255 && seen * 2 < line.count) seen += hist[ch * 256 + ++v]!;
    median[ch] = v;
  }
  return median;
}

/** Tests whether pixel `i` is farther than the tolerance, in any channel, from one colour. */
type OffTest = (i: number) => boolean;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * An {@link OffTest} against `ref`. Opaque RGBA (what the decoder produces) is read one 32-bit word
 * per pixel, which matters on flat images where the scan covers 40% of each side.
 */
function offTest(img: RawImage, ref: Int32Array, tol: number): OffTest {
  const [r, g, b] = [ref[0]!, ref[1]!, ref[2]!];
  const { pixels, channels } = img;
  const slow = (i: number): boolean => {
    const c = new Int32Array(3);
    colourAt(img, i, c);
    return Math.abs(c[0]! - r) > tol || Math.abs(c[1]! - g) > tol || Math.abs(c[2]! - b) > tol;
  };
  if (channels !== 4 || !LITTLE_ENDIAN || pixels.byteOffset % 4 !== 0) return slow;
  const words = new Uint32Array(pixels.buffer, pixels.byteOffset, img.width * img.height);
  return (i) => {
    const v = words[i]!;
    if (v >>> 24 !== 255) return slow(i);
    return (
      Math.abs((v & 255) - r) > tol ||
      Math.abs(((v >>> 8) & 255) - g) > tol ||
      Math.abs(((v >>> 16) & 255) - b) > tol
    );
  };
}

/**
 * Pixels of the line farther than `tolerance` from `ref`, counting up to `stopAt` only: callers
 * need "more than k?", and stopping early keeps the common case (no border) to a few dozen pixels.
 */
function countOff(isOff: OffTest, line: Line, stopAt: number): number {
  let off = 0;
  for (let k = 0; k < line.count && off < stopAt; k++) {
    if (isOff(line.start + k * line.stride)) off++;
  }
  return off;
}

/**
 * Length of the run of uniform columns from the left (or right) edge, up to `cap`. Counted row by
 * row rather than column by column, so memory is read in order; columns past the first one known to
 * fail are no longer visited.
 */
function uniformColumns(
  img: RawImage,
  isOff: OffTest,
  fromLeft: boolean,
  allowed: number,
  cap: number,
): number {
  const { width: w, height: h } = img;
  const counts = new Int32Array(cap);
  let limit = cap;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let c = 0; c < limit; c++) {
      if (isOff(fromLeft ? row + c : row + w - 1 - c) && ++counts[c]! > allowed) limit = c;
    }
  }
  return limit;
}

/** Pixels differing by more than `tolerance` (any channel) between two parallel lines, up to `stopAt`. */
function countChanged(img: RawImage, a: Line, b: Line, tolerance: number, stopAt: number): number {
  const ca = new Int32Array(3);
  const cb = new Int32Array(3);
  let changed = 0;
  for (let k = 0; k < a.count && changed < stopAt; k++) {
    colourAt(img, a.start + k * a.stride, ca);
    colourAt(img, b.start + k * b.stride, cb);
    if (
      Math.abs(ca[0]! - cb[0]!) > tolerance ||
      Math.abs(ca[1]! - cb[1]!) > tolerance ||
      Math.abs(ca[2]! - cb[2]!) > tolerance
    ) {
      changed++;
    }
  }
  return changed;
}

/** Border thickness of one side; `side` names it, `lineAt(d)` is the line at depth d from that edge. */
function borderDepth(
  img: RawImage,
  side: 'top' | 'bottom' | 'left' | 'right',
  lineAt: (depth: number) => Line,
  size: number,
  o: Required<TrimOptions>,
): number {
  const cap = Math.floor(size * o.maxFractionPerSide);
  const first = lineAt(0);
  const ref = medianColour(img, first);
  const allowedOff = Math.floor(first.count * (1 - UNIFORM_SHARE));
  const isOff = offTest(img, ref, o.tolerance);
  if (cap === 0 || countOff(isOff, first, allowedOff + 1) > allowedOff) return 0;
  let depth = 1;
  if (side === 'left' || side === 'right') {
    depth = uniformColumns(img, isOff, side === 'left', allowedOff, cap);
  } else {
    while (depth < cap && countOff(isOff, lineAt(depth), allowedOff + 1) <= allowedOff) depth++;
  }
  if (depth >= cap) return 0;
  const edgeOff = Math.ceil(first.count * EDGE_SHARE);
  const bar = lineAt(depth - 1);
  for (let edge = depth; edge <= depth + o.edgeLookahead && edge < cap; edge++) {
    if (countChanged(img, lineAt(edge), bar, o.tolerance, edgeOff) >= edgeOff) return edge;
  }
  return 0;
}

/**
 * The box left after removing uniform borders and letterbox bars (see the module comment). Returns
 * the whole image when nothing qualifies.
 */
export function findContentBox(img: RawImage, options: TrimOptions = {}): ContentBox {
  const o = {
    tolerance: options.tolerance ?? 24,
    maxFractionPerSide: options.maxFractionPerSide ?? 0.4,
    edgeLookahead: options.edgeLookahead ?? 1,
  };
  const { width: w, height: h } = img;
  if (w < 3 || h < 3) return { left: 0, top: 0, width: w, height: h };
  const top = borderDepth(img, 'top', (d) => ({ start: d * w, stride: 1, count: w }), h, o);
  const bottom = borderDepth(img, 'bottom', (d) => ({ start: (h - 1 - d) * w, stride: 1, count: w }), h, o);
  const left = borderDepth(img, 'left', (d) => ({ start: d, stride: w, count: h }), w, o);
  const right = borderDepth(img, 'right', (d) => ({ start: w - 1 - d, stride: w, count: h }), w, o);
  return { left, top, width: w - left - right, height: h - top - bottom };
}

/** Copies the pixels inside `box` into a new image (or returns `img` itself when the box is all of it). */
export function cropImage(img: RawImage, box: ContentBox): RawImage {
  if (box.left === 0 && box.top === 0 && box.width === img.width && box.height === img.height) return img;
  const { channels } = img;
  const rowBytes = box.width * channels;
  const pixels = new Uint8Array(rowBytes * box.height);
  for (let y = 0; y < box.height; y++) {
    const from = ((box.top + y) * img.width + box.left) * channels;
    pixels.set(img.pixels.subarray(from, from + rowBytes), y * rowBytes);
  }
  return { pixels, width: box.width, height: box.height, channels };
}

/** {@link findContentBox} then {@link cropImage}: the image to hash, and the box it came from. */
export function trimBorders(img: RawImage, options?: TrimOptions): { image: RawImage; box: ContentBox } {
  const box = findContentBox(img, options);
  return { image: cropImage(img, box), box };
}

/**
 * The size an image of `width` × `height` is reduced to before hashing when it has more than
 * `maxPixels` pixels (aspect ratio kept, area ≤ `maxPixels`), or null when it is small enough.
 * Both sides of a match use this rule, so a 12 MP original and its 4 MP re-upload are hashed at the
 * same scale. Measured PDQ cost of the reduction: see `hash-image.ts`.
 */
export function reducedSize(
  width: number,
  height: number,
  maxPixels: number,
): { width: number; height: number } | null {
  if (width * height <= maxPixels) return null;
  const scale = Math.sqrt(maxPixels / (width * height));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}
