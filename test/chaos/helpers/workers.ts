/**
 * Worker processes for the chaos tests: started from this checkout, killed with SIGKILL (and the
 * Chromium/ffmpeg processes they leave behind cleaned up by pid), and a seeded random source so a
 * failing run can be repeated with the seed it printed.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { makeRng } from '../../../src/registry/match-index/synthetic-codes.js';
import { exitOf, spawnHashwatch } from '../../helpers/process.js';

const run = promisify(execFile);

export type WorkerProc = ReturnType<typeof spawnHashwatch> & { readonly name: string };

/** Starts `hashwatch worker --no-migrate` with `env`; `name` tells workers apart in messages. */
export function startWorker(name: string, env: Record<string, string>): WorkerProc {
  return Object.assign(spawnHashwatch(['worker', '--no-migrate'], env), { name });
}

export function alive(w: WorkerProc): boolean {
  return w.exitCode === null && w.signalCode === null;
}

/** pid → [parent pid, start time] of every process, from /proc. */
function processTable(): Map<number, [number, string]> {
  const table = new Map<number, [number, string]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start at ") ".
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), [Number(rest[1]), rest[19] ?? '']);
    } catch {
      // exited while listing
    }
  }
  return table;
}

/** Every descendant of `pid` with its start time (to never signal a reused pid). */
export function descendants(pid: number): { pid: number; start: string }[] {
  const table = processTable();
  const out: { pid: number; start: string }[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift() as number;
    for (const [child, [ppid, start]] of table) {
      if (ppid === parent) {
        out.push({ pid: child, start });
        queue.push(child);
      }
    }
  }
  return out;
}

/** SIGKILLs the processes still running with the same start time. */
export function killLeftovers(procs: { pid: number; start: string }[]): number {
  const table = processTable();
  let killed = 0;
  for (const p of procs) {
    if (table.get(p.pid)?.[1] !== p.start) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}

/**
 * `kill -9` of a worker, as a crash would do it. Its browser and ffmpeg children notice the
 * closed pipe and exit by themselves; any still there after 3 s are killed by pid.
 */
export async function kill9(w: WorkerProc): Promise<void> {
  if (!alive(w) || w.pid === undefined) return;
  const tree = descendants(w.pid);
  const exited = exitOf(w);
  w.kill('SIGKILL');
  await exited;
  setTimeout(() => killLeftovers(tree), 3_000).unref();
}

/** Stops workers at the end of a test (SIGKILL, then their children). */
export async function stopAll(workers: WorkerProc[]): Promise<void> {
  await Promise.all(workers.map((w) => kill9(w)));
}

/** The pid of the process whose TCP socket has local port `port` (via `ss -p`), if any. */
export async function pidOfLocalPort(port: number): Promise<number | undefined> {
  try {
    const { stdout } = await run('ss', ['-tnpH', 'sport', '=', `:${port}`]);
    const m = /pid=(\d+)/.exec(stdout);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A seeded PRNG in [0, 1) (the index's mulberry32), so a run's kill schedule can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  const next = makeRng(seed);
  return () => next() / 4_294_967_296;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
