import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdMap } from './id-map.js';

type Op = { kind: 'set'; id: number; slot: number } | { kind: 'delete'; id: number };

// Ids from a small range collide constantly; a few large ones check the full uint32 range.
const idArb = fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 0xfffffffe }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), id: idArb, slot: fc.nat(1_000_000) }),
  fc.record({ kind: fc.constant('delete' as const), id: idArb }),
);

describe('IdMap', () => {
  it('behaves like a Map under any sequence of sets and deletes (including growth)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
        const map = new IdMap();
        const model = new Map<number, number>();
        for (const op of ops) {
          if (op.kind === 'set') {
            expect(map.set(op.id, op.slot)).toBe(model.get(op.id) ?? -1);
            model.set(op.id, op.slot);
          } else {
            expect(map.delete(op.id)).toBe(model.get(op.id) ?? -1);
            model.delete(op.id);
          }
          expect(map.size).toBe(model.size);
        }
        for (let id = 0; id <= 60; id++) expect(map.get(id)).toBe(model.get(id) ?? -1);
        for (const [id, slot] of model) expect(map.get(id)).toBe(slot);
      }),
    );
  });

  it('holds a million sequential ids in about 8 bytes per bucket', () => {
    const map = new IdMap(1_000_000);
    for (let i = 0; i < 1_000_000; i++) map.set(i * 7, i);
    expect(map.get(7 * 123_456)).toBe(123_456);
    expect(map.get(5)).toBe(-1);
    expect(map.byteLength).toBeLessThanOrEqual(2 ** 21 * 8);
  });
});
