import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashInvalidError } from './errors.js';
import { bytesToHex, hammingDistance, hammingDistanceHex, hexToBytes, popcount32 } from './hex.js';

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

function naivePopcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v >>>= 1) n += v & 1;
  return n;
}

function naiveDistance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += naivePopcount(a[i]! ^ b[i]!);
  return d;
}

describe('hexToBytes / bytesToHex', () => {
  it('round-trips any bytes through lowercase hex', () => {
    fc.assert(
      fc.property(bytes32, (b) => {
        const hex = bytesToHex(b);
        expect(hex).toMatch(/^[0-9a-f]{64}$/);
        expect(hexToBytes(hex, 256)).toEqual(b);
      }),
    );
  });

  it('accepts upper case and surrounding whitespace', () => {
    expect(bytesToHex(hexToBytes('  D41D8CD98F00B204E9800998ECF8427E\n', 128))).toBe(
      'd41d8cd98f00b204e9800998ecf8427e',
    );
  });

  it('says how long a hash must be and how long it was', () => {
    const err = catchError(() => hexToBytes('abc', 256, 'PDQ hash'));
    expect(err).toBeInstanceOf(HashInvalidError);
    expect(err).toMatchObject({ code: 'HASH_INVALID', status: 400, retryable: false });
    expect(err.message).toBe('A PDQ hash must be 64 hexadecimal characters (256 bits); this one has 3');
    expect(err.details).toEqual({ expectedLength: 64, length: 3 });
  });

  it('names the first non-hex character and its position', () => {
    const hex = `${'0'.repeat(10)}g${'0'.repeat(53)}`;
    const err = catchError(() => hexToBytes(hex, 256, 'PDQ hash'));
    expect(err.message).toBe(
      'A PDQ hash may contain only the hexadecimal digits 0-9 and a-f; character 11 is "g"',
    );
    expect(err.details).toEqual({ position: 11 });
    expect(() => hexToBytes(`é${'0'.repeat(63)}`, 256)).toThrow(/character 1 is "é"/);
  });

  it('refuses a non-string with a typed error', () => {
    expect(() => hexToBytes(42 as unknown as string, 256)).toThrow(HashInvalidError);
  });
});

describe('popcount32', () => {
  it('counts the bits of any 32-bit value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
        (x) => popcount32(x) === naivePopcount(x),
      ),
    );
    expect(popcount32(-1)).toBe(32);
    expect(popcount32(0)).toBe(0);
  });
});

describe('hammingDistance', () => {
  it('is 0 from a hash to itself', () => {
    fc.assert(fc.property(bytes32, (a) => hammingDistance(a, a) === 0));
  });

  it('is symmetric and equals a bit-by-bit count', () => {
    fc.assert(
      fc.property(bytes32, bytes32, (a, b) => {
        const d = hammingDistance(a, b);
        return d === hammingDistance(b, a) && d === naiveDistance(a, b);
      }),
    );
  });

  it('satisfies the triangle inequality', () => {
    fc.assert(
      fc.property(
        bytes32,
        bytes32,
        bytes32,
        (a, b, c) => hammingDistance(a, c) <= hammingDistance(a, b) + hammingDistance(b, c),
      ),
    );
  });

  it('gives the same answer for unaligned views and odd lengths', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 3 }),
        (a, shift) => {
          const b = a.map((v) => v ^ 0x5a);
          const backing = new Uint8Array(a.length + shift);
          backing.set(b, shift);
          const unaligned = backing.subarray(shift);
          return hammingDistance(a, unaligned) === naiveDistance(a, b);
        },
      ),
    );
  });

  it('refuses arrays of different lengths', () => {
    expect(() => hammingDistance(new Uint8Array(32), new Uint8Array(16))).toThrow(RangeError);
  });

  it('agrees with hammingDistanceHex on the hex forms', () => {
    fc.assert(
      fc.property(
        bytes32,
        bytes32,
        (a, b) => hammingDistanceHex(bytesToHex(a), bytesToHex(b)) === hammingDistance(a, b),
      ),
    );
  });
});

function catchError(fn: () => unknown): HashInvalidError {
  try {
    fn();
  } catch (err) {
    return err as HashInvalidError;
  }
  throw new Error('expected an error');
}
