/**
 * MD5 of the file bytes as a signal type: an exact-copy signal (distance 0 only). MD5 is broken for
 * collision resistance, but StopNCII shares video hashes as MD5, so we must match them; a deliberate
 * collision would only make us report a file that was crafted to collide.
 *
 * Pure module (no Node imports).
 */
import type { SignalType } from '../signal-type.js';
import { hexSignalType } from './hex-signal.js';

/** MD5: 32 hex digits, exact match only. */
export const md5Signal: SignalType = hexSignalType({
  name: 'md5',
  label: 'MD5 hash',
  bits: 128,
  defaultThreshold: 0,
  examples: [{ hash: 'd41d8cd98f00b204e9800998ecf8427e', source: 'RFC 1321 test suite: MD5("")' }],
});
