/**
 * A hash algorithm as a "signal type" (the python-threatexchange / HMA idea): what a hash looks
 * like, how to parse and print it, how far apart two are, and when they match. Computing a hash
 * (`pdq.ts`, `digest.ts`, …) and indexing hashes (`registry`) live elsewhere and depend on this.
 *
 * Adding a signal type is one file in `signals/` and one line in `SIGNAL_TYPES` (`signals/all.ts`).
 * This file holds only types, so the signal modules can depend on it without a cycle.
 *
 * Pure module (no Node imports): used by the browser bundle as well.
 */
/** Names of the signal types hashwatch knows. */
export type SignalTypeName = 'pdq' | 'md5' | 'sha256' | 'blockhash';

/** One public reference vector: a hash as published and where it comes from. */
export interface SignalExample {
  hash: string;
  source: string;
}

/** A hash algorithm's contract; see the module comment. */
export interface SignalType {
  readonly name: SignalTypeName;
  /** Hash length in bits. */
  readonly bits: number;
  /**
   * Parses a hex string (either case, surrounding whitespace ignored) into `bits / 8` bytes.
   * @throws HashInvalidError (`HASH_INVALID`, 400) naming the problem: length, or the offending character.
   */
  parse(hex: string): Uint8Array;
  /** Canonical form: lowercase hex. */
  format(bytes: Uint8Array): string;
  /** Hamming distance in bits between two parsed hashes of this type. */
  distance(a: Uint8Array, b: Uint8Array): number;
  /** Two hashes match when `distance ≤ defaultThreshold` (0 for exact hashes). */
  readonly defaultThreshold: number;
  /** Hashes with a quality below this are too unreliable to match on (PDQ only). */
  readonly qualityGate?: number;
  /** Public reference hashes, for tests and documentation. */
  readonly examples: readonly SignalExample[];
}
