/**
 * An immutable run of codes with its multi-index tables, built in one pass per table by counting
 * sort. Postings are local positions (0..count-1) in CSR form: bucket `k` of a table is
 * `postings[offsets[k] .. offsets[k+1])`, ascending, so near-duplicate frames registered together
 * stay adjacent in memory when a bucket holds many of them.
 */
import { extractBits, WORDS_PER_CODE } from './bits.js';
import { type BucketOffsets, packedBytes, packOffsets } from './bucket-offsets.js';
import { chooseThresholds, type Substring, type Thresholds } from './plan.js';

/** One hash table over one substring: 2^bits buckets, bounds in `offsets`, contents in `postings`. */
export interface Table {
  readonly start: number;
  readonly bits: number;
  /** 2^bits + 1 bucket boundaries into `postings`, packed in two levels. */
  readonly offsets: BucketOffsets;
  /** Local positions, grouped by substring value. */
  readonly postings: Uint32Array;
}

/** Codes in slots `slotBase .. slotBase+count-1`, their external ids, and their tables. */
export interface Segment {
  readonly slotBase: number;
  readonly count: number;
  /** 8 words per code, `count` codes. */
  readonly codes: Uint32Array;
  /** External id per local position. */
  readonly ids: Uint32Array;
  /** Empty when the segment is small enough that a scan is cheaper. */
  readonly tables: readonly Table[];
  /** Probe radii per search radius; computed once, `null` meaning "scan". */
  readonly thresholds: Map<number, Thresholds | null>;
  /** Whether probing may give way to a scan when the model says it is cheaper. */
  readonly scanFallback: boolean;
}

/** Codes per build block: their buckets' cache lines stay cached between touch and update. */
const BUILD_BLOCK = 1024;
// Written, never read: a sink the compiler cannot prove dead, so touch loads are kept.
let _touchSink = 0;

/** Reads `offsets[keys[i]]` for i in from..to and nothing else, so the misses overlap. */
function touch(offsets: Uint32Array, keys: Uint32Array, from: number, to: number): void {
  let sink = 0;
  for (let i = from; i < to; i++) sink ^= offsets[keys[i]!]!;
  _touchSink ^= sink;
}

/**
 * Builds a segment over `codes` (taking ownership; the caller must not modify it afterwards).
 * Allocates one scratch key array and, per table, its postings and (briefly) plain offsets.
 */
export function buildSegment(
  codes: Uint32Array,
  ids: Uint32Array,
  slotBase: number,
  subs: readonly Substring[],
  scanFallback = true,
): Segment {
  const count = ids.length;
  if (codes.length !== count * WORDS_PER_CODE) {
    throw new RangeError(`codes has ${codes.length} words, expected ${count * WORDS_PER_CODE}`);
  }
  const tables: Table[] = [];
  const keys = subs.length > 0 ? new Uint32Array(count) : new Uint32Array(0);
  const words = new Int32Array(codes.buffer, codes.byteOffset, codes.length);
  for (const { start, bits } of subs) {
    const size = 2 ** bits;
    const offsets = new Uint32Array(size + 1);
    // Literal 8 (words per code): an imported constant here defeats V8's integer typing.
    for (let i = 0; i < count; i++) keys[i] = extractBits(words, i * 8, start, bits);
    // Counting and scattering hit random buckets; doing them in blocks after a bare touch of
    // each block's buckets overlaps the cache misses (see segment-search.ts) and halves build time.
    for (let b = 0; b < count; b += BUILD_BLOCK) {
      const end = Math.min(count, b + BUILD_BLOCK);
      touch(offsets, keys, b, end);
      for (let i = b; i < end; i++) offsets[keys[i]!]!++;
    }
    // Inclusive prefix sums give each bucket's end; filling backwards walks every end down to
    // its bucket's start and leaves each bucket sorted ascending, with no cursor array.
    for (let k = 1; k < size; k++) offsets[k]! += offsets[k - 1]!;
    offsets[size] = count;
    const postings = new Uint32Array(count);
    for (let end = count; end > 0; end -= BUILD_BLOCK) {
      const b = Math.max(0, end - BUILD_BLOCK);
      touch(offsets, keys, b, end);
      for (let i = end - 1; i >= b; i--) postings[--offsets[keys[i]!]!] = i;
    }
    tables.push({ start, bits, offsets: packOffsets(offsets), postings });
  }
  return { slotBase, count, codes, ids, tables, thresholds: new Map(), scanFallback };
}

/** Probe radii for `radius` in this segment, cached because radii repeat (usually one value). */
export function segmentThresholds(seg: Segment, radius: number): Thresholds | null {
  let t = seg.thresholds.get(radius);
  if (t === undefined) {
    t = chooseThresholds(seg.tables, seg.count, radius, seg.scanFallback);
    // A caller sweeping radii must not grow the cache without bound.
    if (seg.thresholds.size > 64) seg.thresholds.clear();
    seg.thresholds.set(radius, t);
  }
  return t;
}

/** Concatenates two adjacent segments' codes and ids (slots stay as they were). */
export function concatSegments(a: Segment, b: Segment): { codes: Uint32Array; ids: Uint32Array } {
  if (a.slotBase + a.count !== b.slotBase) throw new RangeError('segments are not adjacent');
  const codes = new Uint32Array((a.count + b.count) * WORDS_PER_CODE);
  codes.set(a.codes, 0);
  codes.set(b.codes, a.count * WORDS_PER_CODE);
  const ids = new Uint32Array(a.count + b.count);
  ids.set(a.ids, 0);
  ids.set(b.ids, a.count);
  return { codes, ids };
}

/** Bytes held by a segment's typed arrays. */
export function segmentBytes(seg: Segment): number {
  let bytes = seg.codes.byteLength + seg.ids.byteLength;
  for (const t of seg.tables) bytes += packedBytes(t.offsets) + t.postings.byteLength;
  return bytes;
}
