/**
 * The brute-force baseline: compare the query with every code. Tests use it as the oracle for
 * the index and the bench as the speed baseline, so it is the fastest honest scan we have (early
 * exit once the running distance passes the radius), not a strawman.
 */

/**
 * Module-local copy of bits.ts's popcount32. With the shared one, V8 sometimes stopped inlining
 * it into this loop (depending on what else had called it first) and the loop ran 5x slower.
 */
function pop(x: number): number {
  let v = (x - ((x >>> 1) & 0x55555555)) | 0;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** A code found by position in the scanned array. */
export interface LinearHit {
  /** Position of the code in the array (code `i` is words `8i .. 8i+7`). */
  readonly index: number;
  /** Hamming distance to the query. */
  readonly distance: number;
}

/** Every code in `codes` (8 words each) within `radius` bits of `query`, in array order. */
export function linearSearch(codes: Uint32Array, query: Uint32Array, radius: number): LinearHit[] {
  const out: LinearHit[] = [];
  if (radius < 0) return out;
  // Read words as int32: a uint32 above 2^31 is not a small integer to V8, and code paths that
  // first saw only small ones deoptimise ("lost precision") when it arrives, then run 5x slower.
  const c = new Int32Array(codes.buffer, codes.byteOffset, codes.length);
  const q0 = query[0]! | 0;
  const q1 = query[1]! | 0;
  const q2 = query[2]! | 0;
  const q3 = query[3]! | 0;
  const q4 = query[4]! | 0;
  const q5 = query[5]! | 0;
  const q6 = query[6]! | 0;
  const q7 = query[7]! | 0;
  const n = codes.length >>> 3;
  // Literal 8 (words per code): with an imported constant V8 types `o` as a double and the scan
  // runs 8x slower.
  for (let i = 0, o = 0; i < n; i++, o += 8) {
    // Exit checks sit where random codes are far past r = 31 (see segment-search.ts): a branch
    // that goes both ways costs more than the popcounts it skips.
    let d = pop(c[o]! ^ q0) + pop(c[o + 1]! ^ q1) + pop(c[o + 2]! ^ q2) + pop(c[o + 3]! ^ q3);
    if (d > radius) continue;
    d += pop(c[o + 4]! ^ q4) + pop(c[o + 5]! ^ q5);
    if (d > radius) continue;
    d += pop(c[o + 6]! ^ q6) + pop(c[o + 7]! ^ q7);
    if (d <= radius) out.push({ index: i, distance: d });
  }
  return out;
}
