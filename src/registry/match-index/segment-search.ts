/**
 * Range search inside one segment. Per table: list the probe keys, read every probed bucket's
 * bounds, gather the postings, then verify all candidates. Each step is a tight loop of
 * independent loads, so the CPU keeps many cache misses in flight; at 10M codes nearly every
 * offset and code read misses cache, and this batching is what makes a query sub-millisecond.
 */
import { extractBits } from './bits.js';
import type { Bitset } from './bitset.js';
import { linearSearch } from './linear-search.js';
import { MAX_TABLES } from './plan.js';
import { probeCount, writeProbeKeys } from './probe-keys.js';
import { type Segment, segmentThresholds } from './segment.js';
import type { SearchHit } from './types.js';

/**
 * Module-local copy of bits.ts's popcount32. With the shared one, V8 sometimes stopped inlining
 * it into these loops (depending on what else had called it first) and they ran 5x slower.
 */
function pop(x: number): number {
  let v = (x - ((x >>> 1) & 0x55555555)) | 0;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** Candidates touched per block: their cache lines (512 x 64 B) stay in L2 until verified. */
const TOUCH_BLOCK = 512;

/** Searches segments; one instance per index, reusing its scratch arrays across queries. */
export class SegmentSearcher {
  // Int32 views throughout: a uint32 above 2^31 is not a small integer to V8, and mixing the two
  // deoptimises hot loops ("lost precision").
  private readonly q = new Int32Array(8);
  private readonly qKeys = new Uint32Array(MAX_TABLES);
  private keys = new Uint32Array(512);
  private starts = new Uint32Array(512);
  private ends = new Uint32Array(512);
  private cand = new Uint32Array(4096);
  private near = new Uint8Array(4096);
  /** Sink for touched words (see `touchCodes`); never read for its value. */
  sink = 0;

  /** Appends to `out` every live code in `seg` within `radius` of `query` (8 words). */
  search(seg: Segment, query: Uint32Array, radius: number, deleted: Bitset, out: SearchHit[]): void {
    if (seg.count === 0) return;
    this.q.set(query);
    const th = seg.tables.length === 0 ? null : segmentThresholds(seg, radius);
    if (th === null) {
      // linearSearch keeps the query in locals and is the fastest scan we have.
      for (const hit of linearSearch(seg.codes.subarray(0, seg.count * 8), query, radius)) {
        if (!deleted.has(seg.slotBase + hit.index))
          out.push({ id: seg.ids[hit.index]!, distance: hit.distance });
      }
      return;
    }
    const { tables } = seg;
    const words = new Int32Array(seg.codes.buffer, seg.codes.byteOffset, seg.codes.length);
    for (let i = 0; i < tables.length; i++)
      this.qKeys[i] = extractBits(this.q, 0, tables[i]!.start, tables[i]!.bits);
    for (let i = 0; i < tables.length; i++) {
      const t = th.radii[i]!;
      if (t < 0) continue;
      const nCand = this.gather(i, seg, t);
      this.verify(words, nCand, radius, i, th.radii, seg, deleted, out);
    }
  }

  /** Fills `cand` with the postings of every bucket table `i` probes; returns how many. */
  private gather(i: number, seg: Segment, t: number): number {
    const { offsets, postings, bits } = seg.tables[i]!;
    const { base, delta, shift } = offsets;
    const nKeys = probeCount(bits, t);
    if (this.keys.length < nKeys) {
      this.keys = new Uint32Array(nKeys);
      this.starts = new Uint32Array(nKeys);
      this.ends = new Uint32Array(nKeys);
    }
    const { keys, starts, ends } = this;
    writeProbeKeys(this.qKeys[i]!, bits, t, keys);
    let total = 0;
    for (let k = 0; k < nKeys; k++) {
      const key = keys[k]!;
      const s = base[key >>> shift]! + delta[key]!;
      const e = base[(key + 1) >>> shift]! + delta[key + 1]!;
      starts[k] = s;
      ends[k] = e;
      total += e - s;
    }
    if (this.cand.length < total) {
      this.cand = new Uint32Array(total * 2);
      this.near = new Uint8Array(total * 2);
    }
    const cand = this.cand;
    // Touch each bucket's first posting before copying (see `touchCodes`).
    let sink = 0;
    for (let k = 0; k < nKeys; k++) if (ends[k]! > starts[k]!) sink ^= postings[starts[k]!]!;
    this.sink ^= sink;
    let n = 0;
    for (let k = 0; k < nKeys; k++) {
      const e = ends[k]!;
      for (let p = starts[k]!; p < e; p++) cand[n++] = postings[p]!;
    }
    return n;
  }

  /** Verifies `cand[0..n)` and appends matches not already reported by an earlier table. */
  private verify(
    w: Int32Array,
    n: number,
    r: number,
    table: number,
    radii: Int8Array,
    seg: Segment,
    deleted: Bitset,
    out: SearchHit[],
  ): void {
    const { cand, near, q } = this;
    const q0 = q[0]!;
    const q1 = q[1]!;
    const q2 = q[2]!;
    const q3 = q[3]!;
    for (let b = 0; b < n; b += TOUCH_BLOCK) {
      const end = Math.min(n, b + TOUCH_BLOCK);
      this.touchCodes(w, b, end);
      // Branch-free pass over half of each code; a random code is ~64 +- 6 bits away on these
      // 128 bits, far above r = 31, so the branchy second pass rarely goes further.
      for (let c = b; c < end; c++) {
        const o = cand[c]! * 8;
        near[c] = pop(w[o]! ^ q0) + pop(w[o + 1]! ^ q1) + pop(w[o + 2]! ^ q2) + pop(w[o + 3]! ^ q3);
      }
    }
    for (let c = 0; c < n; c++) {
      let d = near[c]!;
      if (d > r) continue;
      const local = cand[c]!;
      const o = local * 8;
      d += pop(w[o + 4]! ^ q[4]!) + pop(w[o + 5]! ^ q[5]!) + pop(w[o + 6]! ^ q[6]!) + pop(w[o + 7]! ^ q[7]!);
      if (d > r || deleted.has(seg.slotBase + local) || this.foundEarlier(w, o, table, radii, seg)) continue;
      out.push({ id: seg.ids[local]!, distance: d });
    }
  }

  /**
   * Loads one word of each candidate code and nothing else. JS has no prefetch; a loop of bare
   * independent loads lets the CPU overlap dozens of cache and TLB misses, while the popcount loop
   * that follows would stall on each one in turn. Measured at 10M codes: 27 ns per candidate
   * instead of 92.
   */
  private touchCodes(w: Int32Array, from: number, to: number): void {
    const cand = this.cand;
    let sink = 0;
    for (let c = from; c < to; c++) sink ^= w[cand[c]! * 8]!;
    // Keeping the result stops the compiler from dropping the loads.
    this.sink ^= sink;
  }

  /**
   * A match can sit in several tables' probed buckets. It is reported only from the first table
   * whose substring is within that table's probe radius, which needs no visited set.
   */
  private foundEarlier(w: Int32Array, o: number, table: number, radii: Int8Array, seg: Segment): boolean {
    for (let j = 0; j < table; j++) {
      const t = radii[j]!;
      if (t < 0) continue;
      const tab = seg.tables[j]!;
      if (pop(extractBits(w, o, tab.start, tab.bits) ^ this.qKeys[j]!) <= t) return true;
    }
    return false;
  }
}
