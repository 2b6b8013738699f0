import { describe, expect, it } from 'vitest';
import { hamming256 } from './bits.js';
import { MihIndex } from './mih-index.js';
import { clusteredCodes, makeRng, plantQueries, randInt, randomCodes } from './synthetic-codes.js';

/** The oracle for a mutable set: scan a Map of live id -> code. */
function scanLive(live: Map<number, Uint32Array>, q: Uint32Array, r: number): string[] {
  const hits: [number, number][] = [];
  for (const [id, code] of live) {
    const d = hamming256(code, 0, q, 0);
    if (d <= r) hits.push([id, d]);
  }
  return hits.sort((a, b) => a[1] - b[1] || a[0] - b[0]).map(([id, d]) => `${id}:${d}`);
}

function hits(index: MihIndex, q: Uint32Array, r = 31): string[] {
  return index.search(q, r).map((h) => `${h.id}:${h.distance}`);
}

const code = (codes: Uint32Array, i: number) => codes.slice(i * 8, i * 8 + 8);
const q8 = (codes: Uint32Array, i: number) => codes.subarray(i * 8, i * 8 + 8);

describe('MihIndex add / remove / compact', () => {
  it('matches a scan of the live set through adds, seals, merges, removes and compaction', () => {
    const rng = makeRng(21);
    const all = clusteredCodes(16_000, rng);
    const live = new Map<number, Uint32Array>();
    // Base of 6k, then 10k adds through a 256-code buffer: many seals, merges up to the 4096 cap.
    const opts = { bufferSize: 256, autoMergeLimit: 4096, tables: 16, bits: 16, autoCompact: false };
    const index = MihIndex.build(
      all.slice(0, 6000 * 8),
      Uint32Array.from({ length: 6000 }, (_, i) => i),
      opts,
    );
    for (let i = 0; i < 6000; i++) live.set(i, code(all, i));
    for (let i = 6000; i < 16_000; i++) {
      index.add(i, code(all, i));
      live.set(i, code(all, i));
    }
    for (let k = 0; k < 5000; k++) {
      const id = randInt(rng, 16_000);
      expect(index.remove(id)).toBe(live.delete(id));
    }
    const stats = index.stats();
    expect(stats.segments).toBeGreaterThan(2);
    expect(stats.size).toBe(live.size);
    const { queries } = plantQueries(all, 80, rng);
    const check = () => {
      for (let q = 0; q < 80; q++) {
        const query = queries.subarray(q * 8, q * 8 + 8);
        expect(hits(index, query)).toEqual(scanLive(live, query, 31));
      }
    };
    check();
    index.compact();
    expect(index.stats()).toMatchObject({ segments: 1, tombstones: 0, size: live.size, buffered: 0 });
    check();
    for (const id of [...live.keys()].slice(0, 200)) expect(index.has(id)).toBe(true);
  });

  it('stops matching a removed id at once, wherever its code lives', () => {
    const codes = randomCodes(9000, makeRng(22));
    const index = MihIndex.build(
      codes.slice(0, 8000 * 8),
      Uint32Array.from({ length: 8000 }, (_, i) => i),
      {
        bufferSize: 512,
      },
    );
    for (let i = 8000; i < 9000; i++) index.add(i, code(codes, i));
    // 5 is in the base, 8100 in a sealed segment, 8999 still in the buffer.
    for (const id of [5, 8100, 8999]) {
      expect(index.search(code(codes, id), 0).map((h) => h.id)).toEqual([id]);
      expect(index.remove(id)).toBe(true);
      expect(index.has(id)).toBe(false);
      expect(index.search(code(codes, id), 31)).toEqual([]);
      expect(index.remove(id)).toBe(false);
    }
    expect(index.size).toBe(8997);
  });

  it('re-adding a removed id matches its new code only', () => {
    const codes = randomCodes(3000, makeRng(23));
    const index = MihIndex.build(
      codes.slice(),
      Uint32Array.from({ length: 3000 }, (_, i) => i),
    );
    index.remove(7);
    index.add(7, code(codes, 100));
    expect(index.search(code(codes, 7))).toEqual([]);
    expect(index.search(code(codes, 100), 0)).toEqual([
      { id: 7, distance: 0 },
      { id: 100, distance: 0 },
    ]);
    index.compact();
    expect(index.search(code(codes, 100), 0).map((h) => h.id)).toEqual([7, 100]);
  });

  it('adding an existing id replaces its code', () => {
    const codes = randomCodes(2, makeRng(24));
    const index = new MihIndex();
    index.add(1, code(codes, 0));
    index.add(1, code(codes, 1));
    expect(index.size).toBe(1);
    expect(index.search(code(codes, 0))).toEqual([]);
    expect(index.search(code(codes, 1))).toEqual([{ id: 1, distance: 0 }]);
    expect(index.stats().tombstones).toBe(1);
  });

  it('keeps the last code for a repeated id in a bulk build', () => {
    const codes = randomCodes(3, makeRng(25));
    const index = MihIndex.build(codes.slice(), [4, 9, 4]);
    expect(index.size).toBe(2);
    expect(index.search(code(codes, 0))).toEqual([]);
    expect(index.search(code(codes, 2))).toEqual([{ id: 4, distance: 0 }]);
  });

  it('compacts itself as adds accumulate, so segments stay few and results exact', () => {
    const rng = makeRng(28);
    const codes = clusteredCodes(30_000, rng);
    const index = new MihIndex({ bufferSize: 500, autoMergeLimit: 2000 });
    let maxSegments = 0;
    for (let i = 0; i < 30_000; i++) {
      index.add(i, code(codes, i));
      maxSegments = Math.max(maxSegments, index.stats().segments);
    }
    // Without compaction, 2000-code segments would pile up to 15; with it the base absorbs them.
    expect(maxSegments).toBeLessThanOrEqual(6);
    expect(index.stats().slots).toBe(30_000);
    const live = new Map<number, Uint32Array>();
    for (let i = 0; i < 30_000; i++) live.set(i, code(codes, i));
    const { queries } = plantQueries(codes, 30, rng);
    for (let q = 0; q < 30; q++)
      expect(hits(index, q8(queries, q))).toEqual(scanLive(live, q8(queries, q), 31));
  });

  it('grows from empty by adds alone and compacts an emptied index', () => {
    const codes = randomCodes(5000, makeRng(26));
    const index = new MihIndex({ bufferSize: 300 });
    for (let i = 0; i < 5000; i++) index.add(i, code(codes, i));
    expect(index.search(code(codes, 4321), 0)).toEqual([{ id: 4321, distance: 0 }]);
    for (let i = 0; i < 5000; i++) index.remove(i);
    expect(index.search(code(codes, 4321), 256)).toEqual([]);
    expect(index.stats().compactionAdvised).toBe(true);
    index.compact();
    expect(index.size).toBe(0);
    expect(index.search(code(codes, 1), 256)).toEqual([]);
    index.add(1, code(codes, 1));
    expect(index.search(code(codes, 1))).toEqual([{ id: 1, distance: 0 }]);
  });

  it('reports memory in line with the codes it holds', () => {
    const n = 50_000;
    const index = MihIndex.build(
      randomCodes(n, makeRng(27)),
      Uint32Array.from({ length: n }, (_, i) => i),
    );
    const bytes = index.memoryBytes();
    expect(bytes).toBeGreaterThan(n * 36);
    expect(bytes / n).toBeLessThan(200);
  });
});
