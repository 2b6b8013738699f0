/**
 * Reading a response body under a byte cap. Bytes are counted as they arrive and the stream is
 * destroyed the moment the cap is crossed, so a hostile server can make us hold at most the cap
 * plus one network chunk — never the file it claims to have.
 */
import { tooLarge } from '../errors.js';

/** A response body we can iterate and, when we stop early, destroy (undici's BodyReadable). */
export interface DestroyableBody extends AsyncIterable<Uint8Array> {
  destroy(err?: Error): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * Destroys a body we will not read (further). undici's BodyReadable emits a RequestAbortedError
 * when destroyed before its end (undici/lib/api/readable.js `_destroy`); with no listener left that
 * would be an uncaught exception, so one is attached first. Destroying closes the socket, which is
 * what we want for a hostile body: draining it would be on the server's terms.
 */
export function discard(body: DestroyableBody): void {
  body.on('error', ignore);
  body.destroy();
}

function ignore(): void {}

/**
 * Yields the chunks of `body` until it ends, throwing `CRAWL_TOO_LARGE` as soon as more than
 * `maxBytes` arrived. However the iteration ends — done, thrown, or abandoned by the consumer's
 * `break` — the body is destroyed and `onFinally` runs (the caller's deadline cleanup).
 */
export async function* cappedChunks(
  body: DestroyableBody,
  maxBytes: number,
  host: string,
  translate: (err: unknown) => unknown,
  onFinally: () => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  let received = 0;
  try {
    for await (const chunk of body) {
      received += chunk.byteLength;
      if (received > maxBytes) throw tooLarge(host, maxBytes);
      yield chunk;
    }
  } catch (err) {
    throw translate(err);
  } finally {
    discard(body);
    onFinally();
  }
}

/** Collects an iterable of chunks into one array (the cap is enforced by the iterable). */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    total += chunk.byteLength;
  }
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** An already finished, empty body (404/410 results of `fetchStream`). */
export async function* noChunks(): AsyncGenerator<Uint8Array, void, undefined> {}

/** The declared `Content-Length`, when it is a plain non-negative integer. */
export function declaredLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
