/**
 * The column half of PDQ's box filter (see `pdq-box.ts` for the arithmetic and why it is exact):
 * the running sums of all columns advance together, a block of output rows at a time, so the input
 * is read row by row and each block can go straight into the next row pass. Within a block, strips
 * of eight columns go down the rows with their eight sums in registers: eight independent chains of
 * float additions, whose loads and stores share one row offset each.
 *
 * The input may be a ring of rows rather than the whole matrix: output row o only reads input row
 * o+half-1 (entering the window) and o-back-1 (leaving it), so a block of n rows needs the
 * `window + n` rows between those kept, and the caller fills the ring just ahead of the steps.
 *
 * Rows outside the image are read as a row of zeros: the reference's growing phase (add, no
 * subtraction) is then an ordinary step, since `float(float(s + x) - 0) = float(s + x)`, and so is
 * its shrinking phase (`float(s + 0) = s`; a sum is never -0, which `+ 0` would turn into +0). Only
 * the divisor (the window clipped to the image) differs from row to row. Every step therefore runs
 * the same code whatever the row and the image size, which matters in V8: a branch first taken after
 * a function was optimised deoptimises it, and from then on V8 may keep running its
 * on-stack-replacement code, which is about a quarter slower in these loops.
 *
 * Pure module: used by the browser bundle as well.
 */
import { LANES } from './pdq-box.js';

/**
 * Box filter down every column of a rows × cols matrix, a block of output rows per {@link steps}: the
 * running sums of all columns live in `sums` (at least `cols` floats) between blocks. Input row r is
 * read from `input[(r % ringRows) * cols …]`, rows outside the image from `input[zeroAt … zeroAt +
 * cols)`, which the constructor zeroes; rows 0 .. ⌊(window+2)/2⌋-2 must be there when constructing.
 */
export class ColumnBox {
  private readonly half: number;
  /** How far the window reaches back: output row o averages input rows o-back .. o+half-1. */
  private readonly back: number;
  private o: number;
  /** Per row of the current block: where its entering and leaving rows and its output start; 1/count. */
  private readonly enter = new Int32Array(LANES);
  private readonly leave = new Int32Array(LANES);
  private readonly at = new Int32Array(LANES);
  private readonly inverse = new Float64Array(LANES);

  constructor(
    private readonly input: Float32Array,
    private readonly rows: number,
    private readonly cols: number,
    window: number,
    private readonly sums: Float32Array,
    private readonly zeroAt: number,
    private readonly ringRows: number = rows,
  ) {
    this.half = (window + 2) >> 1;
    this.back = window - this.half;
    input.fill(0, zeroAt, zeroAt + cols);
    sums.fill(0, 0, cols);
    // The reference first sums input rows 0 .. half-2 without output: the steps before output row 0.
    this.o = -this.half;
    for (let k = 1; k < this.half; k++) this.advance();
  }

  /** Index of the current output row (-1 before the first step). */
  get row(): number {
    return this.o;
  }

  /** Where input row r is: its ring slot, or the zero row outside the image. */
  private rowAt(r: number): number {
    return r < 0 || r >= this.rows ? this.zeroAt : (r % this.ringRows) * this.cols;
  }

  /** 1 / how many input rows output row o averages (the window clipped to the image). */
  private inverseCount(o: number): number {
    return 1 / (Math.min(o + this.half - 1, this.rows - 1) - Math.max(o - this.back, 0) + 1);
  }

  /** Advances to the next output row without writing it: add the entering row, subtract the leaving one. */
  advance(): void {
    const { input, sums, cols } = this;
    const o = ++this.o;
    const ri = this.rowAt(o + this.half - 1);
    const li = this.rowAt(o - this.back - 1);
    // Two float roundings, as the reference's `sum += in; sum -= out;` (the store rounds the second).
    for (let j = 0; j < cols; j++) sums[j] = Math.fround(sums[j]! + input[ri + j]!) - input[li + j]!;
  }

