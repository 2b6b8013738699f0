/**
 * The shared implementation of signal types whose hashes are fixed-size hex strings compared by
 * Hamming distance. Each signal file supplies only what differs: name, size, threshold, examples.
 *
 * Pure module (no Node imports).
 */
import { bytesToHex, hammingDistance, hexToBytes } from '../hex.js';
import type { SignalExample, SignalType, SignalTypeName } from '../signal-type.js';

/** The parts of a {@link SignalType} that differ between hex-encoded hash types. */
export interface HexSignalSpec {
  name: SignalTypeName;
  /** Human name used in error messages ("PDQ hash"). */
  label: string;
  bits: number;
  defaultThreshold: number;
  qualityGate?: number;
  examples: readonly SignalExample[];
}

/** Builds a frozen {@link SignalType} for a fixed-size hex hash. */
export function hexSignalType(spec: HexSignalSpec): SignalType {
  const bytes = spec.bits / 8;
  const type: SignalType = {
    name: spec.name,
    bits: spec.bits,
    defaultThreshold: spec.defaultThreshold,
    ...(spec.qualityGate === undefined ? {} : { qualityGate: spec.qualityGate }),
    examples: Object.freeze([...spec.examples]),
    parse: (hex) => hexToBytes(hex, spec.bits, spec.label),
    format: (value) => {
      if (value.length !== bytes)
        throw new RangeError(`${spec.label}: expected ${bytes} bytes, got ${value.length}`);
      return bytesToHex(value);
    },
    distance: (a, b) => {
      if (a.length !== bytes || b.length !== bytes) {
        throw new RangeError(
          `${spec.label}: distance needs two ${bytes}-byte hashes (got ${a.length}, ${b.length})`,
        );
      }
      return hammingDistance(a, b);
    },
  };
  return Object.freeze(type);
}
