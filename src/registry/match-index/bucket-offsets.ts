/**
 * Bucket boundaries of one table, stored in two levels: a 32-bit base per block of 2^shift
 * buckets plus a 16-bit delta per bucket. Direct-addressed tables are wide (2^22-2^23 buckets at
 * 10M codes), so this halves their biggest fixed cost and lets the planner afford one more bit
 * per table, which halves the candidates each probe yields. The base array is small enough to
 * stay in cache, so a lookup costs about what a plain Uint32 offsets read does.
 */

/** Buckets per block, as a shift: 64 buckets share one base. */
export const BLOCK_SHIFT = 6;
const MAX_DELTA = 0xffff;

/** Start of bucket `k` is `base[k >>> shift] + delta[k]`; bucket `k` ends where `k + 1` starts. */
export interface BucketOffsets {
  readonly shift: number;
  readonly base: Uint32Array;
  readonly delta: Uint16Array;
}

/** Bytes the two-level offsets of a `bits`-bit table take (at the default block size). */
export function bucketOffsetsBytes(bits: number): number {
  return 2 * (2 ** bits + 1) + 4 * (2 ** Math.max(0, bits - BLOCK_SHIFT) + 1);
}

/**
 * Packs plain offsets (`size + 1` bucket starts, the last one = number of postings). A block
 * whose buckets start more than 65535 postings after the block does (a huge cluster of
 * near-duplicates) makes the blocks smaller, down to one bucket per block, where every delta is 0.
 */
export function packOffsets(offsets: Uint32Array): BucketOffsets {
  let shift = BLOCK_SHIFT;
  while (shift > 0 && !fits(offsets, shift)) shift--;
  const size = offsets.length - 1;
  const base = new Uint32Array((size >>> shift) + 1);
  for (let j = 0; j < base.length; j++) base[j] = offsets[Math.min(size, j << shift)]!;
  const delta = new Uint16Array(offsets.length);
  for (let k = 0; k <= size; k++) delta[k] = offsets[k]! - base[k >>> shift]!;
  return { shift, base, delta };
}

function fits(offsets: Uint32Array, shift: number): boolean {
  for (let k = 0; k < offsets.length; k++) {
    if (offsets[k]! - offsets[(k >>> shift) << shift]! > MAX_DELTA) return false;
  }
  return true;
}

/** Bytes held. */
export function packedBytes(o: BucketOffsets): number {
  return o.base.byteLength + o.delta.byteLength;
}
