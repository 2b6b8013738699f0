/**
 * Memory, CPU and clean-up of a process tree over Linux /proc, for benchmarks that spawn
 * `hashwatch worker` processes, which in turn start Chromium (and its helper processes) and ffmpeg.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const getconf = (name: string, fallback: number) => {
  try {
    return Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim()) || fallback;
  } catch {
    return fallback;
  }
};
const PAGE_SIZE = getconf('PAGESIZE', 4096);
/** Clock ticks per second, the unit of CPU times in /proc. */
export const CLOCK_TICKS = getconf('CLK_TCK', 100);

/** What a descendant of a worker is, judged by its command name. */
export type ProcKind = 'chromium' | 'ffmpeg' | 'other';

/**
 * Chromium's process type from its `--type=` flag (`browser` without one), for splitting its CPU
 * between page work (renderers, GPU process doing software compositing) and the rest.
 */
export type ChromiumRole = 'browser' | 'renderer' | 'gpu-process' | 'utility' | 'zygote' | 'other';

/** One process seen in a tree. `startTime` tells it apart from a later process reusing its pid. */
export interface ProcEntry {
  pid: number;
  startTime: string;
  kind: ProcKind;
  /** For Chromium processes; undefined otherwise. */
  role: ChromiumRole | undefined;
  rssBytes: number;
  /** 0 unless asked for (costly). */
  pssBytes: number;
  /** User + system CPU so far, in clock ticks. */
  cpuTicks: number;
}

/** Memory of one tree at one instant, in bytes, split by kind. */
export interface TreeMemory {
  /** The root process itself (the worker's Node.js process). */
  root: number;
  chromium: number;
  ffmpeg: number;
  other: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** Fields 3 onwards of a /proc stat file, so that field N is at index N - 3. */
function statFields(path: string): string[] | undefined {
  const stat = read(path);
  // The command name may hold spaces and parentheses: count fields after the last ')'.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime (fields 14 and 15) of a /proc stat file, in clock ticks. */
function cpuOf(fields: string[] | undefined): number {
  return Number(fields?.[11] ?? 0) + Number(fields?.[12] ?? 0);
}

function kindOf(pid: number): { kind: ProcKind; role: ChromiumRole | undefined } {
  const comm = read(`/proc/${pid}/comm`)?.trim() ?? '';
  if (/ffmpeg/i.test(comm)) return { kind: 'ffmpeg', role: undefined };
  if (!/chrom/i.test(comm)) return { kind: 'other', role: undefined };
  const type = /--type=([a-z-]+)/.exec(read(`/proc/${pid}/cmdline`) ?? '')?.[1];
  const roles: readonly string[] = ['renderer', 'gpu-process', 'utility', 'zygote'];
  const role = type === undefined ? 'browser' : roles.includes(type) ? (type as ChromiumRole) : 'other';
  return { kind: 'chromium', role };
}

/** Resident set size from /proc/PID/statm (cheaper to read and parse than /proc/PID/status). */
function rssOf(pid: number): number {
  const resident = Number(read(`/proc/${pid}/statm`)?.split(' ')[1] ?? 0);
  return resident * PAGE_SIZE;
}

/**
 * Proportional set size: each shared page divided among the processes mapping it. Chromium's
 * processes share most of their code and fonts, so their RSS summed counts those pages many times
 * over; summed PSS is what the tree really occupies. Costly: the kernel walks every mapping, which
 * for Chromium's large reservations takes tens of milliseconds per process on a busy machine.
 */
function pssOf(pid: number): number {
  const rollup = read(`/proc/${pid}/smaps_rollup`);
  return Number(/^Pss:\s+(\d+)/m.exec(rollup ?? '')?.[1] ?? 0) * 1024;
}

/**
 * Children of every thread of `pid`. `/proc/PID/task/PID/children` alone lists only the children
 * forked by the main thread; Chromium starts its zygote and utility processes from other threads.
 */
function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    const list = read(`/proc/${pid}/task/${tid}/children`)?.trim();
    if (list) for (const c of list.split(/\s+/)) out.push(Number(c));
  }
  return out;
}

/** Kinds (and Chromium roles) of processes already seen, by pid and start time. */
export type KindCache = Map<string, { kind: ProcKind; role: ChromiumRole | undefined }>;

/**
 * Every live process under `root` (excluded), with its kind, memory and CPU; PSS only when asked.
 * `kinds` caches kinds by pid and start time across calls.
 */
export function descendants(root: number, opts: { pss: boolean; kinds: KindCache }): ProcEntry[] {
  const out: ProcEntry[] = [];
  const seen = new Set<number>([root]);
  const queue = childrenOf(root);
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const fields = statFields(`/proc/${pid}/stat`);
    const startTime = fields?.[19];
    if (startTime === undefined) continue;
    const key = `${pid}:${startTime}`;
    let kind = opts.kinds.get(key);
    // A renderer forked from a zygote shows the zygote's command line until it renames itself.
    if (kind === undefined || kind.role === 'zygote') {
      kind = kindOf(pid);
      opts.kinds.set(key, kind);
    }
    const pssBytes = opts.pss ? pssOf(pid) : 0;
    out.push({ pid, startTime, ...kind, rssBytes: rssOf(pid), pssBytes, cpuTicks: cpuOf(fields) });
    queue.push(...childrenOf(pid));
  }
  return out;
}

/** One look at a worker's tree: memory by kind, the root's CPU, and every descendant. */
export interface TreeSample {
  rss: TreeMemory;
  pss: TreeMemory;
  /** CPU of the root process, all threads, in clock ticks. */
  rootCpu: number;
  /** CPU of the root's main thread (where its JavaScript runs), in clock ticks. */
  rootMainCpu: number;
  procs: ProcEntry[];
}

/** Samples `root` and its descendants; PSS only when asked (0 otherwise). */
export function sampleTree(root: number, opts: { pss: boolean; kinds: KindCache }): TreeSample {
  const procs = descendants(root, opts);
  const rss: TreeMemory = { root: rssOf(root), chromium: 0, ffmpeg: 0, other: 0 };
  const pss: TreeMemory = { root: opts.pss ? pssOf(root) : 0, chromium: 0, ffmpeg: 0, other: 0 };
  for (const p of procs) {
    rss[p.kind] += p.rssBytes;
    pss[p.kind] += p.pssBytes;
  }
  const rootCpu = cpuOf(statFields(`/proc/${root}/stat`));
  const rootMainCpu = cpuOf(statFields(`/proc/${root}/task/${root}/stat`));
  return { rss, pss, rootCpu, rootMainCpu, procs };
}

/** Busy and total CPU time of the whole machine since boot, in clock ticks (first line of /proc/stat). */
export function machineCpu(): { busy: number; total: number } {
  const line = read('/proc/stat')?.split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice; guest time is in user already.
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return { busy, total: busy + (idle ?? 0) + (iowait ?? 0) };
}

/**
 * Sends SIGKILL to each recorded process that is still the same process (same pid and start
 * time), so a pid reused by an unrelated process since is never touched. Returns how many it hit.
 */
export function killRecorded(procs: Iterable<{ pid: number; startTime: string }>): number {
  let killed = 0;
  for (const p of procs) {
    if (statFields(`/proc/${p.pid}/stat`)?.[19] !== p.startTime) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
      killed++;
    } catch {
      // exited meanwhile
    }
  }
  return killed;
}
