/**
 * Bit helpers for 256-bit codes (PDQ, blockhash) held as 8 big-endian 32-bit words.
 *
 * Word `w` holds hex characters `8w .. 8w+7`, so bit `i` of the code (counting from the first hex
 * character's most significant bit) is bit `31 - (i % 32)` of word `i >> 5`. Keeping the hex order
 * means a substring of bits in the index is a substring of the hex string a person can read.
 */
import { HashwatchError } from '../../errors.js';

/** Bits in one code. */
export const CODE_BITS = 256;
/** 32-bit words per code in every flat code array. */
export const WORDS_PER_CODE = 8;

const HEX_256 = /^[0-9a-f]{64}$/;

/** Thrown for a malformed hash string; the API maps it to a 400. */
export function invalidHash(message: string, details?: Record<string, unknown>): HashwatchError {
  return new HashwatchError('HASH_INVALID', message, { status: 400, details });
}

/**
 * Parses a 64-character hex PDQ hash (upper case is accepted and folded) into 8 words.
 * @throws HashwatchError `HASH_INVALID` when the string is not 64 hex characters.
 */
export function hexToCode(hex: string, out: Uint32Array = new Uint32Array(WORDS_PER_CODE)): Uint32Array {
  const h = hex.toLowerCase();
  if (!HEX_256.test(h)) {
    throw invalidHash('A 256-bit hash must be 64 hexadecimal characters', { length: hex.length });
  }
  for (let w = 0; w < WORDS_PER_CODE; w++) out[w] = Number.parseInt(h.slice(w * 8, w * 8 + 8), 16);
  return out;
}

/** Formats 8 words as the 64-character lowercase hex string they were parsed from. */
export function codeToHex(code: Uint32Array, offset = 0): string {
  let s = '';
  for (let w = 0; w < WORDS_PER_CODE; w++) s += (code[offset + w]! >>> 0).toString(16).padStart(8, '0');
  return s;
}

/** Packs 32 bytes (as PDQ libraries emit them, first byte = first two hex characters) into 8 words. */
export function bytesToCode(
  bytes: Uint8Array,
  out: Uint32Array = new Uint32Array(WORDS_PER_CODE),
): Uint32Array {
  if (bytes.length !== 32) throw invalidHash('A 256-bit hash must be 32 bytes', { length: bytes.length });
  for (let w = 0; w < WORDS_PER_CODE; w++) {
    const b = w * 4;
    out[w] = ((bytes[b]! << 24) | (bytes[b + 1]! << 16) | (bytes[b + 2]! << 8) | bytes[b + 3]!) >>> 0;
  }
  return out;
}

/** Accepts either representation callers hold and returns 8 words (a copy for bytes, as-is for words). */
export function toCode(code: Uint32Array | Uint8Array): Uint32Array {
  if (code instanceof Uint32Array) {
    if (code.length !== WORDS_PER_CODE) {
      throw invalidHash('A 256-bit code must be 8 32-bit words', { length: code.length });
    }
    return code;
  }
  return bytesToCode(code);
}

/** Number of set bits in a 32-bit integer (SWAR; JS has no popcount intrinsic). */
export function popcount32(x: number): number {
  // `| 0` keeps the first step in int32: for a negative x the plain subtraction leaves the int32
  // range, V8 deoptimises ("lost precision") and the recompiled scan ran 5x slower.
  let v = (x - ((x >>> 1) & 0x55555555)) | 0;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** Hamming distance between the code at `a[aOff..aOff+8)` and the one at `b[bOff..bOff+8)`. */
export function hamming256(a: Uint32Array, aOff: number, b: Uint32Array, bOff: number): number {
  let d = 0;
  for (let w = 0; w < WORDS_PER_CODE; w++) d += popcount32(a[aOff + w]! ^ b[bOff + w]!);
  return d;
}

/**
 * Reads `bits` (1..32) bits starting at bit `start` of the code at `words[off..]`, as an unsigned
 * integer whose most significant bit is the code's bit `start`.
 */
export function extractBits(
  words: Uint32Array | Int32Array,
  off: number,
  start: number,
  bits: number,
): number {
  const wi = off + (start >>> 5);
  const shift = start & 31;
  let v = words[wi]! << shift;
  // A shift by 32 is a no-op in JS, so the second word is only read when the field crosses into it.
  if (shift !== 0 && shift + bits > 32) v |= words[wi + 1]! >>> (32 - shift);
  return bits === 32 ? v >>> 0 : v >>> (32 - bits);
}
