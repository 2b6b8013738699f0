import { describe, expect, it } from 'vitest';
import { linearSearch } from './linear-search.js';
import { MihIndex } from './mih-index.js';
import { clusteredCodes, makeRng, plantQueries, randomCodes } from './synthetic-codes.js';
import type { MihIndexOptions } from './types.js';

const N = 20_000;
const RADII = [0, 8, 16, 31, 32, 45];

/** Hits as sorted "id:distance" strings, so a failure shows exactly which ids differ. */
function fromIndex(index: MihIndex, q: Uint32Array, r: number): string[] {
  return index.search(q, r).map((h) => `${h.id}:${h.distance}`);
}

/** The oracle: scan every code; ids are `base + position`. */
function fromScan(codes: Uint32Array, q: Uint32Array, r: number, base: number): string[] {
  return linearSearch(codes, q, r)
    .sort((a, b) => a.distance - b.distance || a.index - b.index)
    .map((h) => `${h.index + base}:${h.distance}`);
}

function idsFrom(base: number, n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => base + i);
}

// Forced layouts with no scan fallback exercise every probe path on a small set: radius-1 tables
// (16x16), skipped tables at small radii (20x12), Gosper enumeration for t >= 3 (8x12), and
// partial bit coverage (10x20).
const LAYOUTS: [string, MihIndexOptions][] = [
  ['16x16', { tables: 16, bits: 16, scanFallback: false }],
  ['20x12', { tables: 20, bits: 12, scanFallback: false }],
  ['8x12', { tables: 8, bits: 12, scanFallback: false }],
  ['10x20', { tables: 10, bits: 20, scanFallback: false }],
];

describe.each([
  ['random', randomCodes],
  ['clustered', clusteredCodes],
] as const)('MihIndex on %s codes matches a linear scan', (_name, make) => {
  const rng = makeRng(_name === 'random' ? 11 : 12);
  const codes = make(N, rng);
  const { queries } = plantQueries(codes, 60, rng, 40, 0.15);

  it.each(LAYOUTS)('layout %s returns exactly the scan result at every radius', (_layout, opts) => {
    const index = MihIndex.build(codes.slice(), idsFrom(1000, N), opts);
    let nonEmpty = 0;
    for (let q = 0; q < 60; q++) {
      const query = queries.subarray(q * 8, q * 8 + 8);
      for (const r of RADII) {
        const expected = fromScan(codes, query, r, 1000);
        if (expected.length > 0) nonEmpty++;
        expect(fromIndex(index, query, r), `query ${q} radius ${r}`).toEqual(expected);
      }
    }
    // Guard against a vacuous pass: planted queries must produce real matches.
    expect(nonEmpty).toBeGreaterThan(100);
  });
});

describe('MihIndex with its own plan', () => {
  it('indexes 100k clustered codes with tables and still matches the scan', () => {
    const rng = makeRng(99);
    const n = 100_000;
    const codes = clusteredCodes(n, rng);
    const { queries, targets } = plantQueries(codes, 40, rng);
    const index = MihIndex.build(codes.slice(), idsFrom(0, n));
    expect(index.stats().layouts[0]).not.toBe('0x0');
    for (let q = 0; q < 40; q++) {
      const query = queries.subarray(q * 8, q * 8 + 8);
      const got = fromIndex(index, query, 31);
      expect(got).toEqual(fromScan(codes, query, 31, 0));
      if (targets[q]! >= 0) expect(got.some((h) => h.startsWith(`${targets[q]}:`))).toBe(true);
    }
  });

  it('returns every code for a radius of 256 and none for a negative radius', () => {
    const codes = randomCodes(3000, makeRng(5));
    const index = MihIndex.build(codes.slice(), idsFrom(0, 3000), { tables: 16, bits: 16 });
    const q = codes.subarray(0, 8);
    expect(index.search(q, 256)).toHaveLength(3000);
    expect(index.search(q, -1)).toEqual([]);
    expect(index.search(q, 0)).toEqual([{ id: 0, distance: 0 }]);
  });

  it('returns every id of duplicate codes', () => {
    const codes = randomCodes(2000, makeRng(6));
    codes.copyWithin(8 * 10, 8 * 3, 8 * 4);
    codes.copyWithin(8 * 1500, 8 * 3, 8 * 4);
    const index = MihIndex.build(codes.slice(), idsFrom(0, 2000), { tables: 16, bits: 16 });
    expect(index.search(codes.subarray(24, 32), 0).map((h) => h.id)).toEqual([3, 10, 1500]);
  });

  it('handles an empty index', () => {
    const index = MihIndex.build(new Uint32Array(0), []);
    expect(index.size).toBe(0);
    expect(index.search(new Uint32Array(8))).toEqual([]);
    expect(new MihIndex().search(new Uint32Array(8), 31)).toEqual([]);
  });

  it('rejects malformed input', () => {
    expect(() => MihIndex.build(new Uint32Array(9), [1])).toThrow(RangeError);
    expect(() => MihIndex.build(new Uint32Array(8), [-1])).toThrow(RangeError);
    expect(() => MihIndex.build(new Uint32Array(8), [0xffffffff])).toThrow(RangeError);
    expect(() => new MihIndex().search(new Uint32Array(4))).toThrow();
    expect(() => new MihIndex().search(new Uint32Array(8), 1.5)).toThrow(RangeError);
  });

  it('accepts 32-byte queries and codes', () => {
    const index = new MihIndex();
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    index.add(42, bytes);
    const near = bytes.slice();
    near[0]! ^= 0b111;
    expect(index.search(near)).toEqual([{ id: 42, distance: 3 }]);
  });
});
