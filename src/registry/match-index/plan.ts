/**
 * Chooses how a segment of codes is split into hashed substrings, and how far each substring is
 * probed for a given search radius.
 *
 * Exactness rests on the generalised pigeonhole principle (Qin et al., "GPH", ICDE 2018): if codes
 * x and y differ in at most r bits and the disjoint substrings get probe radii t_i with
 * sum(t_i + 1) >= r + 1, then some substring i differs in at most t_i bits, so probing every key
 * within t_i of the query's substring i in table i finds y. Plain multi-index hashing
 * (Norouzi et al.) is the special case t_i = floor(r / m); letting the t_i differ by one saves the
 * probes plain MIH spends beyond r + 1, and t_i = -1 skips a table entirely for small radii.
 * Substrings need not cover all 256 bits, which lets us cap table width by memory.
 */

import { bucketOffsetsBytes } from './bucket-offsets.js';

/** One indexed substring: `bits` consecutive code bits starting at bit `start`. */
export interface Substring {
  readonly start: number;
  readonly bits: number;
}

/** Knobs for {@link planSubstrings}; the defaults fit 10M codes in the 128 bytes/code budget. */
export interface PlanOptions {
  /** Force the number of tables (with `bits`); for experiments and tests. */
  readonly tables?: number;
  /** Force the substring width in bits (with `tables`). */
  readonly bits?: number;
  /** Memory cap for tables (postings + offsets) per code. Default 72. */
  readonly maxTableBytesPerCode?: number;
  /**
   * Scan a segment when the model says probing costs more (default true). Turning it off forces
   * deep probes, which tests use to exercise every probe path on small sets.
   */
  readonly scanFallback?: boolean;
}

/** Widest table: the packed offsets of 2^24 buckets take 34 MiB. */
export const MAX_SUBSTRING_BITS = 24;
/** Most tables in a layout (the searcher keeps one query key per table). */
export const MAX_TABLES = 32;
/** Below this many codes a scan beats any table. */
const MIN_INDEXED = 1024;
const DEFAULT_TABLE_BYTES = 72;
// Offsets are a fixed cost per table, so a per-code cap alone would deny small segments the
// tables that make them 5-10x faster than a scan; a few MiB is nothing next to a large index.
const MIN_TABLE_BYTES = 4 * 2 ** 20;

// Relative costs, fitted to bench/index.bench.ts at 10M codes (one unit is about 60 ns there):
// a probe reads a bucket's bounds and, if it is not empty, its postings (two cache/TLB misses);
// a candidate costs one overlapped miss on its code plus a popcount; a scan step streams 32
// bytes. With these weights the model ranks the layouts measured at 10M in their measured order
// (11x22 < 12x21 < 10x24 < 14x18 < 16x16).
const PROBE_COST = 1;
const CANDIDATE_COST = 0.5;
const SCAN_COST = 0.08;

const BINOMIAL: Float64Array[] = [];
for (let n = 0; n <= 32; n++) {
  const row = new Float64Array(n + 2);
  row[0] = 1;
  for (let k = 1; k <= n; k++) row[k] = (BINOMIAL[n - 1]?.[k - 1] ?? 0) + (BINOMIAL[n - 1]?.[k] ?? 0);
  BINOMIAL.push(row);
}

/** n choose k for n <= 32 (0 outside the triangle). */
export function binomial(n: number, k: number): number {
  return k < 0 || k > n ? 0 : (BINOMIAL[n]?.[k] ?? 0);
}

/** Probe radii per table for one search radius, with the model's cost, or `null` when a scan is cheaper. */
export interface Thresholds {
  readonly radii: Int8Array;
  readonly cost: number;
}

/**
 * Greedily raises the probe radius of whichever table costs least to raise until
 * sum(t_i + 1) = radius + 1. Returns null when scanning all `count` codes would be cheaper.
 */
export function chooseThresholds(
  subs: readonly Substring[],
  count: number,
  radius: number,
  scanFallback = true,
): Thresholds | null {
  const scanCost = scanFallback ? count * SCAN_COST : Number.POSITIVE_INFINITY;
  if (subs.length === 0) return null;
  const radii = new Int8Array(subs.length).fill(-1);
  const perProbe = subs.map((s) => PROBE_COST + (CANDIDATE_COST * count) / 2 ** s.bits);
  let cost = 0;
  for (let need = radius + 1; need > 0; need--) {
    let best = -1;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let i = 0; i < subs.length; i++) {
      const next = radii[i]! + 1;
      if (next > subs[i]!.bits) continue;
      const marginal = binomial(subs[i]!.bits, next) * perProbe[i]!;
      if (marginal < bestCost) {
        bestCost = marginal;
        best = i;
      }
    }
    // Every table saturated: no more pigeonholes, only a scan is exact.
    if (best < 0) return null;
    radii[best] = radii[best]! + 1;
    cost += bestCost;
    if (cost >= scanCost) return null;
  }
  return { radii, cost };
}

/** `tables` substrings of `bits` bits, spread evenly so leftover bits fall between them. */
export function evenSubstrings(tables: number, bits: number): Substring[] {
  if (!Number.isInteger(tables) || !Number.isInteger(bits) || tables < 1 || bits < 1) {
    throw new RangeError(`invalid table layout ${tables}x${bits}`);
  }
  if (bits > MAX_SUBSTRING_BITS || tables > MAX_TABLES || tables * bits > 256) {
    throw new RangeError(
      `table layout ${tables}x${bits}: need tables <= ${MAX_TABLES}, bits <= ${MAX_SUBSTRING_BITS}, tables x bits <= 256`,
    );
  }
  return Array.from({ length: tables }, (_, i) => ({ start: Math.floor((i * 256) / tables), bits }));
}

/** Bytes the tables of a layout take for `count` codes: postings plus packed offsets. */
export function tableBytes(subs: readonly Substring[], count: number): number {
  let bytes = 0;
  for (const s of subs) bytes += 4 * count + bucketOffsetsBytes(s.bits);
  return bytes;
}

/**
 * Picks the table layout with the lowest modelled query cost at `radius` for `count` codes whose
 * tables fit the memory cap. An empty layout means "scan this segment".
 */
export function planSubstrings(count: number, radius: number, opts: PlanOptions = {}): Substring[] {
  if (opts.tables !== undefined || opts.bits !== undefined) {
    return evenSubstrings(opts.tables ?? 16, opts.bits ?? Math.floor(256 / (opts.tables ?? 16)));
  }
  if (count < MIN_INDEXED) return [];
  const perCode = opts.maxTableBytesPerCode ?? DEFAULT_TABLE_BYTES;
  const cap = perCode === 0 ? 0 : Math.max(perCode * count, MIN_TABLE_BYTES);
  let best: Substring[] = [];
  let bestCost = count * SCAN_COST;
  for (let m = 2; m <= MAX_TABLES; m++) {
    for (let b = 4; b <= Math.min(MAX_SUBSTRING_BITS, Math.floor(256 / m)); b++) {
      const subs = evenSubstrings(m, b);
      if (tableBytes(subs, count) > cap) continue;
      const t = chooseThresholds(subs, count, radius);
      if (t !== null && t.cost < bestCost) {
        bestCost = t.cost;
        best = subs;
      }
    }
  }
  return best;
}
