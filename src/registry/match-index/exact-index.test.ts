import { describe, expect, it } from 'vitest';
import { HashwatchError } from '../../errors.js';
import { ExactIndex } from './exact-index.js';

const MD5_A = 'd41d8cd98f00b204e9800998ecf8427e';
const MD5_B = '9e107d9d372bb6826bd81d3542a419d6';
const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('ExactIndex', () => {
  it('looks up ids by digest, case-insensitively', () => {
    const index = new ExactIndex('md5');
    index.add(1, MD5_A);
    index.add(2, MD5_A.toUpperCase());
    index.add(3, MD5_B);
    expect(index.lookup(MD5_A.toUpperCase())).toEqual([1, 2]);
    expect(index.lookup(MD5_B)).toEqual([3]);
    expect(index.lookup('0'.repeat(32))).toEqual([]);
    expect(index.size).toBe(3);
  });

  it('stops matching a removed id and keeps the others', () => {
    const index = new ExactIndex('md5');
    index.add(1, MD5_A);
    index.add(2, MD5_A);
    index.add(3, MD5_A);
    expect(index.remove(2)).toBe(true);
    expect(index.lookup(MD5_A)).toEqual([1, 3]);
    expect(index.remove(2)).toBe(false);
    index.remove(1);
    index.remove(3);
    expect(index.lookup(MD5_A)).toEqual([]);
    expect(index.has(3)).toBe(false);
    index.add(3, MD5_A);
    expect(index.lookup(MD5_A)).toEqual([3]);
  });

  it('moves an id that is added again with another digest', () => {
    const index = new ExactIndex('md5');
    index.add(1, MD5_A);
    index.add(1, MD5_B);
    expect(index.lookup(MD5_A)).toEqual([]);
    expect(index.lookup(MD5_B)).toEqual([1]);
    expect(index.size).toBe(1);
  });

  it('validates digests for its algorithm with a 400 HASH_INVALID', () => {
    const md5 = new ExactIndex('md5');
    const sha = new ExactIndex('sha256');
    sha.add(9, SHA);
    expect(sha.lookup(SHA)).toEqual([9]);
    expect(() => md5.add(1, SHA)).toThrow(HashwatchError);
    expect(() => sha.lookup(MD5_A)).toThrow(expect.objectContaining({ code: 'HASH_INVALID', status: 400 }));
    expect(() => md5.lookup(`${MD5_A.slice(1)}z`)).toThrow(HashwatchError);
    expect(() => md5.add(-1, MD5_A)).toThrow(RangeError);
  });
});
