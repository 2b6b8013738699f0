/**
 * Hex strings ↔ bytes and Hamming distance for fixed-size hashes (PDQ, blockhash, MD5, SHA-256).
 *
 * Bytes are big-endian in reading order: byte 0 is the first two hex characters. This matches how
 * every hash here is printed, so a byte array and its hex string hold the bits in the same order.
 *
 * Pure module (no Node imports): used by the browser bundle as well.
 */
import { HashInvalidError } from './errors.js';

const HEX_DIGITS = '0123456789abcdef';

/** Value of each character code as a hex digit, or -1. */
const NIBBLE = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 16; i++) {
    t[HEX_DIGITS.charCodeAt(i)] = i;
    t[HEX_DIGITS.toUpperCase().charCodeAt(i)] = i;
  }
  return t;
})();

/** Bits set in each byte value. */
const POPCOUNT_8 = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();

/** Number of set bits in a 32-bit integer (SWAR popcount). */
export function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/**
 * Parses a hex string of exactly `bits / 4` digits (either case; surrounding whitespace ignored).
 * @param label names the hash in error messages, e.g. "PDQ hash".
 * @throws HashInvalidError (`HASH_INVALID`, 400) saying what is wrong: the length, or the first
 *   character that is not a hex digit and its position.
 */
export function hexToBytes(hex: string, bits: number, label = 'hash'): Uint8Array {
  if (typeof hex !== 'string') {
    throw new HashInvalidError(`A ${label} must be a string of hexadecimal digits`, { received: typeof hex });
  }
  const s = hex.trim();
  const digits = bits / 4;
  if (s.length !== digits) {
    throw new HashInvalidError(
      `A ${label} must be ${digits} hexadecimal characters (${bits} bits); this one has ${s.length}`,
      { expectedLength: digits, length: s.length },
    );
  }
  const out = new Uint8Array(digits / 2);
  for (let i = 0; i < digits; i += 2) {
    const hi = nibbleAt(s, i, label);
    const lo = nibbleAt(s, i + 1, label);
    out[i >> 1] = (hi << 4) | lo;
  }
  return out;
}

function nibbleAt(s: string, i: number, label: string): number {
  const code = s.charCodeAt(i);
  const v = code < 128 ? NIBBLE[code]! : -1;
  if (v < 0) {
    throw new HashInvalidError(
      `A ${label} may contain only the hexadecimal digits 0-9 and a-f; character ${i + 1} is ${JSON.stringify(s[i])}`,
      { position: i + 1 },
    );
  }
  return v;
}

/** Formats bytes as lowercase hex, two characters per byte. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    s += HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!;
  }
  return s;
}

/**
 * Hamming distance between two equally long byte arrays: 32-bit words via popcount where aligned,
 * a byte table for the rest.
 * @throws RangeError when the lengths differ (comparing different signal types is a bug, not input).
 */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length)
    throw new RangeError(`hammingDistance: lengths differ (${a.length} vs ${b.length})`);
  let d = 0;
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = a.length >> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let w = 0; w < words; w++) d += popcount32(wa[w]! ^ wb[w]!);
    i = words << 2;
  }
  for (; i < a.length; i++) d += POPCOUNT_8[a[i]! ^ b[i]!]!;
  return d;
}

/**
 * Hamming distance between two hex strings of equal length, without allocating (8 digits at a time).
 * Inputs must already be valid hex (e.g. produced by `format`); use `hexToBytes` for user input.
 */
export function hammingDistanceHex(a: string, b: string): number {
  if (a.length !== b.length)
    throw new RangeError(`hammingDistanceHex: lengths differ (${a.length} vs ${b.length})`);
  let d = 0;
  for (let i = 0; i < a.length; i += 8) {
    d += popcount32(Number.parseInt(a.slice(i, i + 8), 16) ^ Number.parseInt(b.slice(i, i + 8), 16));
  }
  return d;
}
