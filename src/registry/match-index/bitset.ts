/**
 * A growable bitset over slot numbers: the tombstones that make a withdrawn hash stop matching at
 * once, long before the next compaction rewrites the tables. 10M slots take 1.25 MB.
 */
export class Bitset {
  private words: Uint32Array;
  private ones = 0;

  constructor(capacityBits = 0) {
    this.words = new Uint32Array(Math.ceil(capacityBits / 32));
  }

  /** Whether bit `i` is set; bits past the end read as clear. */
  has(i: number): boolean {
    return (((this.words[i >>> 5] ?? 0) >>> (i & 31)) & 1) === 1;
  }

  /** Sets bit `i`, growing as needed. Returns false when it was already set. */
  set(i: number): boolean {
    const w = i >>> 5;
    if (w >= this.words.length) {
      // Growth by half keeps appends amortised O(1) without doubling a large array's memory.
      const next = new Uint32Array(Math.max(w + 1, Math.ceil(this.words.length * 1.5), 64));
      next.set(this.words);
      this.words = next;
    }
    const mask = 1 << (i & 31);
    const old = this.words[w]!;
    if ((old & mask) !== 0) return false;
    this.words[w] = old | mask;
    this.ones++;
    return true;
  }

  /** Number of set bits. */
  get count(): number {
    return this.ones;
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.words.byteLength;
  }
}
