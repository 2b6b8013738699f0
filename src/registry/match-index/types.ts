/**
 * Public shapes of the match index. Ids are the registry's own numbers (hash row ids): unsigned
 * 32-bit integers below 2^32 - 1, which lets the index keep them in typed arrays at 4 bytes each.
 */
import type { PlanOptions } from './plan.js';

/** One registered code within the search radius. */
export interface SearchHit {
  /** External id given to `add` or `build`. */
  readonly id: number;
  /** Hamming distance in bits between the query and the registered code. */
  readonly distance: number;
}

/** Options for {@link MihIndex}. */
export interface MihIndexOptions extends PlanOptions {
  /** Radius the tables are sized for and the default search radius. Default 31 (PDQ, HMA). */
  readonly radius?: number;
  /** Codes added one by one are scanned until this many, then indexed as a segment. Default 4096. */
  readonly bufferSize?: number;
  /**
   * Segments are merged automatically only while the result stays at or below this many codes,
   * so an `add` never stalls on a large merge; bigger ones wait for compaction. Default 2^20.
   */
  readonly autoMergeLimit?: number;
  /**
   * Rebuild everything into one base segment when codes added since the last build outnumber
   * max(autoMergeLimit, base / 2), or tombstones outnumber live codes (checked on add). Keeps a
   * registry loaded by `add` alone as fast as a bulk-built one at an amortised cost of about two
   * extra builds, but the `add` that triggers it takes as long as a build (5-7 s at 10M) and
   * briefly holds old and new arrays (about 2x memory).
   * Default true; turn off to schedule `compact()` yourself.
   */
  readonly autoCompact?: boolean;
}

/** Counters for monitoring and for deciding when to call `compact()`. */
export interface MihIndexStats {
  /** Live (searchable) codes. */
  readonly size: number;
  /** Slots in use, including tombstoned ones. */
  readonly slots: number;
  /** Removed or replaced codes still occupying slots. */
  readonly tombstones: number;
  /** Indexed segments (the first is normally the bulk-built base). */
  readonly segments: number;
  /** Tables per segment and substring width, e.g. `["11x23", "16x12"]`. */
  readonly layouts: readonly string[];
  /** Codes waiting in the scanned buffer. */
  readonly buffered: number;
  /** Total bytes of typed arrays held. */
  readonly memoryBytes: number;
  /** True when tombstones or small segments make a `compact()` worthwhile. */
  readonly compactionAdvised: boolean;
}

/** Largest id accepted; 2^32 - 1 marks an empty slot in the id map. */
export const MAX_ID = 0xfffffffe;

/** Throws unless `id` is an integer in 0..MAX_ID. */
export function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
    throw new RangeError(`index ids must be integers in 0..${MAX_ID}, got ${id}`);
  }
}
