/**
 * In-memory exact range search over 256-bit codes (PDQ): every registered code within Hamming
 * radius r of a query, with no false negatives.
 *
 * Layout: codes live in slots numbered in insertion order. Slots are grouped into immutable
 * segments, each with its own multi-index tables (see plan.ts and segment.ts): normally one large
 * bulk-built base plus a few small segments for codes added since. New codes first go to a small
 * scanned buffer, which is sealed into a segment when full; small adjacent segments are merged
 * like a binary counter so their number stays logarithmic. Removal sets a tombstone bit, which
 * search checks before reporting, so a withdrawn hash stops matching immediately. `compact()`
 * drops tombstones and rebuilds one base segment.
 */

import { toCode, WORDS_PER_CODE } from './bits.js';
import { Bitset } from './bitset.js';
import { IdMap } from './id-map.js';
import { planSubstrings } from './plan.js';
import { buildSegment, concatSegments, type Segment, segmentBytes } from './segment.js';
import { SegmentSearcher } from './segment-search.js';
import { checkId, type MihIndexOptions, type MihIndexStats, type SearchHit } from './types.js';

/** Multi-index hashing index for 256-bit codes with incremental add and remove. */
export class MihIndex {
  /** Radius the tables are planned for; the default search radius. */
  readonly radius: number;
  private readonly opts: MihIndexOptions;
  private readonly bufferSize: number;
  private segments: Segment[] = [];
  private bufCodes: Uint32Array;
  private bufIds: Uint32Array;
  private bufCount = 0;
  private nextSlot = 0;
  private deleted = new Bitset();
  private idToSlot: IdMap;
  private readonly searcher = new SegmentSearcher();

  constructor(opts: MihIndexOptions = {}) {
    this.radius = opts.radius ?? 31;
    if (!Number.isInteger(this.radius) || this.radius < 0)
      throw new RangeError('radius must be an integer >= 0');
    this.opts = opts;
    this.bufferSize = Math.max(1, opts.bufferSize ?? 4096);
    this.bufCodes = new Uint32Array(this.bufferSize * WORDS_PER_CODE);
    this.bufIds = new Uint32Array(this.bufferSize);
    this.idToSlot = new IdMap();
  }

