import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashwatchError } from '../errors.js';
import {
  HashDecodeFailedError,
  HashImageTooLargeError,
  HashInputTooLargeError,
  HashUnsupportedFormatError,
} from './errors.js';
import { hashImageBytes } from './hash-image.js';
import { HashPool, HashPoolError } from './hash-pool.js';

const photos = ['mate-aqua.jpg', 'skimage-astronaut.jpg', 'mate-freshflower.jpg', 'skimage-coins.jpg'];
const read = (name: string) => readFile(new URL(`../../test/fixtures/photos/${name}`, import.meta.url));

/** The error hashImageBytes throws in this thread, for comparison with the pool's. */
async function localError(bytes: Uint8Array, options = {}): Promise<HashwatchError> {
  const err = await hashImageBytes(bytes, options).catch((e: unknown) => e);
  if (!(err instanceof HashwatchError)) throw new Error('expected a HashwatchError');
  return err;
}

describe('HashPool', () => {
  const pool = new HashPool({ size: 2 });
  afterAll(() => pool.close());

  it('gives the same hashes as hashing in this thread, on at most `size` threads', async () => {
    const files = await Promise.all(photos.map(read));
    const expected = await Promise.all(files.map((b) => hashImageBytes(b, { dihedral: true })));
    const got = await Promise.all(files.map((b) => pool.hashImage(new Uint8Array(b), { dihedral: true })));
    expect(got).toEqual(expected);
    expect(pool.threads).toBe(2);
  });

  it('transfers whole buffers and copies views on part of one', async () => {
    const file = await read('skimage-coins.jpg');
    const whole = new Uint8Array(file);
    await pool.hashImage(whole);
    expect(whole.byteLength).toBe(0);
    const padded = new Uint8Array(file.byteLength + 16);
    padded.set(file, 8);
    const view = padded.subarray(8, 8 + file.byteLength);
    const h = await pool.hashImage(view);
    expect(view.byteLength).toBe(file.byteLength);
    expect(h.sha256).toBe((await hashImageBytes(file)).sha256);
  });

  it.each([
    ['empty bytes', new Uint8Array(0), {}, HashDecodeFailedError, 'HASH_DECODE_FAILED', 400],
    [
      'text',
      new TextEncoder().encode('hello, not an image'),
      {},
      HashDecodeFailedError,
      'HASH_DECODE_FAILED',
      400,
    ],
    [
      'SVG',
      new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      {},
      HashUnsupportedFormatError,
      'HASH_UNSUPPORTED_FORMAT',
      415,
    ],
    [
      'bytes over the cap',
      new Uint8Array(64).fill(1),
      { maxInputBytes: 10 },
      HashInputTooLargeError,
      'HASH_INPUT_TOO_LARGE',
      413,
    ],
  ] as const)(
    'brings %s errors back typed, with code, status, flag, message and details',
    async (_what, bytes, options, cls, code, status) => {
      const local = await localError(bytes, options);
      const err = await pool.hashImage(bytes.slice(), options).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(cls);
      expect(err).toBeInstanceOf(HashwatchError);
      expect(err).toMatchObject({ code, status, retryable: false, message: local.message, name: local.name });
      expect((err as HashwatchError).details).toEqual(local.details);
    },
  );

  it('reports a decompression bomb as HASH_IMAGE_TOO_LARGE', async () => {
    const err = await pool.hashImage(await read('mate-aqua.jpg'), { maxInputPixels: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(HashImageTooLargeError);
    expect(err).toMatchObject({ code: 'HASH_IMAGE_TOO_LARGE', status: 413 });
  });
});

describe('HashPool lifecycle', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hw-pool-'));
    // A stand-in worker that dies on a first byte of 0xff and echoes the length otherwise.
    await writeFile(
      join(dir, 'crashy.mjs'),
      `import { parentPort } from 'node:worker_threads';
       parentPort.on('message', ({ id, bytes }) => {
         if (bytes[0] === 0xff) process.exit(7);
         parentPort.postMessage({ type: 'done', id, hashes: { length: bytes.byteLength } });
       });
       parentPort.postMessage({ type: 'ready' });`,
    );
    await writeFile(join(dir, 'broken.mjs'), `throw new Error('cannot load');`);
  });
  afterAll(() => rm(dir, { recursive: true }));

  it('fails the job of a worker that died with HASH_WORKER_CRASHED and carries on with a new one', async () => {
    const pool = new HashPool({ size: 1, workerUrl: pathToFileURL(join(dir, 'crashy.mjs')) });
    await expect(pool.hashImage(new Uint8Array([1, 2, 3]))).resolves.toEqual({ length: 3 });
    const crashed = await pool.hashImage(new Uint8Array([0xff])).catch((e) => e);
    expect(crashed).toBeInstanceOf(HashPoolError);
    expect(crashed).toMatchObject({ code: 'HASH_WORKER_CRASHED', retryable: true });
    expect(crashed.message).toMatch(/died.*exit code 7/);
    await expect(pool.hashImage(new Uint8Array([4, 5]))).resolves.toEqual({ length: 2 });
    await pool.close();
  });

  it('fails queued jobs once, without respawning in a loop, when a worker cannot start', async () => {
    const pool = new HashPool({ size: 2, workerUrl: pathToFileURL(join(dir, 'broken.mjs')) });
    const results = await Promise.allSettled([1, 2, 3].map((n) => pool.hashImage(new Uint8Array([n]))));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason.message).toMatch(/failed to start: cannot load/);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(pool.threads).toBe(0);
    await pool.close();
  });

  it('close() lets a running job finish, ends every thread and refuses new work', async () => {
    const pool = new HashPool({ size: 2 });
    const file = await read('mate-aqua.jpg');
    const running = pool.hashImage(new Uint8Array(file));
    const closing = pool.close();
    await expect(running).resolves.toMatchObject({ kind: 'image', width: 1600 });
    await closing;
    expect(pool.threads).toBe(0);
    await expect(pool.hashImage(new Uint8Array(file))).rejects.toMatchObject({ code: 'HASH_POOL_CLOSED' });
  });
});
