/**
 * Reproducible synthetic 256-bit codes for the index tests and bench: uniform random codes, and a
 * clustered set shaped like a real registry, where many codes are near-duplicates (frames of one
 * video, re-encodes of one image) a few bits from a common base.
 */
import { WORDS_PER_CODE } from './bits.js';

/** A seeded 32-bit generator; the same seed gives the same sequence on every machine. */
export type Rng = () => number;

/** mulberry32: tiny, fast, and good enough to spread bits for benchmarks and property tests. */
export function makeRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform integer in 0..n-1. */
export function randInt(rng: Rng, n: number): number {
  return Math.floor((rng() / 2 ** 32) * n);
}

/** `n` uniform random codes. */
export function randomCodes(n: number, rng: Rng): Uint32Array {
  const codes = new Uint32Array(n * WORDS_PER_CODE);
  for (let i = 0; i < codes.length; i++) codes[i] = rng();
  return codes;
}

/** Flips `k` distinct random bits of the code at `codes[off..off+8)` in place. */
export function flipBits(codes: Uint32Array, off: number, k: number, rng: Rng): void {
  const flipped: number[] = [];
  while (flipped.length < k) {
    const bit = randInt(rng, 256);
    if (flipped.includes(bit)) continue;
    flipped.push(bit);
    codes[off + (bit >>> 5)]! ^= 1 << (31 - (bit & 31));
  }
}

/** Shape of {@link clusteredCodes}. */
export interface ClusterOptions {
  /** Share of codes that are unrelated singletons. Default 0.3. */
  readonly singletons?: number;
  /** Largest cluster. Default 200; sizes are uniform in 2..max. */
  readonly maxCluster?: number;
  /** Members differ from their base in 0..maxFlips bits (0 = exact duplicate). Default 12. */
  readonly maxFlips?: number;
}

/**
 * `n` codes where clusters of 2..maxCluster near-duplicates (stored consecutively, as a video's
 * frames are registered together) are mixed with random singletons.
 */
export function clusteredCodes(n: number, rng: Rng, opts: ClusterOptions = {}): Uint32Array {
  const singletons = opts.singletons ?? 0.3;
  const maxCluster = opts.maxCluster ?? 200;
  const maxFlips = opts.maxFlips ?? 12;
  const codes = new Uint32Array(n * WORDS_PER_CODE);
  const base = new Uint32Array(WORDS_PER_CODE);
  let i = 0;
  while (i < n) {
    const size = rng() / 2 ** 32 < singletons ? 1 : 2 + randInt(rng, maxCluster - 1);
    for (let w = 0; w < WORDS_PER_CODE; w++) base[w] = rng();
    for (let j = 0; j < size && i < n; j++, i++) {
      const off = i * WORDS_PER_CODE;
      codes.set(base, off);
      if (j > 0) flipBits(codes, off, randInt(rng, maxFlips + 1), rng);
    }
  }
  return codes;
}

/** Queries with a known neighbour (`target` >= 0 at `distance` bits) or none (`target` -1). */
export interface PlantedQueries {
  readonly queries: Uint32Array;
  readonly targets: Int32Array;
  readonly distances: Int32Array;
}

/**
 * `count` queries: a share `noNeighbour` are fresh random codes, the rest are a random stored code
 * with 0..maxDistance (uniform) bits flipped.
 */
export function plantQueries(
  codes: Uint32Array,
  count: number,
  rng: Rng,
  maxDistance = 31,
  noNeighbour = 0.1,
) {
  const n = codes.length / WORDS_PER_CODE;
  const queries = new Uint32Array(count * WORDS_PER_CODE);
  const targets = new Int32Array(count);
  const distances = new Int32Array(count);
  for (let q = 0; q < count; q++) {
    const off = q * WORDS_PER_CODE;
    if (n === 0 || rng() / 2 ** 32 < noNeighbour) {
      for (let w = 0; w < WORDS_PER_CODE; w++) queries[off + w] = rng();
      targets[q] = -1;
      distances[q] = -1;
      continue;
    }
    const t = randInt(rng, n);
    const d = randInt(rng, maxDistance + 1);
    queries.set(codes.subarray(t * WORDS_PER_CODE, (t + 1) * WORDS_PER_CODE), off);
    flipBits(queries, off, d, rng);
    targets[q] = t;
    distances[q] = d;
  }
  return { queries, targets, distances } satisfies PlantedQueries;
}
