/**
 * The box filter of PDQ's Jarosz downsampling (the reference's `box1DFloat`), in float32.
 *
 * The reference keeps a running float sum per row or column: add the sample entering the window,
 * subtract the one leaving, divide by the current window size. Its rounding depends on the whole
 * history of that row or column, so we replay every sample in the reference's order; only the
 * memory order is ours:
 * - along rows, four rows advance in lock step, because one running sum is a chain of dependent
 *   float additions (latency-bound) and four independent chains keep the CPU busy;
 * - along columns (`pdq-column-box.ts`), we walk rows and keep one running sum per column in a
 *   Float32Array, so memory is read sequentially instead of one row apart.
 * `Math.fround` after each addition reproduces float rounding (rounding a double sum of two floats
 * is exactly the float sum). The reference divides the float sum s by the window count n; we multiply
 * by the double 1/n instead, which is faster and gives the same float: s has 24 significant bits,
 * so s/n is never exactly halfway between two floats and sits at least 2^-25/n (relative) away from
 * such a midpoint, while s·(1/n) is within 2^-52 of s/n; for any window below 2^20 both round alike.
 * (This needs s/n to be a normal float; PDQ's sums are 0 or far above the subnormal range.)
 * `pdq-box.test.ts` checks it on hundreds of thousands of cases.
 *
 * Window of size w, half h = ⌊(w+2)/2⌋: output o averages inputs [o-(w-h), o+h-1] clipped to the
 * vector, in four phases (accumulate h-1; write while growing; slide; shrink).
 *
 * Pure module: used by the browser bundle as well.
 */

interface Phases {
  p1: number;
  p2: number;
  p3: number;
  p4: number;
}

function phases(length: number, window: number): Phases {
  const half = (window + 2) >> 1;
  return { p1: half - 1, p2: window - half + 1, p3: length - window, p4: half - 1 };
}

/** Row offsets of the four lanes; lanes past the last row repeat it (same reads, same writes). */
function laneBases(r0: number, rows: number, stride: number): [number, number, number, number] {
  const last = rows - 1;
  return [
    r0 * stride,
    Math.min(r0 + 1, last) * stride,
    Math.min(r0 + 2, last) * stride,
    Math.min(r0 + 3, last) * stride,
  ];
}

/**
 * Box filter along every row of `input` (rows × cols, row-major) into `output` (same shape).
 * Four rows at a time; a phase loop per reference phase, written out so that V8 keeps it tight.
 */
export function boxAlongRows(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
): void {
  const { p1, p2, p3, p4 } = phases(cols, window);
  for (let r = 0; r < rows; r += 4) {
    const [b0, b1, b2, b3] = laneBases(r, rows, cols);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let count = 0;
    let ri = 0;
    let li = 0;
    let oi = 0;
    for (let i = 0; i < p1; i++, ri++, count++) {
      s0 = Math.fround(s0 + input[b0 + ri]!);
      s1 = Math.fround(s1 + input[b1 + ri]!);
      s2 = Math.fround(s2 + input[b2 + ri]!);
      s3 = Math.fround(s3 + input[b3 + ri]!);
    }
    for (let i = 0; i < p2; i++, ri++, oi++) {
      const inv = 1 / ++count;
      s0 = Math.fround(s0 + input[b0 + ri]!);
      s1 = Math.fround(s1 + input[b1 + ri]!);
      s2 = Math.fround(s2 + input[b2 + ri]!);
      s3 = Math.fround(s3 + input[b3 + ri]!);
      output[b0 + oi] = s0 * inv;
      output[b1 + oi] = s1 * inv;
      output[b2 + oi] = s2 * inv;
      output[b3 + oi] = s3 * inv;
    }
    const inv = 1 / count;
    for (let i = 0; i < p3; i++, ri++, li++, oi++) {
      s0 = Math.fround(Math.fround(s0 + input[b0 + ri]!) - input[b0 + li]!);
      s1 = Math.fround(Math.fround(s1 + input[b1 + ri]!) - input[b1 + li]!);
      s2 = Math.fround(Math.fround(s2 + input[b2 + ri]!) - input[b2 + li]!);
      s3 = Math.fround(Math.fround(s3 + input[b3 + ri]!) - input[b3 + li]!);
      output[b0 + oi] = s0 * inv;
      output[b1 + oi] = s1 * inv;
      output[b2 + oi] = s2 * inv;
      output[b3 + oi] = s3 * inv;
    }
    for (let i = 0; i < p4; i++, li++, oi++) {
      const inv = 1 / --count;
      s0 = Math.fround(s0 - input[b0 + li]!);
      s1 = Math.fround(s1 - input[b1 + li]!);
      s2 = Math.fround(s2 - input[b2 + li]!);
      s3 = Math.fround(s3 - input[b3 + li]!);
      output[b0 + oi] = s0 * inv;
      output[b1 + oi] = s1 * inv;
      output[b2 + oi] = s2 * inv;
      output[b3 + oi] = s3 * inv;
    }
  }
}

