/**
 * The column half of PDQ's box filter (see `pdq-box.ts` for the arithmetic and why it is exact):
 * the running sums of all columns advance together, one output row per step, so the input is read
 * row by row and each output row can go straight into the next row pass.
 *
 * The input may be a ring of rows rather than the whole matrix: a step only reads the row entering
 * the window and the row leaving it, so `ringRows ≥ window + 2` rows kept around the current one are
 * enough, and the caller fills the ring just ahead of the steps.
 *
 * Pure module: used by the browser bundle as well.
 */

/**
 * Box filter down every column of a rows × cols matrix, one output row per {@link step}: the running
 * sums of all columns live in `sums` (at least `cols` floats). Input row r is read from
 * `input[(r % ringRows) * cols …]`; rows 0 .. ⌊(window+2)/2⌋-2 must be there when constructing.
 */
export class ColumnBox {
  private readonly half: number;
  private readonly lead: number;
  private readonly lastFull: number;
  private o = -1;
  private count: number;

  constructor(
    private readonly input: Float32Array,
    rows: number,
    private readonly cols: number,
    window: number,
    private readonly sums: Float32Array,
    private readonly ringRows: number = rows,
  ) {
    this.half = (window + 2) >> 1;
    this.lead = window - this.half + 1;
    this.lastFull = rows - this.half;
    this.count = this.half - 1;
    sums.fill(0, 0, cols);
    for (let r = 0; r < this.half - 1; r++) {
      const ri = this.offset(r);
      for (let j = 0; j < cols; j++) sums[j] = sums[j]! + input[ri + j]!;
    }
  }

  /** Index of the current output row (-1 before the first {@link step}). */
  get row(): number {
    return this.o;
  }

  /** The last input row the next step reads (the caller must have produced it). */
  get nextInputRow(): number {
    return this.o + this.half;
  }

  private offset(row: number): number {
    return (row % this.ringRows) * this.cols;
  }

  /**
   * Advances to the next output row (add the entering input row, subtract the leaving one) and, when
   * `out` is given, writes that row (`cols` floats) to it at `offset`, in the same sweep.
   */
  step(out?: Float32Array, offset = 0): void {
    const { input, sums, cols } = this;
    const o = ++this.o;
    const grow = o < this.lead;
    const shrink = o > this.lastFull;
    const ri = shrink ? 0 : this.offset(o + this.half - 1);
    const li = grow ? 0 : this.offset(o - this.lead);
    if (grow) this.count++;
    if (shrink) this.count--;
    const inv = 1 / this.count;
    if (out === undefined) {
      if (!grow && !shrink) {
        for (let j = 0; j < cols; j++) sums[j] = Math.fround(sums[j]! + input[ri + j]!) - input[li + j]!;
      } else if (grow) {
        for (let j = 0; j < cols; j++) sums[j] = sums[j]! + input[ri + j]!;
      } else {
        for (let j = 0; j < cols; j++) sums[j] = sums[j]! - input[li + j]!;
      }
    } else if (!grow && !shrink) {
      // Two float roundings, as the reference's `sum += in; sum -= out;`.
      for (let j = 0; j < cols; j++) {
        const s = Math.fround(Math.fround(sums[j]! + input[ri + j]!) - input[li + j]!);
        sums[j] = s;
        out[offset + j] = s * inv;
      }
    } else if (grow) {
      for (let j = 0; j < cols; j++) {
        const s = Math.fround(sums[j]! + input[ri + j]!);
        sums[j] = s;
        out[offset + j] = s * inv;
      }
    } else {
      for (let j = 0; j < cols; j++) {
        const s = Math.fround(sums[j]! - input[li + j]!);
        sums[j] = s;
        out[offset + j] = s * inv;
      }
    }
  }

  /**
   * Two {@link step}s writing to `out` at `offset` and `offset + cols`. When both rows slide (the
   * common case) the running sum stays in a register between them: half the traffic on `sums`.
   */
  step2(out: Float32Array, offset: number): void {
    const o = this.o + 1;
    if (o < this.lead || o + 1 > this.lastFull) {
      this.step(out, offset);
      this.step(out, offset + this.cols);
      return;
    }
    this.o = o + 1;
    const { input, sums, cols } = this;
    const inv = 1 / this.count;
    const ri = this.offset(o + this.half - 1);
    const li = this.offset(o - this.lead);
    const ri2 = this.offset(o + this.half);
    const li2 = this.offset(o + 1 - this.lead);
    const o2 = offset + cols;
    for (let j = 0; j < cols; j++) {
      let s = Math.fround(Math.fround(sums[j]! + input[ri + j]!) - input[li + j]!);
      out[offset + j] = s * inv;
      s = Math.fround(Math.fround(s + input[ri2 + j]!) - input[li2 + j]!);
      out[o2 + j] = s * inv;
      sums[j] = s;
    }
  }

  /** Writes the current output row (`cols` floats) to `out` at `offset`. */
  write(out: Float32Array, offset: number): void {
    const { sums, cols } = this;
    const inv = 1 / this.count;
    for (let j = 0; j < cols; j++) out[offset + j] = sums[j]! * inv;
  }
}
