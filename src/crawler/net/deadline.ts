/**
 * One deadline for a whole request — connect, every redirect hop, headers and the full body — plus
 * the translation of undici's and the socket layer's errors into crawl errors. undici's own
 * `headersTimeout`/`bodyTimeout` are idle timeouts: a server that drips one byte a second resets
 * them forever, so only a wall-clock deadline bounds a hostile response.
 */
import { type CrawlError, isCrawlError, network, timeout } from '../errors.js';

/** A wall-clock deadline joined with the caller's abort signal. */
export class Deadline {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort = (): void => this.#controller.abort(this.#callerSignal?.reason);
  #expired = false;

  /** `host` only words the timeout message. */
  constructor(
    readonly timeoutMs: number,
    host: string,
    callerSignal?: AbortSignal,
  ) {
    this.#callerSignal = callerSignal;
    this.#timer = setTimeout(() => {
      this.#expired = true;
      // The reason becomes the error undici rejects with and destroys the body with.
      this.#controller.abort(timeout(host, timeoutMs, 'whole request deadline'));
    }, timeoutMs);
    // An armed deadline must not keep a finished process alive; an open socket already does.
    this.#timer.unref();
    if (callerSignal?.aborted) this.#onCallerAbort();
    else callerSignal?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  /** Aborts when the deadline passes or the caller aborts. Pass it to undici. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Stops the timer and forgets the caller's signal. Safe to call twice. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
  }

  /**
   * The error to throw for `err`, raised while this deadline was live: the caller's own abort
   * reason when the caller aborted (it asked for it), a timeout once the deadline passed, otherwise
   * {@link toCrawlError}.
   */
  translate(err: unknown, host: string): unknown {
    if (this.#callerSignal?.aborted && !this.#expired) return this.#callerSignal.reason;
    if (this.#expired)
      return isCrawlError(err) ? err : timeout(host, this.timeoutMs, 'whole request deadline');
    return toCrawlError(err, host, this.timeoutMs);
  }
}

// undici error codes (undici/lib/core/errors.js) and Node/libuv socket codes that mean "the network
// failed", as opposed to a bug in our own call (invalid argument), which is rethrown as it is.
const TIMEOUT_PHASES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
  ETIMEDOUT: 'connect',
};

const NOT_NETWORK = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_ARG_TYPE']);

/**
 * Maps a thrown value to a {@link CrawlError} when it describes a network failure; anything else
 * (a programming error) is returned unchanged so it is not mistaken for a flaky site.
 */
export function toCrawlError(err: unknown, host: string, timeoutMs: number): CrawlError | unknown {
  if (isCrawlError(err)) return err;
  if (!(err instanceof Error)) return err;
  // A socket error may arrive wrapped (undici's SocketError keeps the original as `cause`).
  const code = errorCode(err) ?? errorCode(err.cause);
  if (code === undefined || NOT_NETWORK.has(code)) return err;
  const phase = TIMEOUT_PHASES[code];
  if (phase !== undefined) return timeout(host, timeoutMs, phase);
  if (code.startsWith('HPE_')) return network(host, 'the server sent a malformed HTTP response', err);
  return network(host, describeCode(code), err);
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describeCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the name does not resolve';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host';
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return 'the response ended early';
    default:
      return code.startsWith('ERR_TLS') || code.includes('CERT') ? `TLS failed (${code})` : code;
  }
}
