/**
 * The list of signal types. Adding one is its file in this folder plus one line here.
 *
 * Pure module (no Node imports).
 */
import { HashInvalidError } from '../errors.js';
import type { SignalType, SignalTypeName } from '../signal-type.js';
import { blockhashSignal } from './blockhash.js';
import { md5Signal } from './md5.js';
import { pdqSignal } from './pdq.js';
import { sha256Signal } from './sha256.js';

/** Every signal type, in the order the UI and API list them. */
export const SIGNAL_TYPES: readonly SignalType[] = Object.freeze([
  pdqSignal,
  md5Signal,
  sha256Signal,
  blockhashSignal,
]);

/** Whether `name` is a known signal type name. */
export function isSignalTypeName(name: string): name is SignalTypeName {
  return SIGNAL_TYPES.some((t) => t.name === name);
}

/**
 * The signal type called `name`.
 * @throws HashInvalidError (`HASH_INVALID`, 400) for an unknown name, listing the known ones.
 */
export function getSignalType(name: string): SignalType {
  const found = SIGNAL_TYPES.find((t) => t.name === name);
  if (found === undefined) {
    const known = SIGNAL_TYPES.map((t) => t.name);
    throw new HashInvalidError(
      `Unknown hash type ${JSON.stringify(name)}; known types are ${known.join(', ')}`,
      {
        known,
      },
    );
  }
  return found;
}
