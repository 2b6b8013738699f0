import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { md5Hex, sha256Hex } from './digest.js';
import { HashInvalidError } from './errors.js';
import { getSignalType, isSignalTypeName, SIGNAL_TYPES } from './signals/all.js';

describe('SIGNAL_TYPES', () => {
  it('lists pdq, md5, sha256 and blockhash once each', () => {
    expect(SIGNAL_TYPES.map((t) => t.name)).toEqual(['pdq', 'md5', 'sha256', 'blockhash']);
  });

  it('uses the published operating points', () => {
    expect(getSignalType('pdq')).toMatchObject({ bits: 256, defaultThreshold: 31, qualityGate: 50 });
    expect(getSignalType('blockhash')).toMatchObject({ bits: 256, defaultThreshold: 20 });
    expect(getSignalType('md5')).toMatchObject({ bits: 128, defaultThreshold: 0 });
    expect(getSignalType('sha256')).toMatchObject({ bits: 256, defaultThreshold: 0 });
    expect(getSignalType('md5').qualityGate).toBeUndefined();
  });

  it('refuses an unknown type with the list of known ones', () => {
    expect(() => getSignalType('phash')).toThrow(HashInvalidError);
    expect(() => getSignalType('phash')).toThrow(
      'Unknown hash type "phash"; known types are pdq, md5, sha256, blockhash',
    );
    expect(isSignalTypeName('pdq')).toBe(true);
    expect(isSignalTypeName('PDQ')).toBe(false);
  });

  it('matches the exact-hash examples against real digests', () => {
    expect(getSignalType('md5').examples[0]?.hash).toBe(md5Hex(new Uint8Array(0)));
    expect(getSignalType('sha256').examples[0]?.hash).toBe(sha256Hex(new TextEncoder().encode('abc')));
  });
});

describe.each(SIGNAL_TYPES.map((t) => [t.name, t] as const))('%s', (_name, type) => {
  const hashBytes = fc.uint8Array({ minLength: type.bits / 8, maxLength: type.bits / 8 });

  it('parses and formats its examples unchanged', () => {
    expect(type.examples.length).toBeGreaterThan(0);
    for (const { hash } of type.examples) {
      expect(type.parse(hash)).toHaveLength(type.bits / 8);
      expect(type.format(type.parse(hash))).toBe(hash);
      expect(type.format(type.parse(hash.toUpperCase()))).toBe(hash);
    }
  });

  it('round-trips any hash through format and parse', () => {
    fc.assert(
      fc.property(hashBytes, (b) => {
        expect(type.parse(type.format(b))).toEqual(b);
      }),
    );
  });

  it('has a Hamming distance: zero to itself, symmetric, triangle inequality, at most `bits`', () => {
    fc.assert(
      fc.property(hashBytes, hashBytes, hashBytes, (a, b, c) => {
        const ab = type.distance(a, b);
        expect(type.distance(a, a)).toBe(0);
        expect(type.distance(b, a)).toBe(ab);
        expect(type.distance(a, c)).toBeLessThanOrEqual(ab + type.distance(b, c));
        expect(ab).toBeLessThanOrEqual(type.bits);
      }),
    );
  });

  it('counts flipped bits', () => {
    const a = new Uint8Array(type.bits / 8);
    const b = a.slice();
    b[0] = 0b1000_0001;
    b[b.length - 1] = 0b0000_0100;
    expect(type.distance(a, b)).toBe(3);
  });

  it('rejects malformed strings with a 400 that says what is wrong', () => {
    const digits = type.bits / 4;
    expect(() => type.parse('0'.repeat(digits - 1))).toThrow(
      new RegExp(
        `must be ${digits} hexadecimal characters \\(${type.bits} bits\\); this one has ${digits - 1}`,
      ),
    );
    expect(() => type.parse(`${'0'.repeat(digits - 1)}z`)).toThrow(new RegExp(`character ${digits} is "z"`));
    expect(() => type.parse('')).toThrow(HashInvalidError);
  });

  it('refuses bytes of the wrong size', () => {
    expect(() => type.format(new Uint8Array(3))).toThrow(RangeError);
    expect(() => type.distance(new Uint8Array(3), new Uint8Array(3))).toThrow(RangeError);
  });
});
