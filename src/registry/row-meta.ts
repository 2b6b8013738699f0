import type { RegistryHashRow } from './types.js';

export interface RowInfo {
  itemId: number;
  caseId: number;
  signal: RegistryHashRow['signal'];
  variant: string;
  frameMs: number | null;
}

const SIGNALS: RegistryHashRow['signal'][] = ['pdq', 'blockhash', 'md5', 'sha256'];

/**
 * What the matcher needs to know about each indexed row, in growable typed arrays (a few tens of
 * bytes a row instead of an object each), with a free list so withdrawals do not leak slots.
 */
export class RowMeta {
  readonly #slotOf = new Map<number, number>();
  readonly #free: number[] = [];
  readonly #variants: string[] = [];
  readonly #variantCode = new Map<string, number>();
  #item = new Float64Array(1024);
  #case = new Float64Array(1024);
  #frame = new Int32Array(1024);
  #packed = new Uint16Array(1024); // signal (2 bits) | variant code << 2
  #used = 0;

  get size(): number {
    return this.#slotOf.size;
  }

  has(id: number): boolean {
    return this.#slotOf.has(id);
  }

  set(row: RegistryHashRow): void {
    let slot = this.#slotOf.get(row.id) ?? this.#free.pop();
    if (slot === undefined) {
      if (this.#used === this.#item.length) this.#grow();
      slot = this.#used++;
    }
    this.#slotOf.set(row.id, slot);
    this.#item[slot] = row.itemId;
    this.#case[slot] = row.caseId;
    this.#frame[slot] = row.frameMs ?? -1;
    this.#packed[slot] = SIGNALS.indexOf(row.signal) | (this.#code(row.variant) << 2);
  }

  get(id: number): RowInfo | undefined {
    const slot = this.#slotOf.get(id);
    if (slot === undefined) return undefined;
    const packed = this.#packed[slot] ?? 0;
    const frame = this.#frame[slot] ?? -1;
    return {
      itemId: this.#item[slot] ?? 0,
      caseId: this.#case[slot] ?? 0,
      signal: SIGNALS[packed & 3] ?? 'pdq',
      variant: this.#variants[packed >> 2] ?? 'original',
      frameMs: frame < 0 ? null : frame,
    };
  }

  delete(id: number): void {
    const slot = this.#slotOf.get(id);
    if (slot === undefined) return;
    this.#slotOf.delete(id);
    this.#free.push(slot);
  }

  #code(variant: string): number {
    let code = this.#variantCode.get(variant);
    if (code === undefined) {
      code = this.#variants.length;
      this.#variants.push(variant);
      this.#variantCode.set(variant, code);
    }
    return code;
  }

  #grow(): void {
    const n = this.#item.length * 2;
    const grow = <T extends Float64Array | Int32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.#item = grow(this.#item, (k) => new Float64Array(k));
    this.#case = grow(this.#case, (k) => new Float64Array(k));
    this.#frame = grow(this.#frame, (k) => new Int32Array(k));
    this.#packed = grow(this.#packed, (k) => new Uint16Array(k));
  }
}
