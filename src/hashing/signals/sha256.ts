/**
 * SHA-256 of the file bytes as a signal type: an exact-copy signal (distance 0 only), used to
 * recognise a file we have already fetched or registered without decoding it again.
 *
 * Pure module (no Node imports).
 */
import type { SignalType } from '../signal-type.js';
import { hexSignalType } from './hex-signal.js';

/** SHA-256: 64 hex digits, exact match only. */
export const sha256Signal: SignalType = hexSignalType({
  name: 'sha256',
  label: 'SHA-256 hash',
  bits: 256,
  defaultThreshold: 0,
  examples: [
    {
      hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      source: 'FIPS 180-2 appendix B.1: SHA-256("abc")',
    },
  ],
});
