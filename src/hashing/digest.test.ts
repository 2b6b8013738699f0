import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fileDigests, fileDigestsAsync, md5Hex, sha256Hex } from './digest.js';

describe('digests', () => {
  it('match the published test vectors', () => {
    const abc = new TextEncoder().encode('abc');
    expect(md5Hex(new Uint8Array(0))).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex(abc)).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(sha256Hex(abc)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('give the same result in chunks as in one piece, across chunk boundaries', async () => {
    for (const size of [0, 1, (1 << 20) - 1, 1 << 20, (3 << 20) + 17]) {
      const bytes = new Uint8Array(randomBytes(size));
      expect(await fileDigestsAsync(bytes)).toEqual(fileDigests(bytes));
    }
  });

  it('hashes only the view it is given, not the whole backing buffer', () => {
    const backing = new TextEncoder().encode('xxabcxx');
    expect(sha256Hex(backing.subarray(2, 5))).toBe(sha256Hex(new TextEncoder().encode('abc')));
  });
});
