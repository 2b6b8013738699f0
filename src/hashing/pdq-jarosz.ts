/**
 * PDQ's downsampling: a Jarosz tent filter (box filter along rows, then columns, twice) followed by
 * centre-sampled decimation to 64×64, reproducing the reference `downscaling.cpp` in float32.
 *
 * The reference materialises every stage in two full-size buffers. We compute the same values but
 * stream them, so memory is touched about once and no full-size buffer exists:
 * 1. luminance, {@link LANES} rows at a time, straight into the first row pass, whose rows go into
 *    a ring of about `window + 3 × LANES` rows;
 * 2. the first column pass reads that ring just behind where it is filled and produces LANES rows
 *    at a time, which go straight into the second row pass; that one stores only the 64 sampled
 *    columns → `compact` (rows × 64; more when mirrored or crop positions are sampled too);
 * 3. the second column pass runs on those columns and stores only the sampled rows.
 * Every running sum still visits every sample in the reference's order (their rounding depends on
 * the whole history), so the values are identical.
 *
 * Pure module: used by the browser bundle as well.
 */
import { boxAlongRows, boxAlongRowsSampled, LANES } from './pdq-box.js';
import { ColumnBox } from './pdq-column-box.js';
import { fillLuma, type PixelChannels } from './pdq-luma.js';

/** Side of the downsampled image the DCT runs on. */
export const PDQ_DOWNSAMPLE = 64;

/** Scratch for one downsampling; see {@link jaroszScratchSizes} for the sizes needed. */
export interface JaroszScratch {
  /** A ring of first-row-pass rows (see {@link ringRowsFor}) × cols, then a row of zeros. */
  ring: Float32Array;
  /** rows × sampled columns (64 for one hash): the second row pass; then a row of zeros. */
  compact: Float32Array;
  /** {@link LANES} × cols: a block of luminance rows. */
  lumaBlock: Float32Array;
  /** {@link LANES} rows of first-column-pass output, each between zeros (see `boxAlongRowsSampled`). */
  rowBlock: Float32Array;
  /** max(cols, 64): the column passes' running sums. */
  sums: Float32Array;
}

/**
 * Rows the ring must hold: the column window plus the rows read ahead in blocks of {@link LANES},
 * rounded to a multiple of it so that a block never wraps; the whole image when that is not more.
 */
function ringRowsFor(rows: number): number {
  const window = computeJaroszFilterWindowSize(rows, PDQ_DOWNSAMPLE);
  const ring = Math.ceil((window + 3 * LANES) / LANES) * LANES;
  return Math.min(ring, rows);
}

/**
 * Minimum lengths of each {@link JaroszScratch} buffer for a rows × cols image sampled at `samples`
 * columns (64 for one hash, 128 with the mirrored samples of {@link jaroszTurnsFromLuma}).
 */
export function jaroszScratchSizes(
  rows: number,
  cols: number,
  samples = PDQ_DOWNSAMPLE,
): Record<keyof JaroszScratch, number> {
  const margin = computeJaroszFilterWindowSize(cols, PDQ_DOWNSAMPLE);
  return {
    ring: (ringRowsFor(rows) + 1) * cols,
    compact: (rows + 1) * samples,
    lumaBlock: LANES * cols,
    rowBlock: margin + LANES * (cols + margin),
    sums: Math.max(cols, samples),
  };
}

