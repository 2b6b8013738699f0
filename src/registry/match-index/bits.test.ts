import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashwatchError } from '../../errors.js';
import { bytesToCode, codeToHex, extractBits, hamming256, hexToCode, popcount32, toCode } from './bits.js';

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

/** Bit i of a hex string, read character by character: the reference for the packed layout. */
function hexBit(hex: string, i: number): number {
  return (Number.parseInt(hex[i >> 2]!, 16) >> (3 - (i & 3))) & 1;
}

describe('hex <-> words', () => {
  it('round-trips any 64-char hex string', () => {
    fc.assert(fc.property(hex64, (h) => codeToHex(hexToCode(h)) === h));
  });

  it('keeps hex order: the first hex digit is the top nibble of word 0', () => {
    const code = hexToCode(`8${'0'.repeat(62)}1`);
    expect(code[0]).toBe(0x80000000);
    expect(code[7]).toBe(1);
  });

  it('accepts upper case and normalises it', () => {
    expect(codeToHex(hexToCode('AB'.repeat(32)))).toBe('ab'.repeat(32));
  });

  it.each(['', 'xyz', 'a'.repeat(63), 'a'.repeat(65), `${'a'.repeat(63)}g`])(
    'rejects %j with a 400 HASH_INVALID',
    (bad) => {
      let err: unknown;
      try {
        hexToCode(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HashwatchError);
      expect((err as HashwatchError).code).toBe('HASH_INVALID');
      expect((err as HashwatchError).status).toBe(400);
    },
  );

  it('packs bytes the way the hex string reads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
        return codeToHex(bytesToCode(bytes)) === hex;
      }),
    );
    expect(() => bytesToCode(new Uint8Array(31))).toThrow(HashwatchError);
    expect(() => toCode(new Uint32Array(7))).toThrow(HashwatchError);
  });
});

describe('popcount and distance', () => {
  it('popcount32 counts bits of any 32-bit value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        let naive = 0;
        for (let b = 0; b < 32; b++) naive += (x >>> b) & 1;
        return popcount32(x) === naive;
      }),
    );
  });

  it('hamming256 equals the number of differing hex bits', () => {
    fc.assert(
      fc.property(hex64, hex64, (a, b) => {
        let naive = 0;
        for (let i = 0; i < 256; i++) naive += hexBit(a, i) ^ hexBit(b, i);
        return hamming256(hexToCode(a), 0, hexToCode(b), 0) === naive;
      }),
    );
  });
});

describe('extractBits', () => {
  it('reads any field of up to 32 bits in hex order, across word boundaries', () => {
    fc.assert(
      fc.property(hex64, fc.integer({ min: 1, max: 32 }), fc.nat(255), (h, bits, s) => {
        const start = Math.min(s, 256 - bits);
        let naive = 0;
        for (let i = 0; i < bits; i++) naive = naive * 2 + hexBit(h, start + i);
        return extractBits(hexToCode(h), 0, start, bits) === naive;
      }),
    );
  });

  it('honours the code offset inside a flat array', () => {
    const flat = new Uint32Array(16);
    flat.set(hexToCode('f'.repeat(64)), 8);
    expect(extractBits(flat, 0, 0, 8)).toBe(0);
    expect(extractBits(flat, 8, 28, 8)).toBe(0xff);
  });
});
