/**
 * PDQ (Meta's 256-bit perceptual image hash), written from the published algorithm and reproducing
 * the reference implementation (ThreatExchange `pdq/cpp`) bit for bit on the same pixels:
 * float32 luminance → Jarosz tent filter (two box passes each way) → 64×64 decimation → quality
 * metric → 16×16 DCT → Torben median → one bit per coefficient.
 *
 * hashwatch follows the full-resolution convention (python-threatexchange, HMA, the Java port, vPDQ):
 * the caller hands in the pixels it wants hashed. The C++ CLI instead resizes to 512×512 first;
 * hashes of the two conventions differ by a few bits.
 *
 * Alpha: RGBA pixels are composited over white before luminance (fully opaque pixels unchanged), the
 * same in the browser and in Node. See `pdq-luma.ts`.
 *
 * Pure module (no Node imports). Not re-entrant across threads, but JavaScript calls are synchronous,
 * so one shared scratch area per realm is safe.
 */
import {
  DIHEDRAL_NAMES,
  type DihedralName,
  dct64To16,
  dctToHex,
  dihedralDct,
  qualityMetric,
} from './pdq-dct.js';
import {
  type JaroszScratch,
  jaroszFromLuma,
  jaroszFromPixels,
  jaroszScratchSizes,
  jaroszTurnsFromLuma,
  type SampleBox,
  type TurnDownsamples,
  turnsFromOneFiltering,
} from './pdq-jarosz.js';
import { fillLuma, type PixelChannels } from './pdq-luma.js';

/** A PDQ hash (64 lowercase hex characters, 256 bits) and its quality 0..100. */
export interface PdqResult {
  hash: string;
  quality: number;
}

/** The PDQ hashes of an image's eight rotations and flips, from a single DCT, and their quality. */
export interface PdqDihedralResult {
  quality: number;
  hashes: Record<DihedralName, string>;
}

export { DIHEDRAL_NAMES, type DihedralName } from './pdq-dct.js';
export type { PixelChannels } from './pdq-luma.js';

/** Images with a side below this get the all-zero hash with quality 0, as in the reference. */
export const PDQ_MIN_DIMENSION = 5;

/** The all-zero hash returned for images too small to hash. */
export const PDQ_EMPTY_HASH = '0'.repeat(64);

/**
 * Reusable buffers, so hashing a stream of frames allocates nothing per frame. They stay small: the
 * downsampling streams through a ring of rows (about 100 rows even for a 10 000-pixel-tall image).
 */
const kept: JaroszScratch = {
  ring: new Float32Array(0),
  compact: new Float32Array(0),
  lumaBlock: new Float32Array(0),
  rowBlock: new Float32Array(0),
  sums: new Float32Array(0),
};
const a64 = new Float32Array(64 * 64);
const t16x64 = new Float32Array(16 * 64);
const dct = new Float32Array(256);
const aux = new Float32Array(256);
const words = new Uint16Array(16);

function scratchFor(rows: number, cols: number, samples?: number): JaroszScratch {
  const need = jaroszScratchSizes(rows, cols, samples);
  for (const key of ['ring', 'compact', 'lumaBlock', 'rowBlock', 'sums'] as const) {
    if (kept[key].length < need[key]) kept[key] = new Float32Array(need[key]);
  }
  return kept;
}

function assertDimensions(width: number, height: number, available: number, perPixel: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`PDQ: width and height must be non-negative integers (got ${width}×${height})`);
  }
  if (available < width * height * perPixel) {
    throw new RangeError(`PDQ: ${available} values are fewer than ${width}×${height}×${perPixel}`);
  }
}

/** Quality metric and DCT of the 64×64 image in `a64`; fills `dct`. */
function finishDct(): number {
  const quality = qualityMetric(a64);
  dct64To16(a64, t16x64, dct);
  return quality;
}

/**
 * Downsamples and transforms the pixels into `dct`, returning the quality. A 64×64 input is taken as
 * is, as the reference's single-hash path does (its dihedral path filters even then; we do not, so
 * that the dihedral `original` always equals {@link pdqHash}).
 */
function pixelsToDct(
  input: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  channels: PixelChannels,
): number {
  // One array class inside: Buffer, Uint8Array and Uint8ClampedArray have different hidden classes,
  // and mixing them would make every pixel load polymorphic.
  const pixels = new Uint8Array(input.buffer, input.byteOffset, input.length);
  if (width === 64 && height === 64) fillLuma(pixels, 64, 64, channels, a64);
  else jaroszFromPixels(pixels, channels, height, width, scratchFor(height, width), a64);
  return finishDct();
}

