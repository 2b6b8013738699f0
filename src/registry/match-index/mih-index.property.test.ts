import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hamming256 } from './bits.js';
import { MihIndex } from './mih-index.js';
import { flipBits, makeRng } from './synthetic-codes.js';

type Op =
  | { kind: 'add'; id: number; base: number; flips: number; seed: number }
  | { kind: 'remove'; id: number }
  | { kind: 'compact' }
  | { kind: 'search'; base: number; flips: number; seed: number; radius: number };

const BASES = 6;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      id: fc.nat(40),
      base: fc.nat(BASES - 1),
      flips: fc.nat(40),
      seed: fc.nat(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), id: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('search' as const),
      base: fc.nat(BASES - 1),
      flips: fc.nat(40),
      seed: fc.nat(),
      radius: fc.integer({ min: 0, max: 70 }),
    }),
  },
);

/** A code near one of a few bases, so searches have neighbours at many distances. */
function nearBase(bases: Uint32Array, base: number, flips: number, seed: number): Uint32Array {
  const c = bases.slice(base * 8, base * 8 + 8);
  flipBits(c, 0, flips, makeRng(seed));
  return c;
}

describe('MihIndex against a model', () => {
  it.each([
    ['tables 16x12', { tables: 16, bits: 12, bufferSize: 4, autoMergeLimit: 16, scanFallback: false }],
    ['tables 6x10', { tables: 6, bits: 10, bufferSize: 3, scanFallback: false }],
    ['planned', { bufferSize: 5 }],
  ])('%s: any sequence of adds, removes, compactions and searches agrees with a scan', (_name, opts) => {
    fc.assert(
      fc.property(fc.nat(), fc.array(opArb, { maxLength: 120 }), (baseSeed, ops) => {
        const rng = makeRng(baseSeed);
        const bases = Uint32Array.from({ length: BASES * 8 }, () => rng());
        const index = new MihIndex(opts);
        const live = new Map<number, Uint32Array>();
        for (const op of ops) {
          if (op.kind === 'add') {
            const c = nearBase(bases, op.base, op.flips, op.seed);
            index.add(op.id, c);
            live.set(op.id, c);
          } else if (op.kind === 'remove') {
            expect(index.remove(op.id)).toBe(live.delete(op.id));
          } else if (op.kind === 'compact') {
            index.compact();
          } else {
            const q = nearBase(bases, op.base, op.flips, op.seed);
            const expected = [...live]
              .map(([id, c]) => ({ id, distance: hamming256(c, 0, q, 0) }))
              .filter((h) => h.distance <= op.radius)
              .sort((a, b) => a.distance - b.distance || a.id - b.id);
            expect(index.search(q, op.radius)).toEqual(expected);
          }
          expect(index.size).toBe(live.size);
        }
      }),
      { numRuns: 60 },
    );
  });
});
