/**
 * Enumerates the bucket keys a table probes: the query's substring and every value within t
 * flipped bits of it, each exactly once. Keys are written to an array first so the offset loads
 * that follow run as one tight loop of independent memory reads.
 */
import { binomial } from './plan.js';

/** How many keys lie within `t` bits of a `bits`-bit key. */
export function probeCount(bits: number, t: number): number {
  let n = 0;
  for (let k = 0; k <= Math.min(t, bits); k++) n += binomial(bits, k);
  return n;
}

/**
 * Writes `key` and every key within `t` flipped bits (of the low `bits` bits) into `out`, which
 * must hold {@link probeCount}(bits, t) entries. Returns the number written.
 */
export function writeProbeKeys(key: number, bits: number, t: number, out: Uint32Array): number {
  let n = 0;
  out[n++] = key;
  if (t >= 1) for (let a = 0; a < bits; a++) out[n++] = key ^ (1 << a);
  if (t >= 2) {
    for (let a = 1; a < bits; a++) {
      const ka = key ^ (1 << a);
      for (let b = 0; b < a; b++) out[n++] = ka ^ (1 << b);
    }
  }
  const limit = 2 ** bits;
  for (let k = 3; k <= t && k <= bits; k++) {
    // Gosper's hack: the next larger integer with the same number of set bits.
    for (let mask = (1 << k) - 1; mask < limit; ) {
      out[n++] = key ^ mask;
      const c = mask & -mask;
      const r = mask + c;
      mask = (((r ^ mask) >>> 2) / c) | r;
    }
  }
  return n;
}
