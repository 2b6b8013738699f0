/**
 * The box filter of PDQ's Jarosz downsampling (the reference's `box1DFloat`), in float32.
 *
 * The reference keeps a running float sum per row or column: add the sample entering the window,
 * subtract the one leaving, divide by the current window size. Its rounding depends on the whole
 * history of that row or column, so we replay every sample in the reference's order; only the
 * memory order is ours:
 * - along rows, {@link LANES} rows advance in lock step, because one running sum is a chain of
 *   dependent float additions (latency-bound: in V8 each rounding is a double→float→double
 *   conversion pair) and eight independent chains keep the CPU busier than four did (12–17% faster);
 * - along columns (`pdq-column-box.ts`), we walk rows, so memory is read sequentially instead of one
 *   row apart, and strips of eight columns go down a block of rows with their sums in registers.
 * `Math.fround` after each addition reproduces float rounding (rounding a double sum of two floats
 * is exactly the float sum). The reference divides the float sum s by the window count n; we multiply
 * by the double 1/n instead, which is faster and gives the same float: s has 24 significant bits,
 * so s/n is never exactly halfway between two floats and sits at least 2^-25/n (relative) away from
 * such a midpoint, while s·(1/n) is within 2^-52 of s/n; for any window below 2^20 both round alike.
 * (This needs s/n to be a normal float; PDQ's sums are 0 or far above the subnormal range.)
 * `pdq-box.test.ts` checks it on hundreds of thousands of cases.
 *
 * Window of size w, half h = ⌊(w+2)/2⌋: output o averages inputs [o-(w-h), o+h-1] clipped to the
 * vector, in four phases (accumulate h-1; write while growing; slide; shrink). With zeros around the
 * vector the four are one (see `pdq-column-box.ts`), which {@link boxAlongRowsSampled} uses.
 *
 * Pure module: used by the browser bundle as well.
 */

/** Rows each row pass advances together (see the module comment). */
export const LANES = 8;

/**
 * Box filter along every row of `input` (rows × cols, row-major) into `output` (same shape).
 * {@link LANES} rows at a time (lanes past the last row repeat it: same reads, same writes); a loop
 * per reference phase, written out so that V8 keeps it tight.
 */
export function boxAlongRows(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
): void {
  const half = (window + 2) >> 1;
  const p1 = half - 1;
  const p2 = window - half + 1;
  const p3 = cols - window;
  const p4 = half - 1;
  const last = (rows - 1) * cols;
  for (let r = 0; r < rows; r += LANES) {
    const b0 = r * cols;
    const b1 = Math.min(b0 + cols, last);
    const b2 = Math.min(b0 + 2 * cols, last);
    const b3 = Math.min(b0 + 3 * cols, last);
    const b4 = Math.min(b0 + 4 * cols, last);
    const b5 = Math.min(b0 + 5 * cols, last);
    const b6 = Math.min(b0 + 6 * cols, last);
    const b7 = Math.min(b0 + 7 * cols, last);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    let count = 0;
    let ri = 0;
    let li = 0;
    let oi = 0;
    for (let i = 0; i < p1; i++, ri++, count++) {
      s0 = Math.fround(s0 + input[b0 + ri]!);
      s1 = Math.fround(s1 + input[b1 + ri]!);
      s2 = Math.fround(s2 + input[b2 + ri]!);
      s3 = Math.fround(s3 + input[b3 + ri]!);
      s4 = Math.fround(s4 + input[b4 + ri]!);
      s5 = Math.fround(s5 + input[b5 + ri]!);
      s6 = Math.fround(s6 + input[b6 + ri]!);
      s7 = Math.fround(s7 + input[b7 + ri]!);
    }
    for (let i = 0; i < p2; i++, ri++, oi++) {
      const inv = 1 / ++count;
      s0 = Math.fround(s0 + input[b0 + ri]!);
      s1 = Math.fround(s1 + input[b1 + ri]!);
      s2 = Math.fround(s2 + input[b2 + ri]!);
      s3 = Math.fround(s3 + input[b3 + ri]!);
      s4 = Math.fround(s4 + input[b4 + ri]!);
      s5 = Math.fround(s5 + input[b5 + ri]!);
      s6 = Math.fround(s6 + input[b6 + ri]!);
      s7 = Math.fround(s7 + input[b7 + ri]!);
      output[b0 + oi] = s0 * inv;
      output[b1 + oi] = s1 * inv;
      output[b2 + oi] = s2 * inv;
      output[b3 + oi] = s3 * inv;
      output[b4 + oi] = s4 * inv;
      output[b5 + oi] = s5 * inv;
      output[b6 + oi] = s6 * inv;
      output[b7 + oi] = s7 * inv;
    }
    const inv = 1 / count;
    for (let i = 0; i < p3; i++, ri++, li++, oi++) {
      s0 = Math.fround(Math.fround(s0 + input[b0 + ri]!) - input[b0 + li]!);
      s1 = Math.fround(Math.fround(s1 + input[b1 + ri]!) - input[b1 + li]!);
      s2 = Math.fround(Math.fround(s2 + input[b2 + ri]!) - input[b2 + li]!);
      s3 = Math.fround(Math.fround(s3 + input[b3 + ri]!) - input[b3 + li]!);
      s4 = Math.fround(Math.fround(s4 + input[b4 + ri]!) - input[b4 + li]!);
      s5 = Math.fround(Math.fround(s5 + input[b5 + ri]!) - input[b5 + li]!);
      s6 = Math.fround(Math.fround(s6 + input[b6 + ri]!) - input[b6 + li]!);
      s7 = Math.fround(Math.fround(s7 + input[b7 + ri]!) - input[b7 + li]!);
      output[b0 + oi] = s0 * inv;
      output[b1 + oi] = s1 * inv;
      output[b2 + oi] = s2 * inv;
      output[b3 + oi] = s3 * inv;
      output[b4 + oi] = s4 * inv;
      output[b5 + oi] = s5 * inv;
      output[b6 + oi] = s6 * inv;
      output[b7 + oi] = s7 * inv;
    }
    for (let i = 0; i < p4; i++, li++, oi++) {
      const inv = 1 / --count;
      s0 = Math.fround(s0 - input[b0 + li]!);
      s1 = Math.fround(s1 - input[b1 + li]!);
      s2 = Math.fround(s2 - input[b2 + li]!);
      s3 = Math.fround(s3 - input[b3 + li]!);
      s4 = Math.fround(s4 - input[b4 + li]!);
      s5 = Math.fround(s5 - input[b5 + li]!);
      s6 = Math.fround(s6 - input[b6 + li]!);
      s7 = Math.fround(s7 - input[b7 + li]!);
      output[b0 + oi] = s0 * inv;
      output[b1 + oi] = s1 * inv;
      output[b2 + oi] = s2 * inv;
      output[b3 + oi] = s3 * inv;
      output[b4 + oi] = s4 * inv;
      output[b5 + oi] = s5 * inv;
      output[b6 + oi] = s6 * inv;
      output[b7 + oi] = s7 * inv;
    }
  }
}

