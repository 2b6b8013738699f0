/**
 * Typed errors shared by every stage. Each has a stable `code` (documented in docs/errors.md) and a
 * `retryable` flag; the queue maps `retryable` to BullMQ's retry behaviour and the HTTP layer maps
 * `status` to the response. No Node imports: the hashing core that runs in the browser uses this too.
 */
export interface ErrorOptions {
  /** Whether trying the same operation again later can succeed (network, service down). */
  retryable?: boolean;
  /** HTTP status when the error reaches the API. */
  status?: number;
  /** Extra, non-sensitive structured detail (field names, limits). Never PII or media bytes. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class HashwatchError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HashwatchError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.status = options.status ?? 500;
    this.details = options.details;
  }

  toJSON(): { code: string; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** True for any error carrying a hashwatch code, including ones from another realm or bundle. */
export function isHashwatchError(err: unknown): err is HashwatchError {
  return err instanceof HashwatchError;
}