/**
 * As {@link boxAlongRows}, but only the columns in `sampleCols` (ascending, repeats allowed: 64 for
 * one hash, repeated for images narrower than 64; more when mirrored samples are taken too) are
 * stored, compactly: `output` is rows × `sampleCols.length`. The sums still visit every sample.
 */
export function boxAlongRowsSampled(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
  sampleCols: Int32Array,
): void {
  const { p1, p2, p3, p4 } = phases(cols, window);
  const width = sampleCols.length;
  for (let r = 0; r < rows; r += 4) {
    const [b0, b1, b2, b3] = laneBases(r, rows, cols);
    const [o0, o1, o2, o3] = laneBases(r, rows, width);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let count = 0;
    let ri = 0;
    let li = 0;
    let oi = 0;
    let k = 0;
    let next = sampleCols[0]!;
    for (let i = 0; i < p1; i++, ri++, count++) {
      s0 = Math.fround(s0 + input[b0 + ri]!);
      s1 = Math.fround(s1 + input[b1 + ri]!);
      s2 = Math.fround(s2 + input[b2 + ri]!);
      s3 = Math.fround(s3 + input[b3 + ri]!);
    }
    for (let i = 0; i < p2; i++, ri++, oi++) {
      const inv = 1 / ++count;
      s0 = Math.fround(s0 + input[b0 + ri]!);
      s1 = Math.fround(s1 + input[b1 + ri]!);
      s2 = Math.fround(s2 + input[b2 + ri]!);
      s3 = Math.fround(s3 + input[b3 + ri]!);
      while (oi === next) {
        output[o0 + k] = s0 * inv;
        output[o1 + k] = s1 * inv;
        output[o2 + k] = s2 * inv;
        output[o3 + k] = s3 * inv;
        next = ++k < width ? sampleCols[k]! : -1;
      }
    }
    const inv = 1 / count;
    for (let i = 0; i < p3; i++, ri++, li++, oi++) {
      s0 = Math.fround(Math.fround(s0 + input[b0 + ri]!) - input[b0 + li]!);
      s1 = Math.fround(Math.fround(s1 + input[b1 + ri]!) - input[b1 + li]!);
      s2 = Math.fround(Math.fround(s2 + input[b2 + ri]!) - input[b2 + li]!);
      s3 = Math.fround(Math.fround(s3 + input[b3 + ri]!) - input[b3 + li]!);
      while (oi === next) {
        output[o0 + k] = s0 * inv;
        output[o1 + k] = s1 * inv;
        output[o2 + k] = s2 * inv;
        output[o3 + k] = s3 * inv;
        next = ++k < width ? sampleCols[k]! : -1;
      }
    }
    for (let i = 0; i < p4; i++, li++, oi++) {
      const inv = 1 / --count;
      s0 = Math.fround(s0 - input[b0 + li]!);
      s1 = Math.fround(s1 - input[b1 + li]!);
      s2 = Math.fround(s2 - input[b2 + li]!);
      s3 = Math.fround(s3 - input[b3 + li]!);
      while (oi === next) {
        output[o0 + k] = s0 * inv;
        output[o1 + k] = s1 * inv;
        output[o2 + k] = s2 * inv;
        output[o3 + k] = s3 * inv;
        next = ++k < width ? sampleCols[k]! : -1;
      }
    }
  }
}