/**
 * PDQ hash of 8-bit interleaved pixels (row-major; grey, RGB or RGBA).
 *
 * RGBA is composited over white first; opaque pixels hash exactly as the same RGB. Images with a side
 * below {@link PDQ_MIN_DIMENSION} get {@link PDQ_EMPTY_HASH} with quality 0.
 * Runs synchronously: about 5–8 ms per megapixel.
 */
export function pdqHash(
  pixels: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  channels: PixelChannels,
): PdqResult {
  assertDimensions(width, height, pixels.length, channels);
  if (width < PDQ_MIN_DIMENSION || height < PDQ_MIN_DIMENSION) return { hash: PDQ_EMPTY_HASH, quality: 0 };
  const quality = pixelsToDct(pixels, width, height, channels);
  return { hash: dctToHex(dct, words), quality };
}

/**
 * PDQ hash of a precomputed float32 luminance plane (`width*height`, row-major), e.g. a video frame
 * already converted. The input is not modified. Luma must follow the reference formula for hashes to
 * be comparable with {@link pdqHash}.
 */
export function pdqHashFromLuma(luma: Float32Array, width: number, height: number): PdqResult {
  return pdqHashOfLuma({ luma, width, height, stride: width, offset: 0 });
}

/**
 * A float32 luminance plane, or a rectangle of one: `width × height` values, row r starting at
 * `luma[offset + r * stride]`. Several PDQs of one image (its crops, the image before and after
 * trimming) are computed from one plane, so the luminance is converted once and nothing is copied.
 */
export interface LumaView {
  luma: Float32Array;
  width: number;
  height: number;
  stride: number;
  offset: number;
}

/** The luminance of 8-bit pixels (grey, RGB or RGBA composited over white) as a new {@link LumaView}. */
export function lumaView(
  pixels: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  channels: PixelChannels,
): LumaView {
  assertDimensions(width, height, pixels.length, channels);
  const luma = new Float32Array(width * height);
  fillLuma(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length), width, height, channels, luma);
  return { luma, width, height, stride: width, offset: 0 };
}

/** The rectangle `box` (in pixels, inside the view) of a {@link LumaView}, sharing its plane. */
export function lumaRegion(
  view: LumaView,
  box: { left: number; top: number; width: number; height: number },
): LumaView {
  const { left, top, width, height } = box;
  if (
    left < 0 ||
    top < 0 ||
    width < 0 ||
    height < 0 ||
    left + width > view.width ||
    top + height > view.height
  ) {
    throw new RangeError(
      `PDQ: region ${width}×${height}+${left}+${top} is outside ${view.width}×${view.height}`,
    );
  }
  return {
    luma: view.luma,
    width,
    height,
    stride: view.stride,
    offset: view.offset + top * view.stride + left,
  };
}

function assertView(v: LumaView): void {
  const { width, height, stride, offset } = v;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`PDQ: width and height must be non-negative integers (got ${width}×${height})`);
  }
  const end = height === 0 || width === 0 ? offset : offset + (height - 1) * stride + width;
  if (!Number.isInteger(stride) || stride < width || offset < 0 || end > v.luma.length) {
    throw new RangeError(
      `PDQ: a ${width}×${height} view (stride ${stride}, offset ${offset}) overruns ${v.luma.length} values`,
    );
  }
}

/** Downsamples and transforms a luminance view into `dct`, returning the quality. */
function lumaToDct(v: LumaView): number {
  const { luma, width, height, stride, offset } = v;
  if (width === 64 && height === 64) {
    for (let r = 0; r < 64; r++)
      a64.set(luma.subarray(offset + r * stride, offset + r * stride + 64), r * 64);
  } else {
    jaroszFromLuma(luma, height, width, scratchFor(height, width), a64, stride, offset);
  }
  return finishDct();
}

/** PDQ hash of a {@link LumaView}: equal to {@link pdqHash} of the pixels the luminance came from. */
export function pdqHashOfLuma(view: LumaView): PdqResult {
  assertView(view);
  if (view.width < PDQ_MIN_DIMENSION || view.height < PDQ_MIN_DIMENSION) {
    return { hash: PDQ_EMPTY_HASH, quality: 0 };
  }
  const quality = lumaToDct(view);
  return { hash: dctToHex(dct, words), quality };
}

/** {@link pdqHashWithDihedrals} of a {@link LumaView}. */
export function pdqHashWithDihedralsOfLuma(view: LumaView): PdqDihedralResult {
  assertView(view);
  if (view.width < PDQ_MIN_DIMENSION || view.height < PDQ_MIN_DIMENSION) return emptyDihedrals();
  return dihedralsFromDct(lumaToDct(view));
}

function emptyDihedrals(): PdqDihedralResult {
  const hashes = {} as Record<DihedralName, string>;
  for (const name of DIHEDRAL_NAMES) hashes[name] = PDQ_EMPTY_HASH;
  return { quality: 0, hashes };
}

