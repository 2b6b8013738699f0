/**
 * Real `hashwatch worker` processes for benchmarks: spawned from this checkout and stopped, with
 * everything they started, at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TreeSampler } from './tree-sampler.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Enough of a worker's output to explain why it died; logs are at `warn`, so this is rarely hit. */
const OUTPUT_TAIL = 16_384;

/** A spawned worker process. */
export interface WorkerProc {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code or signal name. */
  readonly exited: Promise<number | string>;
  /** The last few kilobytes of stdout and stderr. */
  output(): string;
  /** Log lines written so far (at LOG_LEVEL=warn, each is a warning or an error). */
  logLines(): number;
}

/**
 * Starts `hashwatch worker --no-migrate` with `env` layered over this process's environment.
 * `preload` modules are passed to Node with `--import` ahead of the entry point.
 */
export function spawnWorker(env: Record<string, string>, preload: string[] = []): WorkerProc {
  // Its own process group, so a Ctrl-C in the terminal reaches only the benchmark, which then stops
  // the workers once (a second signal would make a worker exit without closing its browser).
  const imports = preload.flatMap((url) => ['--import', url]);
  const child = spawn(process.execPath, [...imports, 'bin/hashwatch.js', 'worker', '--no-migrate'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error('could not spawn hashwatch worker');
  let out = '';
  let lines = 0;
  const keep = (d: Buffer) => {
    const text = d.toString();
    lines += text.split('\n').length - 1;
    out = (out + text).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, pid: child.pid, exited, output: () => out, logLines: () => lines };
}

/**
 * Stops workers the way an operator would (SIGTERM: running jobs get the grace period, browsers
 * are closed), then SIGKILLs any worker still running after `waitMs`, and any descendant left
 * behind. Never throws.
 */
export async function stopWorkers(
  workers: WorkerProc[],
  sampler: TreeSampler,
  waitMs: number,
): Promise<void> {
  // Let the sampler record the current trees before signalling: an exiting worker's children are
  // re-parented away from it.
  await Promise.race([sampler.report().catch(() => {}), delay(2_000)]);
  const alive = (w: WorkerProc) => w.child.exitCode === null && w.child.signalCode === null;
  for (const w of workers) if (alive(w)) w.child.kill('SIGTERM');
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref());
  await Promise.race([Promise.all(workers.map((w) => w.exited)), deadline]);
  for (const w of workers) if (alive(w)) w.child.kill('SIGKILL');
  await Promise.race([Promise.all(workers.map((w) => w.exited)), delay(2_000)]);
  sampler.killLeftovers();
  await sampler.close();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
