/**
 * Public face of the match index: exact Hamming range search over 256-bit codes (PDQ) and exact
 * digest lookup (MD5, SHA-256). Pure TypeScript with no I/O, so every crawler worker can hold a
 * copy of the registry in memory.
 */
export {
  bytesToCode,
  CODE_BITS,
  codeToHex,
  hamming256,
  hexToCode,
  popcount32,
  toCode,
  WORDS_PER_CODE,
} from './bits.js';
export { DIGEST_HEX_LENGTH, type DigestKind, ExactIndex } from './exact-index.js';
export { type LinearHit, linearSearch } from './linear-search.js';
export { MihIndex } from './mih-index.js';
export type { PlanOptions } from './plan.js';
export { MAX_ID, type MihIndexOptions, type MihIndexStats, type SearchHit } from './types.js';