  /**
   * Advances `n` output rows (at most {@link LANES}, the row passes' block) and writes them (`cols`
   * floats each) to `out` at `offset`, `offset + stride`, ….
   */
  steps(out: Float32Array, offset: number, stride: number, n: number): void {
    for (let t = 0; t < n; t++) {
      const o = ++this.o;
      this.enter[t] = this.rowAt(o + this.half - 1);
      this.leave[t] = this.rowAt(o - this.back - 1);
      this.at[t] = offset + t * stride;
      this.inverse[t] = this.inverseCount(o);
    }
    boxColumnBlock(this.input, this.sums, out, this.enter, this.leave, this.at, this.inverse, n, this.cols);
  }

  /** Writes the current output row (`cols` floats) to `out` at `offset`. */
  write(out: Float32Array, offset: number): void {
    const { sums, cols } = this;
    const inv = this.inverseCount(this.o);
    for (let j = 0; j < cols; j++) out[offset + j] = sums[j]! * inv;
  }
}

/**
 * One block of {@link ColumnBox.steps}: for output rows t < n, sums[j] += input[enter[t] + j] -
 * input[leave[t] + j] (rounded after each operation) and out[at[t] + j] = sums[j] · inverse[t].
 * Strips of eight columns keep their sums in registers down the block; the remaining 1 to 8 columns
 * (`j + 8 < cols` leaves at least one) go one at a time, so both loops run on every call whatever the
 * width (see the module comment on branches first taken late).
 */
function boxColumnBlock(
  input: Float32Array,
  sums: Float32Array,
  out: Float32Array,
  enter: Int32Array,
  leave: Int32Array,
  at: Int32Array,
  inverse: Float64Array,
  n: number,
  cols: number,
): void {
  let j = 0;
  for (; j + 8 < cols; j += 8) {
    let s0 = sums[j]!;
    let s1 = sums[j + 1]!;
    let s2 = sums[j + 2]!;
    let s3 = sums[j + 3]!;
    let s4 = sums[j + 4]!;
    let s5 = sums[j + 5]!;
    let s6 = sums[j + 6]!;
    let s7 = sums[j + 7]!;
    for (let t = 0; t < n; t++) {
      // `| 0`: plain int32 additions, without V8's overflow checks (see `boxAlongRowsSampled`).
      const e = (enter[t]! + j) | 0;
      const l = (leave[t]! + j) | 0;
      const w = (at[t]! + j) | 0;
      const inv = inverse[t]!;
      s0 = Math.fround(Math.fround(s0 + input[e]!) - input[l]!);
      s1 = Math.fround(Math.fround(s1 + input[e + 1]!) - input[l + 1]!);
      s2 = Math.fround(Math.fround(s2 + input[e + 2]!) - input[l + 2]!);
      s3 = Math.fround(Math.fround(s3 + input[e + 3]!) - input[l + 3]!);
      s4 = Math.fround(Math.fround(s4 + input[e + 4]!) - input[l + 4]!);
      s5 = Math.fround(Math.fround(s5 + input[e + 5]!) - input[l + 5]!);
      s6 = Math.fround(Math.fround(s6 + input[e + 6]!) - input[l + 6]!);
      s7 = Math.fround(Math.fround(s7 + input[e + 7]!) - input[l + 7]!);
      out[w] = s0 * inv;
      out[w + 1] = s1 * inv;
      out[w + 2] = s2 * inv;
      out[w + 3] = s3 * inv;
      out[w + 4] = s4 * inv;
      out[w + 5] = s5 * inv;
      out[w + 6] = s6 * inv;
      out[w + 7] = s7 * inv;
    }
    sums[j] = s0;
    sums[j + 1] = s1;
    sums[j + 2] = s2;
    sums[j + 3] = s3;
    sums[j + 4] = s4;
    sums[j + 5] = s5;
    sums[j + 6] = s6;
    sums[j + 7] = s7;
  }
  for (; j < cols; j++) {
    let s = sums[j]!;
    for (let t = 0; t < n; t++) {
      s = Math.fround(Math.fround(s + input[enter[t]! + j]!) - input[leave[t]! + j]!);
      out[at[t]! + j] = s * inverse[t]!;
    }
    sums[j] = s;
  }
}
