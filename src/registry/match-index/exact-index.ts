/**
 * Exact-match index for cryptographic digests (MD5 for StopNCII videos, SHA-256 for files):
 * digest -> ids, and id -> digest so a withdrawal by id is O(1). These sets are far smaller than
 * the PDQ registry and need no neighbourhood search, so Maps are the right tool.
 */
import { invalidHash } from './bits.js';
import { checkId } from './types.js';

/** Digest algorithms the registry stores, with their hex length. */
export const DIGEST_HEX_LENGTH = { md5: 32, sha256: 64 } as const;

/** A digest algorithm name. */
export type DigestKind = keyof typeof DIGEST_HEX_LENGTH;

/** Digest -> ids index with add, remove by id and lookup; one digest may have several ids. */
export class ExactIndex {
  readonly kind: DigestKind;
  private readonly pattern: RegExp;
  // One id per digest is the common case, so a bare number avoids an array per entry.
  private readonly byDigest = new Map<string, number | number[]>();
  private readonly byId = new Map<number, string>();

  constructor(kind: DigestKind) {
    this.kind = kind;
    this.pattern = new RegExp(`^[0-9a-f]{${DIGEST_HEX_LENGTH[kind]}}$`);
  }

  /** Registered ids. */
  get size(): number {
    return this.byId.size;
  }

  /** Normalises a hex digest to lowercase, or throws `HASH_INVALID` (a 400). */
  normalize(hex: string): string {
    const h = hex.toLowerCase();
    if (!this.pattern.test(h)) {
      throw invalidHash(
        `A ${this.kind} digest must be ${DIGEST_HEX_LENGTH[this.kind]} hexadecimal characters`,
        {
          length: hex.length,
        },
      );
    }
    return h;
  }

  /** Registers `hex` under `id`; an id already present is moved to the new digest. */
  add(id: number, hex: string): void {
    checkId(id);
    const h = this.normalize(hex);
    this.remove(id);
    const cur = this.byDigest.get(h);
    if (cur === undefined) this.byDigest.set(h, id);
    else if (typeof cur === 'number') this.byDigest.set(h, [cur, id]);
    else cur.push(id);
    this.byId.set(id, h);
  }

  /** Stops `id` matching. Returns false when it was not registered. */
  remove(id: number): boolean {
    const h = this.byId.get(id);
    if (h === undefined) return false;
    this.byId.delete(id);
    const cur = this.byDigest.get(h);
    if (typeof cur === 'number' || cur === undefined) {
      this.byDigest.delete(h);
    } else {
      const rest = cur.filter((x) => x !== id);
      this.byDigest.set(h, rest.length === 1 ? rest[0]! : rest);
    }
    return true;
  }

  /** Whether `id` is registered. */
  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** Ids registered with exactly this digest (case-insensitive), ascending; empty when none. */
  lookup(hex: string): number[] {
    const cur = this.byDigest.get(this.normalize(hex));
    if (cur === undefined) return [];
    return typeof cur === 'number' ? [cur] : [...cur].sort((a, b) => a - b);
  }
}
