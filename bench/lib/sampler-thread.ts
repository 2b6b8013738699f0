/**
 * The body of {@link TreeSampler}'s worker thread. Reading /proc is synchronous and, for PSS,
 * slow; on the benchmark's main thread it would stall the fixture site that the workers crawl.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CLOCK_TICKS, type KindCache, machineCpu, type ProcEntry, sampleTree } from './proc-tree.js';
import type {
  CpuSeconds,
  SamplerMessage,
  SamplerOptions,
  SamplerReport,
  WorkerPeaks,
} from './tree-sampler.js';

const opts = workerData as SamplerOptions;
const port = parentPort;
if (!port) throw new Error('sampler-thread.ts runs only as a worker thread');

const roots: number[] = [];
const peaks = new Map<number, WorkerPeaks>();
/** Every descendant ever seen, by pid:startTime, with its latest CPU reading. */
const seen = new Map<string, ProcEntry>();
const rootCpu = new Map<number, { total: number; main: number }>();
const kinds: KindCache = new Map();
let mark: { procs: Map<string, number>; roots: Map<number, { total: number; main: number }> } | undefined;
let markMachine = machineCpu();
let totalPeakPss = 0;
let samples = 0;
let sampleMs = 0;
let lastPss = 0;

function sample(forcePss: boolean): void {
  const t0 = performance.now();
  const pss = forcePss || t0 - lastPss >= opts.pssEveryMs;
  if (pss) lastPss = t0;
  let total = 0;
  for (const root of roots) {
    const s = sampleTree(root, { pss, kinds });
    if (s.rss.root === 0) continue; // exited
    const peak = peaks.get(root) ?? { worker: 0, chromium: 0, chromiumPss: 0, ffmpeg: 0 };
    peak.worker = Math.max(peak.worker, s.rss.root);
    peak.chromium = Math.max(peak.chromium, s.rss.chromium);
    peak.chromiumPss = Math.max(peak.chromiumPss, s.pss.chromium);
    peak.ffmpeg = Math.max(peak.ffmpeg, s.rss.ffmpeg);
    peaks.set(root, peak);
    total += s.pss.root + s.pss.chromium + s.pss.ffmpeg + s.pss.other;
    rootCpu.set(root, { total: s.rootCpu, main: s.rootMainCpu });
    for (const p of s.procs) seen.set(`${p.pid}:${p.startTime}`, p);
  }
  if (pss) totalPeakPss = Math.max(totalPeakPss, total);
  samples++;
  sampleMs += performance.now() - t0;
}

/**
 * CPU used since the mark, by kind. A process that exited is counted up to its last sample, so
 * each one that ended during the run is short by at most one sampling interval of CPU.
 */
function cpuSinceMark(): CpuSeconds | undefined {
  if (!mark) return undefined;
  const roles = { browser: 0, renderer: 0, 'gpu-process': 0, utility: 0, zygote: 0, other: 0 };
  const out = {
    workerMain: 0,
    workerThreads: 0,
    chromium: 0,
    ffmpeg: 0,
    other: 0,
    machineBusy: 0,
    machineTotal: 0,
  };
  for (const [key, p] of seen) {
    const used = p.cpuTicks - (mark.procs.get(key) ?? 0);
    out[p.kind] += used;
    if (p.role) roles[p.role] += used;
  }
  for (const [pid, now] of rootCpu) {
    const before = mark.roots.get(pid) ?? { total: 0, main: 0 };
    out.workerMain += now.main - before.main;
    out.workerThreads += now.total - now.main - (before.total - before.main);
  }
  const machine = machineCpu();
  out.machineBusy = machine.busy - markMachine.busy;
  out.machineTotal = machine.total - markMachine.total;
  const seconds = <T extends Record<string, number>>(ticks: T): T =>
    Object.fromEntries(Object.entries(ticks).map(([k, v]) => [k, v / CLOCK_TICKS])) as T;
  return { ...seconds(out), chromiumRoles: seconds(roles) };
}

// setTimeout after each sample rather than setInterval: a slow sample delays the next one instead
// of queueing them up back to back.
function tick(): void {
  sample(false);
  setTimeout(tick, opts.everyMs);
}
tick();

port.on('message', (msg: SamplerMessage) => {
  switch (msg.type) {
    case 'watch':
      roots.push(msg.pid);
      sample(false);
      return;
    case 'mark':
      sample(false);
      mark = {
        procs: new Map([...seen].map(([key, p]) => [key, p.cpuTicks])),
        roots: new Map([...rootCpu].map(([pid, c]) => [pid, { ...c }])),
      };
      markMachine = machineCpu();
      return;
    case 'report': {
      if (msg.final) sample(true);
      const report: SamplerReport = {
        id: msg.id,
        peaks: [...peaks.entries()],
        totalPeakPss,
        seen: [...seen.values()].map(({ pid, startTime }) => ({ pid, startTime })),
        samples,
        meanMs: samples ? sampleMs / samples : 0,
        cpu: cpuSinceMark(),
      };
      port.postMessage(report);
    }
  }
});