/** The eight hashes from the DCT in `dct`. */
function dihedralsFromDct(quality: number): PdqDihedralResult {
  const hashes = {} as Record<DihedralName, string>;
  for (const name of DIHEDRAL_NAMES) {
    dihedralDct(name, dct, aux);
    hashes[name] = dctToHex(aux, words);
  }
  return { quality, hashes };
}

/**
 * The PDQ hashes of the image's 8 rotations and flips, derived from one DCT as the reference's
 * `pdqDihedralHash256esFromFloatLuma` does (sign patterns and transposes of the 16×16 DCT). Each is
 * within a few bits of hashing the transformed image itself. Store `original` and compare a query
 * with all 8 to match rotated or mirrored copies.
 */
export function pdqHashWithDihedrals(
  pixels: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  channels: PixelChannels,
): PdqDihedralResult {
  assertDimensions(width, height, pixels.length, channels);
  if (width < PDQ_MIN_DIMENSION || height < PDQ_MIN_DIMENSION) return emptyDihedrals();
  return dihedralsFromDct(pixelsToDct(pixels, width, height, channels));
}

/** The hashes of an image and of its turns, see {@link pdqTurnsOfLuma}. */
export interface PdqTurnsResult {
  original: PdqResult;
  /** Left-right mirror (the dihedral `flipY`). */
  mirror: PdqResult;
  /** A quarter turn anticlockwise. */
  rotate90: PdqResult;
  /** A quarter turn clockwise. */
  rotate270: PdqResult;
  /** One per box asked for, in order: the PDQ of that crop read from the same filtering. */
  boxes: PdqResult[];
}

const turnBuffers: TurnDownsamples = {
  original: new Float32Array(64 * 64),
  mirror: new Float32Array(64 * 64),
  flip: new Float32Array(64 * 64),
  boxes: [],
};

function hashOf64(from: Float32Array, transpose: boolean): PdqResult {
  if (!transpose) a64.set(from);
  else for (let k = 0; k < 64; k++) for (let i = 0; i < 64; i++) a64[i * 64 + k] = from[k * 64 + i]!;
  const quality = finishDct();
  return { hash: dctToHex(dct, words), quality };
}

/**
 * The PDQ of a luminance view and of the view mirrored and turned a quarter each way, as if those
 * turned pixels had been hashed, from one filtering (see `jaroszTurnsFromLuma`): about the cost of
 * one hash instead of four. `original` equals {@link pdqHashOfLuma} bit for bit; the three turns
 * agree with hashing the turned pixels up to float rounding (a bit or two where a coefficient sits at
 * the median). Unlike the dihedral hashes derived from the DCT, they do not assume the filter is
 * mirror-symmetric, which it is not.
 *
 * `boxes` (rectangles of the view, e.g. registration's crops) are read from the same filtering too:
 * close to, not equal to, hashing each crop (see `jaroszTurnsFromLuma` for how close and how cheap),
 * for a few percent of a hash each instead of a whole one.
 *
 * Null when a side is 129–256 pixels (an even window of 2 whose mirrored samples would need a value
 * past the edge), exactly 64×64, or under 5 pixels: hash the turned and cropped pixels instead.
 */
export function pdqTurnsOfLuma(view: LumaView, boxes: readonly SampleBox[] = []): PdqTurnsResult | null {
  assertView(view);
  const { luma, width, height, stride, offset } = view;
  for (const b of boxes) {
    const whole = [b.left, b.top, b.width, b.height].every(Number.isInteger);
    if (!whole || b.width < 1 || b.height < 1) {
      throw new RangeError(
        `PDQ: box ${b.width}×${b.height}+${b.left}+${b.top} is not a non-empty pixel rectangle`,
      );
    }
    lumaRegion(view, b); // throws when the box is not inside the view
  }
  // A 64×64 image is hashed as is, unfiltered (see `lumaToDct`): its turns are those of the pixels.
  if (width < PDQ_MIN_DIMENSION || height < PDQ_MIN_DIMENSION || (width === 64 && height === 64)) return null;
  if (!turnsFromOneFiltering(height, width)) return null;
  const s = scratchFor(height, width, 64 * (2 + boxes.length));
  if (!jaroszTurnsFromLuma(luma, height, width, s, turnBuffers, stride, offset, boxes)) return null;
  return {
    original: hashOf64(turnBuffers.original, false),
    mirror: hashOf64(turnBuffers.mirror, false),
    rotate90: hashOf64(turnBuffers.mirror, true),
    rotate270: hashOf64(turnBuffers.flip, true),
    boxes: boxes.map((_, b) => hashOf64(turnBuffers.boxes[b]!, false)),
  };
}