  /**
   * Bulk-builds an index by counting sort (no per-code allocation). Takes ownership of `codes`
   * (8 words per code) and of `ids` when it is a Uint32Array: do not modify them afterwards.
   * A repeated id keeps its last code, as if added in order.
   */
  static build(
    codes: Uint32Array,
    ids: Uint32Array | readonly number[],
    opts: MihIndexOptions = {},
  ): MihIndex {
    const index = new MihIndex(opts);
    const n = ids.length;
    if (codes.length !== n * WORDS_PER_CODE) {
      throw new RangeError(`codes has ${codes.length} words; ${n} ids need ${n * WORDS_PER_CODE}`);
    }
    const idArr = ids instanceof Uint32Array ? ids : new Uint32Array(n);
    index.idToSlot = new IdMap(n);
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      checkId(id);
      idArr[i] = id;
      const old = index.idToSlot.set(id, i);
      if (old >= 0) index.deleted.set(old);
    }
    index.segments.push(index.segmentOf(codes, idArr, 0));
    index.nextSlot = n;
    return index;
  }

  /** Live codes (removed ones excluded). */
  get size(): number {
    return this.idToSlot.size;
  }

  /** Whether `id` is registered and not removed. */
  has(id: number): boolean {
    return this.idToSlot.get(id) >= 0;
  }

  /** Registers `code` under `id`; an id already present has its old code replaced. */
  add(id: number, code: Uint32Array | Uint8Array): void {
    checkId(id);
    const words = toCode(code);
    const slot = this.nextSlot++;
    const old = this.idToSlot.set(id, slot);
    if (old >= 0) this.deleted.set(old);
    this.bufCodes.set(words, this.bufCount * WORDS_PER_CODE);
    this.bufIds[this.bufCount++] = id;
    if (this.bufCount === this.bufferSize) this.seal();
  }

  /** Stops `id` matching immediately. Returns false when it was not registered. */
  remove(id: number): boolean {
    const slot = this.idToSlot.delete(id);
    if (slot < 0) return false;
    this.deleted.set(slot);
    return true;
  }

  /**
   * Every live code within `radius` bits of `query` (8 words, or 32 bytes), nearest first, ties
   * by id. Exact for any radius; radii above the planned one cost more probes, and past the point
   * where probing costs more than a scan, a segment is scanned.
   */
  search(query: Uint32Array | Uint8Array, radius: number = this.radius): SearchHit[] {
    if (!Number.isInteger(radius)) throw new RangeError('radius must be an integer');
    const q = toCode(query);
    const out: SearchHit[] = [];
    if (radius < 0) return out;
    for (const seg of this.segments) this.searcher.search(seg, q, radius, this.deleted, out);
    if (this.bufCount > 0) this.searcher.search(this.bufferView(), q, radius, this.deleted, out);
    return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
  }

  /** {@link search} for each of the codes in `queries` (8 words each). */
  searchMany(queries: Uint32Array, radius: number = this.radius): SearchHit[][] {
    if (queries.length % WORDS_PER_CODE !== 0) throw new RangeError('queries must hold 8 words per code');
    const out: SearchHit[][] = [];
    for (let o = 0; o < queries.length; o += WORDS_PER_CODE) {
      out.push(this.search(queries.subarray(o, o + WORDS_PER_CODE), radius));
    }
    return out;
  }

  /** Drops tombstones and rebuilds all live codes into one base segment; ids keep their codes. */
  compact(): void {
    const n = this.size;
    const codes = new Uint32Array(n * WORDS_PER_CODE);
    const ids = new Uint32Array(n);
    let k = 0;
    for (const seg of [...this.segments, this.bufferView()]) {
      const src = seg.codes;
      for (let local = 0; local < seg.count; local++) {
        if (this.deleted.has(seg.slotBase + local)) continue;
        // A word loop, not set(subarray()): that allocates a view per code.
        for (let w = 0, from = local * 8, to = k * 8; w < 8; w++) codes[to + w] = src[from + w]!;
        ids[k++] = seg.ids[local]!;
      }
    }
    this.segments = [];
    this.deleted = new Bitset();
    this.idToSlot = new IdMap(n);
    for (let i = 0; i < n; i++) this.idToSlot.set(ids[i]!, i);
    this.segments.push(this.segmentOf(codes, ids, 0));
    this.bufCount = 0;
    this.nextSlot = n;
  }

  /** Bytes held by all typed arrays: codes, ids, tables, buffer, tombstones and the id map. */
  memoryBytes(): number {
    let bytes = this.bufCodes.byteLength + this.bufIds.byteLength + this.deleted.byteLength;
    bytes += this.idToSlot.byteLength;
    for (const seg of this.segments) bytes += segmentBytes(seg);
    return bytes;
  }

  /** Counters for monitoring and for scheduling `compact()`. */
  stats(): MihIndexStats {
    const tombstones = this.nextSlot - this.size;
    return {
      size: this.size,
      slots: this.nextSlot,
      tombstones,
      segments: this.segments.length,
      layouts: this.segments.map((s) => `${s.tables.length}x${s.tables[0]?.bits ?? 0}`),
      buffered: this.bufCount,
      memoryBytes: this.memoryBytes(),
      compactionAdvised: tombstones * 5 > this.nextSlot || this.segments.length > 8,
    };
  }

  private segmentOf(codes: Uint32Array, ids: Uint32Array, slotBase: number): Segment {
    const subs = planSubstrings(ids.length, this.radius, this.opts);
    return buildSegment(codes, ids, slotBase, subs, this.opts.scanFallback ?? true);
  }

  private bufferView(): Segment {
    return {
      slotBase: this.nextSlot - this.bufCount,
      count: this.bufCount,
      codes: this.bufCodes,
      ids: this.bufIds,
      tables: [],
      thresholds: new Map(),
      scanFallback: true,
    };
  }

  private seal(): void {
    const n = this.bufCount;
    const codes = this.bufCodes.slice(0, n * WORDS_PER_CODE);
    const ids = this.bufIds.slice(0, n);
    this.segments.push(this.segmentOf(codes, ids, this.nextSlot - n));
    this.bufCount = 0;
    const limit = this.opts.autoMergeLimit ?? 2 ** 20;
    for (;;) {
      const b = this.segments[this.segments.length - 1];
      const a = this.segments[this.segments.length - 2];
      if (a === undefined || b === undefined || a.count > 2 * b.count || a.count + b.count > limit) break;
      const merged = concatSegments(a, b);
      this.segments.splice(-2, 2, this.segmentOf(merged.codes, merged.ids, a.slotBase));
    }
    const base = this.segments[0]!;
    const added = this.nextSlot - base.count;
    const tombstones = this.nextSlot - this.size;
    // Geometric trigger: each rebuild is at least 1.5x the previous one, so the total rebuild work
    // stays within a small multiple of one build of the final size.
    if (
      (this.opts.autoCompact ?? true) &&
      (added > Math.max(limit, base.count / 2) || tombstones > this.size)
    ) {
      this.compact();
    }
  }
}
