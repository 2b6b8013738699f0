/**
 * MD5 and SHA-256 of a file, computed in the browser with hash-wasm, chunk by chunk from
 * `file.stream()`: a large video never has to fit in memory, and the bytes never leave the page.
 */
import { createMD5, createSHA256 } from 'hash-wasm';
import { nextTurn } from './timing.js';

/** Lowercase hex digests of a file's bytes, as the server computes them. */
export interface FileDigests {
  sha256: string;
  md5: string;
}

/**
 * Digests `file` incrementally. `onProgress` receives the fraction read (0..1) after each chunk.
 * @throws whatever the browser throws when the file cannot be read (moved, permission lost).
 */
export async function digestFile(file: Blob, onProgress?: (fraction: number) => void): Promise<FileDigests> {
  const [md5, sha256] = await Promise.all([createMD5(), createSHA256()]);
  md5.init();
  sha256.init();
  const reader = file.stream().getReader();
  let read = 0;
  let sinceYield = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    md5.update(value);
    sha256.update(value);
    read += value.byteLength;
    sinceYield += value.byteLength;
    onProgress?.(file.size > 0 ? read / file.size : 1);
    // Hashing is fast, but a multi-gigabyte video is still seconds of work: let the page breathe.
    if (sinceYield >= 16 * 1024 * 1024) {
      sinceYield = 0;
      await nextTurn();
    }
  }
  return { sha256: sha256.digest('hex'), md5: md5.digest('hex') };
}
