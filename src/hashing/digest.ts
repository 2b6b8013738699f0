/**
 * Cryptographic digests of file bytes (exact-copy signals), via node:crypto. Node only; the browser
 * bundle uses `crypto.subtle` for SHA-256 and does not need MD5.
 *
 * MD5 + SHA-256 together cost about 3 ms per MB here, so a 50 MB file would hold the event loop for
 * 150 ms: {@link fileDigestsAsync} feeds the hashes 1 MiB at a time and yields in between.
 */
import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/** MD5 and SHA-256 of some bytes, as lowercase hex. */
export interface FileDigests {
  md5: string;
  sha256: string;
}

/** Bytes hashed between two yields to the event loop (about 3 ms of work). */
const CHUNK = 1 << 20;

/** SHA-256 of `bytes` as 64 lowercase hex digits. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** MD5 of `bytes` as 32 lowercase hex digits (what StopNCII shares for videos). */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Both digests of `bytes`, synchronously: fine for small inputs. */
export function fileDigests(bytes: Uint8Array): FileDigests {
  return { md5: md5Hex(bytes), sha256: sha256Hex(bytes) };
}

/** Both digests of `bytes`, yielding to the event loop after every MiB. Same result as {@link fileDigests}. */
export async function fileDigestsAsync(bytes: Uint8Array): Promise<FileDigests> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  for (let offset = 0; offset < bytes.byteLength; offset += CHUNK) {
    if (offset > 0) await yieldToEventLoop();
    const chunk = bytes.subarray(offset, Math.min(offset + CHUNK, bytes.byteLength));
    md5.update(chunk);
    sha256.update(chunk);
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}