/** The reference's box window: half of one output cell, rounded up (`(old + 2*new - 1) / (2*new)`). */
export function computeJaroszFilterWindowSize(oldDimension: number, newDimension: number): number {
  return Math.floor((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/** The reference's decimation indices: the centre of each of the 64 output cells, truncated. */
function sampleIndices(inLength: number): Int32Array {
  const out = new Int32Array(PDQ_DOWNSAMPLE);
  for (let i = 0; i < PDQ_DOWNSAMPLE; i++) out[i] = Math.floor(((i + 0.5) * inLength) / PDQ_DOWNSAMPLE);
  return out;
}

/**
 * Fills `dest` (lanes × cols) with the first row pass of rows r0 .. r0+lanes-1. A producer may use
 * `lumaBlock` as scratch.
 */
type RowProducer = (r0: number, lanes: number, dest: Float32Array) => void;

/**
 * Steps 1–3 of the module comment, given the producer of step 1's rows. The filtered image is
 * sampled at the rows × columns given (ascending; by default the 64 cell centres each way) into
 * `out`, row-major (`rowSamples.length × colSamples.length`).
 */
function downsample(
  rows: number,
  cols: number,
  s: JaroszScratch,
  out: Float32Array,
  produce: RowProducer,
  colSamples: Int32Array = sampleIndices(cols),
  rowSamples: Int32Array = sampleIndices(rows),
): void {
  const windowAlongRows = computeJaroszFilterWindowSize(cols, PDQ_DOWNSAMPLE);
  const windowAlongCols = computeJaroszFilterWindowSize(rows, PDQ_DOWNSAMPLE);
  const half = (windowAlongCols + 2) >> 1;
  const ringRows = ringRowsFor(rows);
  let produced = 0;
  // Makes first-pass rows 0 .. upTo available in the ring, a block of LANES rows at a time.
  const ensure = (upTo: number): void => {
    while (produced <= upTo && produced < rows) {
      const lanes = Math.min(LANES, rows - produced);
      const slot = (produced % ringRows) * cols;
      produce(produced, lanes, s.ring.subarray(slot, slot + lanes * cols));
      produced += lanes;
    }
  };
  ensure(half - 2);
  const columns = new ColumnBox(s.ring, rows, cols, windowAlongCols, s.sums, ringRows * cols, ringRows);
  // The first column pass's rows, `windowAlongRows` zeros before, between and after them.
  const margin = windowAlongRows;
  const stride = cols + margin;
  s.rowBlock.fill(0, 0, margin + LANES * stride);
  const width = colSamples.length;
  for (let r = 0; r < rows; r += LANES) {
    const lanes = Math.min(LANES, rows - r);
    ensure(r + lanes - 1 + half - 1);
    columns.steps(s.rowBlock, margin, stride, lanes);
    const compactRows = s.compact.subarray(r * width, (r + lanes) * width);
    boxAlongRowsSampled(s.rowBlock, compactRows, lanes, cols, windowAlongRows, colSamples, margin, stride);
  }
  const last = new ColumnBox(s.compact, rows, width, windowAlongCols, s.sums, rows * width);
  for (let k = 0; k < rowSamples.length; k++) {
    while (last.row < rowSamples[k]!) last.advance();
    last.write(out, k * width);
  }
}

/**
 * Downsamples 8-bit pixels (rows × cols, interleaved) to the 64×64 float luminance in `out64`.
 */
export function jaroszFromPixels(
  pixels: Uint8Array,
  channels: PixelChannels,
  rows: number,
  cols: number,
  s: JaroszScratch,
  out64: Float32Array,
): void {
  const windowAlongRows = computeJaroszFilterWindowSize(cols, PDQ_DOWNSAMPLE);
  const rowBytes = cols * channels;
  downsample(rows, cols, s, out64, (r0, lanes, dest) => {
    fillLuma(pixels.subarray(r0 * rowBytes, (r0 + lanes) * rowBytes), cols, lanes, channels, s.lumaBlock);
    boxAlongRows(s.lumaBlock, dest, lanes, cols, windowAlongRows);
  });
}

/**
 * Downsamples a float luminance plane (rows × cols, row-major; not modified) to 64×64 in `out64`.
 * The plane may be a rectangle of a larger one: row r starts at `offset + r * stride` (by default
 * the rows are contiguous). Such rows are copied a block at a time into `lumaBlock` first, so the row
 * filter's hot loop stays the same; the values are identical either way.
 */
export function jaroszFromLuma(
  luma: Float32Array,
  rows: number,
  cols: number,
  s: JaroszScratch,
  out64: Float32Array,
  stride = cols,
  offset = 0,
): void {
  downsample(rows, cols, s, out64, lumaProducer(luma, cols, s, stride, offset));
}

/** Step 1's rows from a luminance plane (see {@link jaroszFromLuma}). */
function lumaProducer(
  luma: Float32Array,
  cols: number,
  s: JaroszScratch,
  stride: number,
  offset: number,
): RowProducer {
  const windowAlongRows = computeJaroszFilterWindowSize(cols, PDQ_DOWNSAMPLE);
  if (stride === cols) {
    return (r0, lanes, dest) => {
      const from = offset + r0 * cols;
      boxAlongRows(luma.subarray(from, from + lanes * cols), dest, lanes, cols, windowAlongRows);
    };
  }
  return (r0, lanes, dest) => {
    for (let l = 0; l < lanes; l++) {
      const from = offset + (r0 + l) * stride;
      s.lumaBlock.set(luma.subarray(from, from + cols), l * cols);
    }
    boxAlongRows(s.lumaBlock, dest, lanes, cols, windowAlongRows);
  };
}

/**
 * Where the mirror image's 64 cells fall in this image's filtered plane, along one axis of `length`
 * samples, or null when they cannot be read from it exactly.
 *
 * The box window reaches `a = window - half` samples back and `b = half - 1` ahead. Mirrored
 * (`x → length-1-x`) those reaches swap, so when they differ (even windows: `b = a + 1`) the mirror's
 * output at `o` averages the same inputs as this image's output at `length-1-1-o`: the same window
 * shifted by one, clipping at the edges included. Two passes shift by two. A mirror output is exact
 * when its window never needs this image's first-pass value at -1 (`o + b ≤ length-2`) nor clips at
 * 0 where this image's would not (`o ≥ a`); with odd windows (`a = b`) it is exact everywhere. The
 * values agree up to float rounding: the running sums go the other way.
 */
export function mirroredSamples(length: number): Int32Array | null {
  const samples = sampleIndices(length);
  const window = computeJaroszFilterWindowSize(length, PDQ_DOWNSAMPLE);
  const half = (window + 2) >> 1;
  const a = window - half;
  const b = half - 1;
  const shift = b - a;
  if (shift !== 0 && (samples[0]! < a || samples[PDQ_DOWNSAMPLE - 1]! + b > length - 2)) return null;
  return samples.map((o) => length - 1 - 2 * shift - o);
}

/**
 * The distinct positions of several sample lists, ascending, and where each list's entries are in
 * it. Distinct: crops often share positions with each other and with the image (a side crop keeps
 * the other axis whole), and every position costs a column of the last passes.
 */
function mergeSamples(lists: readonly Int32Array[]): { merged: Int32Array; at: Int32Array[] } {
  const merged = Int32Array.from(new Set(lists.flatMap((list) => [...list]))).sort();
  const index = new Map(Array.from(merged, (v, k) => [v, k]));
  return { merged, at: lists.map((list) => list.map((v) => index.get(v)!)) };
}

/** Whether {@link jaroszTurnsFromLuma} can read the mirrored images from a rows × cols filtering. */
export function turnsFromOneFiltering(rows: number, cols: number): boolean {
  return mirroredSamples(rows) !== null && mirroredSamples(cols) !== null;
}

/** A rectangle of a plane: its left column, top row and size. */
export interface SampleBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where a box's 64 cells are centred along one axis, in the plane's coordinates. */
function boxSamples(start: number, length: number): Int32Array {
  return sampleIndices(length).map((i) => start + i);
}

/** The 64×64 downsamples {@link jaroszTurnsFromLuma} fills. */
export interface TurnDownsamples {
  /** This image, bit for bit as {@link jaroszFromLuma}. */
  original: Float32Array;
  /** The left-right mirror. */
  mirror: Float32Array;
  /** The upside-down flip. */
  flip: Float32Array;
  /** One per box asked for: the image's filtered plane sampled at the box's own 64×64 cell centres. */
  boxes: Float32Array[];
}

/**
 * The downsamples of a luminance plane, of its left-right mirror and of its upside-down flip, from one
 * filtering: the mirrored images' cells are read from this image's filtered plane at the positions
 * {@link mirroredSamples} gives (so their values match filtering the flipped pixels up to float
 * rounding), which costs a few percent over one hash instead of two more. Quarter turns are these
 * flips transposed.
 *
 * The same filtering also gives a downsample of each box in `boxes` (crops of the image): the plane
 * sampled at the centres of the box's own 64×64 cells. That is not what filtering the cropped pixels
 * gives: the box filter's window is the image's, not the crop's (a crop of 80–90% may have a window
 * one pixel shorter), and cells at the crop's edge average a few pixels from outside it. Measured on
 * the 45 fixture photos of at least 300 px, each of the six registration crops sampled this way is a
 * median 0–4 bits (90th percentile 6–12) from hashing the cropped pixels. Cost: each box adds up to
 * 64 sampled columns and rows to the last two passes, a few percent of a hash (six crops: 1000×1000
 * +~50%, 2048×2048 +~20%), instead of a whole hash of the crop.
 *
 * Returns false, filling nothing, when the image is too small for the mirrored samples.
 */
export function jaroszTurnsFromLuma(
  luma: Float32Array,
  rows: number,
  cols: number,
  s: JaroszScratch,
  out: TurnDownsamples,
  stride = cols,
  offset = 0,
  boxes: readonly SampleBox[] = [],
): boolean {
  const mirrorCols = mirroredSamples(cols);
  const mirrorRows = mirroredSamples(rows);
  if (mirrorCols === null || mirrorRows === null) return false;
  const c = mergeSamples([sampleIndices(cols), mirrorCols, ...boxes.map((b) => boxSamples(b.left, b.width))]);
  const r = mergeSamples([sampleIndices(rows), mirrorRows, ...boxes.map((b) => boxSamples(b.top, b.height))]);
  const width = c.merged.length;
  const grid = new Float32Array(r.merged.length * width);
  downsample(rows, cols, s, grid, lumaProducer(luma, cols, s, stride, offset), c.merged, r.merged);
  const pick = (dest: Float32Array, atRows: Int32Array, atCols: Int32Array): void => {
    for (let k = 0; k < PDQ_DOWNSAMPLE; k++) {
      const row = atRows[k]! * width;
      for (let i = 0; i < PDQ_DOWNSAMPLE; i++) dest[k * PDQ_DOWNSAMPLE + i] = grid[row + atCols[i]!]!;
    }
  };
  pick(out.original, r.at[0]!, c.at[0]!);
  pick(out.mirror, r.at[0]!, c.at[1]!);
  pick(out.flip, r.at[1]!, c.at[0]!);
  boxes.forEach((_, b) => {
    out.boxes[b] ??= new Float32Array(PDQ_DOWNSAMPLE * PDQ_DOWNSAMPLE);
    pick(out.boxes[b]!, r.at[2 + b]!, c.at[2 + b]!);
  });
  return true;
}
