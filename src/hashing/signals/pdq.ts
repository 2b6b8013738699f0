/**
 * PDQ (Meta's 256-bit perceptual image hash) as a signal type.
 *
 * Threshold 31 of 256 bits and quality gate 50 are Meta's recommended operating point for PDQ, and
 * the defaults of python-threatexchange / HMA: within 31 bits false matches are rare on real photos,
 * and hashes of quality < 50 (flat, featureless images) collide too easily. On hashwatch's fixtures
 * the closest pair of different photos was 102 bits apart.
 *
 * Pure module (no Node imports).
 */
import type { SignalType } from '../signal-type.js';
import { hexSignalType } from './hex-signal.js';

/** PDQ: 64 hex digits, Hamming distance, match at ≤ 31 bits, ignore quality < 50. */
export const pdqSignal: SignalType = hexSignalType({
  name: 'pdq',
  label: 'PDQ hash',
  bits: 256,
  defaultThreshold: 31,
  qualityGate: 50,
  examples: [
    {
      hash: 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22',
      source: 'ThreatExchange pdq test image bridge-1-original.jpg, full resolution (python-threatexchange)',
    },
    {
      hash: '30a10efd71cc3d429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af',
      source: 'ThreatExchange pdq test image bridge-2-rotate-90.jpg, full resolution (Java PDQHasherTest)',
    },
  ],
});
