/**
 * blockhash (commonsmachinery's block-mean-value hash, 16×16 blocks = 256 bits) as a signal type.
 *
 * Threshold 20 of 256 bits, measured on hashwatch's fixtures: re-encoding, halving, brightening or a
 * small logo move a photo's blockhash by at most 14 bits at the 90th percentile (29 photos), while
 * the closest of 1540 pairs of different images were 36 bits apart (two matching cabinets shot the
 * same way against white) and the next 46. 20 keeps a wide gap to the different-image side;
 * blockhash is a second signal next to PDQ, not a sole basis for a notice.
 *
 * Pure module (no Node imports).
 */
import type { SignalType } from '../signal-type.js';
import { hexSignalType } from './hex-signal.js';

/** blockhash 16 (precise method, `bmvbhash(…, 16)`): 64 hex digits, match at ≤ 20 bits. */
export const blockhashSignal: SignalType = hexSignalType({
  name: 'blockhash',
  label: 'blockhash',
  bits: 256,
  defaultThreshold: 20,
  examples: [
    {
      hash: 'f81bf99ffb803400e07f8c7d049f058706013e233fe33fe11f600e638ea30def',
      source: 'blockhash-js test data 00002701_16_2 (commonsmachinery)',
    },
  ],
});
