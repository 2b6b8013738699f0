import { HashwatchError } from '../errors.js';

/** Wrong reference or wrong PIN: one message for both, so a guess learns nothing about which. */
export function pinMismatch(): HashwatchError {
  return new HashwatchError(
    'CASE_PIN_MISMATCH',
    'That case reference and PIN do not match. Please check both and try again.',
    {
      status: 401,
    },
  );
}

/** Too many wrong PINs: the case is paused for a while, and the message says until when. */
export function caseLocked(until: Date): HashwatchError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return new HashwatchError(
    'CASE_LOCKED',
    `To keep this case safe, it is paused after several wrong PINs. Please try again in ${minutes} minute${minutes === 1 ? '' : 's'}. ` +
      'If the PIN is lost, the helpline that supports you can help.',
    { status: 429, details: { retryAfterSeconds: Math.ceil((until.getTime() - Date.now()) / 1000) } },
  );
}

export function caseWithdrawn(): HashwatchError {
  return new HashwatchError(
    'CASE_WITHDRAWN',
    'This case was withdrawn; its fingerprints have been deleted.',
    {
      status: 409,
    },
  );
}
