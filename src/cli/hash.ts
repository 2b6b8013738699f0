import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.js';
// The module itself, not `crawler/index.js`: that loads playwright and BullMQ, seconds of start-up.
import { sniffMedia } from '../crawler/net/sniff.js';
import { isHashwatchError } from '../errors.js';
import {
  type HashImageOptions,
  HashInputTooLargeError,
  HashPool,
  type HashVideoOptions,
  hashVideo,
  type ImageHashes,
  type VideoHashes,
} from '../hashing/index.js';
import { progress } from './progress.js';

/** What hashing one local file came to: its hashes, or a coded error that becomes an error line. */
export type LocalResult =
  | { file: string; hashes: ImageHashes | VideoHashes }
  | { file: string; error: { code: string; message: string } };

/** How local files are hashed: the image pool and the limits the workers use. */
export interface LocalHashing {
  pool: HashPool;
  image: HashImageOptions;
  video: HashVideoOptions;
}

/** The hashing limits of the workers, from configuration: local files are hashed the same way. */
export function hashingFromConfig(config: Readonly<Config>): Omit<LocalHashing, 'pool'> {
  return {
    image: { maxInputBytes: config.hashing.maxImageBytes, maxInputPixels: config.hashing.maxImagePixels },
    video: {
      ffmpegPath: config.hashing.ffmpegPath,
      maxFrames: config.hashing.maxVideoSeconds,
      timeoutMs: config.crawler.videoTimeoutMs,
    },
  };
}

/**
 * Expands files and directories into a sorted list of files (directories recursively, hidden names
 * skipped, symlinked directories not followed so a link loop cannot recurse). An input that cannot
 * be read becomes an error result in its place.
 */
export async function listInputs(inputs: string[]): Promise<(string | LocalResult)[]> {
  const out: (string | LocalResult)[] = [];
  for (const input of inputs) {
    const st = await stat(input).catch((err: NodeJS.ErrnoException) => fileError(input, err));
    if (!('isDirectory' in st)) out.push(st);
    else if (st.isDirectory()) await walk(input, out);
    else if (st.isFile()) out.push(input);
    else out.push({ file: input, error: { code: 'FILE_UNREADABLE', message: 'not a regular file' } });
  }
  return out;
}

async function walk(dir: string, out: (string | LocalResult)[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    out.push(fileError(dir, err));
    return [];
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, out);
    else if (e.isFile() || (e.isSymbolicLink() && (await stat(path).catch(() => null))?.isFile()))
      out.push(path);
  }
}

function fileError(file: string, err: NodeJS.ErrnoException): LocalResult {
  const code = err.code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
  return { file, error: { code, message: `cannot read ${file}: ${err.code ?? err.message}` } };
}

/** Bytes that `sniffMedia` needs to recognise a container by its magic numbers. */
const SNIFF_BYTES = 4100;

/**
 * Hashes one local file as the workers hash a download: the type is decided from the bytes, images go
 * to the pool (whole file in memory, transferred to a thread), videos to ffmpeg by path. Never throws.
 */
export async function hashLocalFile(file: string, h: LocalHashing, video: Mutex): Promise<LocalResult> {
  try {
    const handle = await open(file, 'r');
    let bytes: Uint8Array;
    try {
      const { size } = await handle.stat();
      const head = new Uint8Array(Math.min(SNIFF_BYTES, size));
      await handle.read(head, 0, head.byteLength, 0);
      if ((await sniffMedia(head)).kind === 'video') {
        await handle.close();
        return { file, hashes: await video.run(() => hashVideo({ kind: 'file', path: file }, h.video)) };
      }
      const max = h.image.maxInputBytes ?? Number.POSITIVE_INFINITY;
      if (size > max) throw new HashInputTooLargeError(`The file is ${size} bytes; the limit is ${max}`);
      bytes = await handle.readFile();
    } finally {
      await handle.close().catch(() => {});
    }
    return { file, hashes: await h.pool.hashImage(bytes, h.image) };
  } catch (err) {
    if (isHashwatchError(err)) return { file, error: { code: err.code, message: err.message } };
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === 'string' && e.syscall) return fileError(file, e);
    return { file, error: { code: 'INTERNAL', message: e.message ?? String(err) } };
  }
}

/** One at a time: ffmpeg already uses every core, and a second decode would only compete with it. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(fn, fn);
    this.#tail = next.catch(() => {});
    return next;
  }
}

/**
 * Hashes the listed inputs with a bounded number in flight (enough to keep every pool thread busy
 * while the next files are read) and yields the results in input order.
 */
