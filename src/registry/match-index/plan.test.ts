import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binomial, chooseThresholds, evenSubstrings, planSubstrings, tableBytes } from './plan.js';

describe('chooseThresholds', () => {
  it('always satisfies the pigeonhole condition sum(t_i + 1) >= r + 1', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }),
        fc.integer({ min: 4, max: 24 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 1, max: 20_000_000 }),
        (m, b, r, n) => {
          fc.pre(m * b <= 256);
          const t = chooseThresholds(evenSubstrings(m, b), n, r);
          if (t === null) return true;
          const sum = Array.from(t.radii).reduce((s, x) => s + x + 1, 0);
          return sum >= r + 1 && Array.from(t.radii).every((x) => x >= -1 && x <= b);
        },
      ),
    );
  });

  it('gives the 11x22 layout ten tables at radius 2 and one at radius 1 for r = 31', () => {
    const t = chooseThresholds(evenSubstrings(11, 22), 10_000_000, 31);
    expect(Array.from(t!.radii).sort()).toEqual([1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
  });

  it('skips tables for small radii and falls back to a scan for huge ones', () => {
    const t = chooseThresholds(evenSubstrings(16, 16), 10_000_000, 3);
    expect(Array.from(t!.radii).filter((x) => x >= 0)).toHaveLength(4);
    expect(chooseThresholds(evenSubstrings(16, 16), 10_000_000, 200)).toBeNull();
  });
});

describe('planSubstrings', () => {
  it.each([1e4, 1e5, 1e6, 1e7])('stays within the table memory cap at %d codes', (n) => {
    const subs = planSubstrings(n, 31);
    // Small sets may use a fixed 4 MiB floor: offsets cost the same whatever the count.
    expect(tableBytes(subs, n)).toBeLessThanOrEqual(Math.max(72 * n, 4 * 2 ** 20));
  });

  it('indexes large sets with disjoint substrings', () => {
    const subs = planSubstrings(10_000_000, 31);
    expect(subs.length).toBeGreaterThan(4);
    for (let i = 1; i < subs.length; i++)
      expect(subs[i]!.start).toBeGreaterThanOrEqual(subs[i - 1]!.start + subs[i - 1]!.bits);
    expect(subs.at(-1)!.start + subs.at(-1)!.bits).toBeLessThanOrEqual(256);
  });

  it('scans tiny sets and honours a forced layout', () => {
    expect(planSubstrings(100, 31)).toEqual([]);
    expect(planSubstrings(100, 31, { tables: 8, bits: 12 })).toHaveLength(8);
    expect(() => evenSubstrings(12, 22)).toThrow(RangeError);
    expect(() => evenSubstrings(33, 4)).toThrow(RangeError);
    expect(() => evenSubstrings(4, 25)).toThrow(RangeError);
  });

  it('binomial matches Pascal identities', () => {
    expect(binomial(22, 2)).toBe(231);
    expect(binomial(5, 6)).toBe(0);
    expect(binomial(32, 16)).toBe(601080390);
  });
});