/**
 * As {@link boxAlongRows}, but only the columns in `sampleCols` (ascending, repeats allowed: 64 for
 * one hash, repeated for images narrower than 64; more when mirrored samples are taken too) are
 * stored, compactly: `output` is rows × `sampleCols.length`. The sums still visit every sample up to
 * the last one stored.
 *
 * Input row r starts at `first + r * stride`, with at least `window` zeros before and after it
 * (`stride - cols ≥ window`; rows share them): the edge phases then need no code of their own, so
 * the loop is the same for every row, sample and image size.
 */
export function boxAlongRowsSampled(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
  sampleCols: Int32Array,
  first: number,
  stride: number,
): void {
  const half = (window + 2) >> 1;
  const back = window - half;
  const width = sampleCols.length;
  const last = rows - 1;
  for (let r = 0; r < rows; r += LANES) {
    const b0 = first + r * stride;
    const b1 = first + Math.min(r + 1, last) * stride;
    const b2 = first + Math.min(r + 2, last) * stride;
    const b3 = first + Math.min(r + 3, last) * stride;
    const b4 = first + Math.min(r + 4, last) * stride;
    const b5 = first + Math.min(r + 5, last) * stride;
    const b6 = first + Math.min(r + 6, last) * stride;
    const b7 = first + Math.min(r + 7, last) * stride;
    const o0 = r * width;
    const o1 = Math.min(r + 1, last) * width;
    const o2 = Math.min(r + 2, last) * width;
    const o3 = Math.min(r + 3, last) * width;
    const o4 = Math.min(r + 4, last) * width;
    const o5 = Math.min(r + 5, last) * width;
    const o6 = Math.min(r + 6, last) * width;
    const o7 = Math.min(r + 7, last) * width;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    // Output o adds input o+half-1 and subtracts input o-back-1. Starting at o = 1-half, the steps
    // before output 0 sum inputs 0 .. half-2, as the reference does first.
    let ri = 0;
    let li = -window;
    // `| 0` makes the index additions plain int32 ones, without V8's overflow checks (2% of a hash).
    for (let k = 0; k < width; k++) {
      const o = sampleCols[k]!;
      for (const end = o + half - 1; ri <= end; ri++, li++) {
        s0 = Math.fround(Math.fround(s0 + input[(b0 + ri) | 0]!) - input[(b0 + li) | 0]!);
        s1 = Math.fround(Math.fround(s1 + input[(b1 + ri) | 0]!) - input[(b1 + li) | 0]!);
        s2 = Math.fround(Math.fround(s2 + input[(b2 + ri) | 0]!) - input[(b2 + li) | 0]!);
        s3 = Math.fround(Math.fround(s3 + input[(b3 + ri) | 0]!) - input[(b3 + li) | 0]!);
        s4 = Math.fround(Math.fround(s4 + input[(b4 + ri) | 0]!) - input[(b4 + li) | 0]!);
        s5 = Math.fround(Math.fround(s5 + input[(b5 + ri) | 0]!) - input[(b5 + li) | 0]!);
        s6 = Math.fround(Math.fround(s6 + input[(b6 + ri) | 0]!) - input[(b6 + li) | 0]!);
        s7 = Math.fround(Math.fround(s7 + input[(b7 + ri) | 0]!) - input[(b7 + li) | 0]!);
      }
      const inv = 1 / (Math.min(o + half - 1, cols - 1) - Math.max(o - back, 0) + 1);
      output[o0 + k] = s0 * inv;
      output[o1 + k] = s1 * inv;
      output[o2 + k] = s2 * inv;
      output[o3 + k] = s3 * inv;
      output[o4 + k] = s4 * inv;
      output[o5 + k] = s5 * inv;
      output[o6 + k] = s6 * inv;
      output[o7 + k] = s7 * inv;
    }
  }
}
