/**
 * Typed errors of the hashing stage. Each is a small subclass of {@link HashwatchError} with a stable
 * code, so the API can answer with a precise 4xx and the queue can tell that retrying will not help:
 * the same bytes always fail the same way, hence `retryable: false` (except a decoding timeout).
 * Status: 400 for malformed input, 413 for inputs over a size limit, 415 for a refused format.
 *
 * Pure module (no Node imports): the browser bundle throws the same errors.
 */
import { HashwatchError } from '../errors.js';

/** Stable error codes of the hashing stage. */
export const HASH_ERROR_CODES = {
  invalid: 'HASH_INVALID',
  decodeFailed: 'HASH_DECODE_FAILED',
  unsupportedFormat: 'HASH_UNSUPPORTED_FORMAT',
  imageTooLarge: 'HASH_IMAGE_TOO_LARGE',
  inputTooLarge: 'HASH_INPUT_TOO_LARGE',
} as const;

/** A hash string that is not what its signal type expects (wrong length, a non-hex character). */
export class HashInvalidError extends HashwatchError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(HASH_ERROR_CODES.invalid, message, { status: 400, retryable: false, details });
    this.name = 'HashInvalidError';
  }
}

/**
 * Bytes that do not decode to an image: empty, truncated, corrupt, or not an image at all. Retryable
 * only when the decoder gave up on time (the machine may have been busy).
 */
export class HashDecodeFailedError extends HashwatchError {
  constructor(
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(HASH_ERROR_CODES.decodeFailed, message, { status: 400, retryable: false, ...options });
    this.name = 'HashDecodeFailedError';
  }
}

/** A real image in a format we refuse to hash (SVG: a script-capable document, not pixels). */
export class HashUnsupportedFormatError extends HashwatchError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(HASH_ERROR_CODES.unsupportedFormat, message, { status: 415, retryable: false, details });
    this.name = 'HashUnsupportedFormatError';
  }
}

/** An image whose declared pixel count is above the limit (decompression-bomb guard). */
export class HashImageTooLargeError extends HashwatchError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(HASH_ERROR_CODES.imageTooLarge, message, { status: 413, retryable: false, details });
    this.name = 'HashImageTooLargeError';
  }
}

/** Input bytes above the byte cap; rejected before any decoding. */
export class HashInputTooLargeError extends HashwatchError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(HASH_ERROR_CODES.inputTooLarge, message, { status: 413, retryable: false, details });
    this.name = 'HashInputTooLargeError';
  }
}
