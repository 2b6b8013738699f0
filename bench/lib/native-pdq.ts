/**
 * The native PDQ baseline (`bench/native/pdq-baseline.cpp`) for bench:hash: compiled with g++ into a
 * temp dir, then fed raw RGB frames over a pipe. The host's speed drifts from day to day, so our
 * TypeScript PDQ is judged against this C++ measured in the same run, frame by frame.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const SOURCE = new URL('../native/pdq-baseline.cpp', import.meta.url).pathname;

/** One frame's hash and the time the C++ took per hash (median and fastest of its repetitions). */
export interface NativePdqResult {
  hash: string;
  quality: number;
  medianMs: number;
  minMs: number;
}

/** A running baseline process for frames of one size. */
export interface NativePdqSession {
  /** Hashes one frame (`width*height*3` bytes of RGB); frames are taken one at a time, in order. */
  hash(rgb: Uint8Array): Promise<NativePdqResult>;
  close(): Promise<void>;
}

/** The compiled baseline. */
export interface NativePdq {
  /** How it was compiled, e.g. `g++ -O2`. */
  compiler: string;
  /** A process hashing frames of `width × height`, each `reps` times. */
  open(width: number, height: number, reps?: number): NativePdqSession;
  /** One frame in a process of its own. */
  hash(rgb: Uint8Array, width: number, height: number, reps?: number): Promise<NativePdqResult>;
  /** Removes the binary. */
  dispose(): Promise<void>;
}

function parseLine(line: string): NativePdqResult {
  const [hash, quality, medianMs, minMs] = line.trim().split(' ');
  if (hash === undefined || !/^[0-9a-f]{64}$/.test(hash) || minMs === undefined)
    throw new Error(`pdq-baseline: unexpected output ${JSON.stringify(line)}`);
  return { hash, quality: Number(quality), medianMs: Number(medianMs), minMs: Number(minMs) };
}

function session(binary: string, width: number, height: number, reps: number): NativePdqSession {
  const child: ChildProcessWithoutNullStreams = spawn(binary, [String(width), String(height), String(reps)]);
  const frameBytes = width * height * 3;
  const waiting: { resolve: (r: NativePdqResult) => void; reject: (e: Error) => void }[] = [];
  let stderr = '';
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure ??= e;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  child.stderr.on('data', (d) => (stderr += d));
  child.on('error', fail);
  child.on('exit', (code) => fail(new Error(`pdq-baseline exited (${code}): ${stderr.trim()}`)));
  // EPIPE when the process died mid-frame; the exit handler reports it with the process's stderr.
  child.stdin.on('error', () => {});
  createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift();
    try {
      w?.resolve(parseLine(line));
    } catch (e) {
      w?.reject(e as Error);
    }
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    hash(rgb) {
      if (rgb.length !== frameBytes)
        return Promise.reject(new RangeError(`pdq-baseline: ${rgb.length} bytes, expected ${frameBytes}`));
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(rgb);
      });
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}

/**
 * Compiles the baseline with `g++ <flags> -std=c++17` into a temp dir; null when g++ is not there,
 * so the benchmark still runs without a compiler. A compile error throws.
 */
export async function compileNativePdq(flags: string[] = ['-O2']): Promise<NativePdq | null> {
  const dir = await mkdtemp(join(tmpdir(), 'hw-native-pdq-'));
  const binary = join(dir, 'pdq-baseline');
  try {
    await promisify(execFile)('g++', [...flags, '-std=c++17', '-o', binary, SOURCE]);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return {
    compiler: ['g++', ...flags].join(' '),
    open: (width, height, reps = 1) => session(binary, width, height, reps),
    async hash(rgb, width, height, reps = 1) {
      const s = session(binary, width, height, reps);
      try {
        return await s.hash(rgb);
      } finally {
        await s.close();
      }
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
