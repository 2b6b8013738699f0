import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_SHIFT, packOffsets } from './bucket-offsets.js';
import { MihIndex } from './mih-index.js';
import { makeRng, randomCodes } from './synthetic-codes.js';

/** Plain offsets from bucket sizes: offsets[k] = sum of sizes before k. */
function offsetsOf(sizes: number[]): Uint32Array {
  const o = new Uint32Array(sizes.length + 1);
  for (let k = 0; k < sizes.length; k++) o[k + 1] = o[k]! + sizes[k]!;
  return o;
}

function unpack(p: ReturnType<typeof packOffsets>, k: number): number {
  return p.base[k >>> p.shift]! + p.delta[k]!;
}

describe('packOffsets', () => {
  it('reproduces every bucket start, whatever the bucket sizes', () => {
    const size = fc.oneof(fc.nat(3), fc.nat(70_000));
    fc.assert(
      fc.property(fc.array(size, { minLength: 1, maxLength: 300 }), (sizes) => {
        const plain = offsetsOf(sizes);
        const packed = packOffsets(plain);
        for (let k = 0; k < plain.length; k++) expect(unpack(packed, k)).toBe(plain[k]);
      }),
      { numRuns: 60 },
    );
  });

  it('uses 64-bucket blocks normally and smaller blocks around a huge bucket', () => {
    expect(packOffsets(offsetsOf(new Array(1024).fill(3))).shift).toBe(BLOCK_SHIFT);
    const sizes = new Array(1024).fill(1);
    sizes[100] = 70_000;
    const packed = packOffsets(offsetsOf(sizes));
    expect(packed.shift).toBeLessThan(BLOCK_SHIFT);
    expect(unpack(packed, 101) - unpack(packed, 100)).toBe(70_000);
  });
});

describe('MihIndex over a cluster larger than a 16-bit delta', () => {
  it('finds all 70,000 copies of one code next to random ones', () => {
    const n = 80_000;
    const codes = randomCodes(n, makeRng(31));
    for (let i = 1; i < 70_000; i++) codes.copyWithin(i * 8, 0, 8);
    const index = MihIndex.build(
      codes.slice(),
      Uint32Array.from({ length: n }, (_, i) => i),
      {
        tables: 16,
        bits: 16,
        scanFallback: false,
      },
    );
    const near = codes.slice(0, 8);
    near[3]! ^= 0xff;
    const hits = index.search(near);
    expect(hits).toHaveLength(70_000);
    expect(hits.every((h) => h.distance === 8 && h.id < 70_000)).toBe(true);
    expect(index.search(codes.subarray(8 * 75_000, 8 * 75_001), 0)).toEqual([{ id: 75_000, distance: 0 }]);
  });
});
