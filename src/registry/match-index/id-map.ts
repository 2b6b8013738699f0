/**
 * External id -> slot, as an open-addressing hash table in two typed arrays. A JS Map would cost
 * 30-60 bytes per entry and tops out near 16.7M entries; this costs 8 bytes per bucket at a load
 * factor of at most 3/4 (about 13 bytes per id at 10M ids).
 */
import { MAX_ID } from './types.js';

const EMPTY = 0xffffffff;
const MAX_LOAD = 0.75;

/** Map from uint32 ids (below 2^32 - 1) to uint32 slots. */
export class IdMap {
  private keys: Uint32Array;
  private vals: Uint32Array;
  private mask: number;
  private shift: number;
  private n = 0;

  /** Sized so `expected` ids fit without rehashing. */
  constructor(expected = 0) {
    let bits = 4;
    while (2 ** bits * MAX_LOAD < expected) bits++;
    this.keys = new Uint32Array(2 ** bits).fill(EMPTY);
    this.vals = new Uint32Array(2 ** bits);
    this.mask = 2 ** bits - 1;
    this.shift = 32 - bits;
  }

  /** Number of ids held. */
  get size(): number {
    return this.n;
  }

  /** Bytes held by both arrays. */
  get byteLength(): number {
    return this.keys.byteLength + this.vals.byteLength;
  }

  // Fibonacci hashing: sequential row ids spread over the whole table.
  private home(id: number): number {
    return Math.imul(id, 0x9e3779b1) >>> this.shift;
  }

  private find(id: number): number {
    for (let i = this.home(id); ; i = (i + 1) & this.mask) {
      const k = this.keys[i]!;
      if (k === id) return i;
      if (k === EMPTY) return -1 - i;
    }
  }

  /** The slot for `id`, or -1. */
  get(id: number): number {
    if (id > MAX_ID) return -1;
    const i = this.find(id);
    return i >= 0 ? this.vals[i]! : -1;
  }

  /** Maps `id` to `slot`; returns the slot it replaced, or -1. */
  set(id: number, slot: number): number {
    const i = this.find(id);
    if (i >= 0) {
      const old = this.vals[i]!;
      this.vals[i] = slot;
      return old;
    }
    if (this.n + 1 > (this.mask + 1) * MAX_LOAD) {
      this.grow();
      return this.set(id, slot);
    }
    const at = -1 - i;
    this.keys[at] = id;
    this.vals[at] = slot;
    this.n++;
    return -1;
  }

  /** Removes `id`; returns its slot, or -1 when absent. */
  delete(id: number): number {
    if (id > MAX_ID) return -1;
    let i = this.find(id);
    if (i < 0) return -1;
    const slot = this.vals[i]!;
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    for (let j = (i + 1) & this.mask; ; j = (j + 1) & this.mask) {
      const k = this.keys[j]!;
      if (k === EMPTY) break;
      if (((j - this.home(k)) & this.mask) >= ((j - i) & this.mask)) {
        this.keys[i] = k;
        this.vals[i] = this.vals[j]!;
        i = j;
      }
    }
    this.keys[i] = EMPTY;
    this.n--;
    return slot;
  }

  private grow(): void {
    const { keys, vals } = this;
    const bits = 32 - this.shift + 1;
    this.keys = new Uint32Array(2 ** bits).fill(EMPTY);
    this.vals = new Uint32Array(2 ** bits);
    this.mask = 2 ** bits - 1;
    this.shift = 32 - bits;
    this.n = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.set(keys[i]!, vals[i]!);
  }
}