export async function* hashLocalFiles(
  inputs: (string | LocalResult)[],
  h: LocalHashing,
): AsyncGenerator<LocalResult> {
  const window = 2 * h.pool.size + 2;
  const video = new Mutex();
  const running: (Promise<LocalResult> | undefined)[] = [];
  let started = 0;
  for (let i = 0; i < inputs.length; i++) {
    for (; started < inputs.length && started < i + window; started++) {
      const input = inputs[started] as string | LocalResult;
      running[started] = typeof input === 'string' ? hashLocalFile(input, h, video) : Promise.resolve(input);
    }
    yield (await running[i]) as LocalResult;
    running[i] = undefined;
  }
}

/** The `hash --json` line of a result: the contract fields in a fixed order, lowercase hex. */
export function hashLine(r: LocalResult): Record<string, unknown> {
  if ('error' in r) return { file: r.file, error: r.error };
  const h = r.hashes;
  const base = {
    file: r.file,
    kind: h.kind,
    sha256: h.sha256,
    md5: h.md5,
    pdq: h.pdq,
    pdqQuality: h.pdqQuality,
    blockhash: h.blockhash,
    width: h.width,
    height: h.height,
  };
  if (h.kind === 'video') return { ...base, durationMs: h.durationMs, frames: h.frames };
  // Crop variants are registered next to the original PDQ, so a cropped re-upload still matches.
  return h.variants === undefined ? base : { ...base, variants: h.variants };
}

/** A short line for people: what the file is and its PDQ. */
function humanLine(r: LocalResult): string {
  if ('error' in r) return `${r.file}: ${r.error.code}: ${r.error.message}`;
  const h = r.hashes;
  const what =
    h.kind === 'video'
      ? `video ${h.width}x${h.height} ${(h.durationMs / 1000).toFixed(1)} s, ${h.frames.length} frames`
      : `image ${h.width}x${h.height}`;
  return `${r.file}: ${what}, pdq ${h.pdq ?? 'none'} (quality ${h.pdqQuality ?? '-'}), sha256 ${h.sha256}`;
}

/**
 * Runs `fn` over every hashed input with a progress bar (only when stderr is a terminal and stdout
 * is not, since lines printed to the terminal are progress enough) and returns how many failed.
 * Stops quietly when the reader of stdout goes away (`hash --json dir | head`).
 */
export async function forEachHashed(
  inputs: string[],
  h: Omit<LocalHashing, 'pool'>,
  label: string,
  fn: (r: LocalResult) => void,
): Promise<{ total: number; failed: number }> {
  const listed = await listInputs(inputs);
  const pool = new HashPool();
  const bar = process.stdout.isTTY ? { tick() {}, stop() {} } : progress(listed.length, label);
  let failed = 0;
  let readerGone = false;
  const onStdoutError = () => {
    readerGone = true;
  };
  process.stdout.on('error', onStdoutError);
  try {
    for await (const r of hashLocalFiles(listed, { ...h, pool })) {
      if (readerGone) break;
      if ('error' in r) failed++;
      bar.tick();
      fn(r);
    }
  } finally {
    bar.stop();
    await pool.close();
    // The listener stays: a failed last write reports its EPIPE after the loop has ended.
  }
  return { total: listed.length, failed };
}

/** `hashwatch hash [--json] <file|dir>...`; nothing leaves the machine. Exit 1 if any file failed. */
export async function hashCommand(
  inputs: string[],
  json: boolean,
  config: Readonly<Config>,
): Promise<number> {
  const settings = hashingFromConfig(config);
  const hashing = { ...settings, image: { ...settings.image, variants: true } };
  const { total, failed } = await forEachHashed(inputs, hashing, 'hashing', (r) => {
    if (json) process.stdout.write(`${JSON.stringify(hashLine(r))}\n`);
    else if ('error' in r) process.stderr.write(`${humanLine(r)}\n`);
    else process.stdout.write(`${humanLine(r)}\n`);
  });
  if (total === 0) process.stderr.write('Nothing to hash: no files found.\n');
  else if (failed > 0) process.stderr.write(`${failed} of ${total} file(s) could not be hashed.\n`);
  return total === 0 || failed > 0 ? 1 : 0;
}

/** Adds `hash` to the program; `config` is read only when the command runs (so `--help` needs none). */
export function addHashCommand(program: Command, config: () => Readonly<Config>): void {
  program
    .command('hash')
    .description('hash local files and directories (never sends anything)')
    .argument('<paths...>', 'files or directories (searched recursively, hidden files skipped)')
    .option('--json', 'one JSON object per line per file (the format `register` and `match` read)')
    .action(async (paths: string[], o: { json?: boolean }) => {
      process.exitCode = await hashCommand(paths, o.json === true, config());
    });
}
