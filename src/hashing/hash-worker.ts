/**
 * The worker-thread side of {@link HashPool}: receives image bytes, runs `hashImageBytes`, and
 * answers with the hashes or a serialised error. Started only by the pool; importing it elsewhere
 * does nothing.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { HashwatchError } from '../errors.js';
import { hashImageBytes } from './hash-image.js';
import type { PoolReply, PoolRequest, SerialisedError } from './hash-pool.js';

/**
 * Flattens an error for `postMessage`, which would keep only `message` (and lose the class, code,
 * status and retryable flag). `details` are plain data by contract; anything uncloneable is dropped.
 */
export function serialiseError(err: unknown): SerialisedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const base = { name: err.name, message: err.message, stack: err.stack };
  if (!(err instanceof HashwatchError)) return base;
  return {
    ...base,
    code: err.code,
    status: err.status,
    retryable: err.retryable,
    details: plainDetails(err.details),
  };
}

function plainDetails(details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (details === undefined) return undefined;
  try {
    return structuredClone(details);
  } catch {
    try {
      return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
}

const port = isMainThread ? null : parentPort;
if (port) {
  port.on('message', (req: PoolRequest) => {
    hashImageBytes(req.bytes, req.options).then(
      (hashes) => port.postMessage({ type: 'done', id: req.id, hashes } satisfies PoolReply),
      (err: unknown) =>
        port.postMessage({ type: 'failed', id: req.id, error: serialiseError(err) } satisfies PoolReply),
    );
  });
  port.postMessage({ type: 'ready' } satisfies PoolReply);
}
