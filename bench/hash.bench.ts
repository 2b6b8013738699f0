/**
 * Hashing benchmark, everything side by side in one run on this machine:
 * - per image (100 JPEGs of 1000×1000, q90, made in memory from test/fixtures/photos): sharp decode
 *   alone vs the whole `hashImageBytes` (digests, decode, trim, PDQ, blockhash), and PDQ alone next
 *   to a native C++ PDQ (`bench/native/pdq-baseline.cpp`, when g++ is there) on the same pixels;
 * - throughput of the worker pool on 2 threads, with the options `hashwatch hash` uses (crop
 *   variants) and the ones the crawler uses (8 dihedral PDQs), and the real CLI end to end, both
 *   from the checkout (through tsx) and compiled as shipped (`tsc` into a temporary `.bench-build-*`);
 * - a generated 60 s 720p clip: `hashVideo` vs a bare `ffmpeg -vf fps=1 -f null -` decode;
 * - peak RSS of hashing an 8000×8000 JPEG, in a fresh child process (in-process call and the CLI).
 *
 *   npm run bench:hash -- [--json] [--images 100] [--runs 3]
 *
 * A table on stdout (and one JSON object with --json); progress on stderr. Temp files are removed.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { decodeImage, HashPool, hashImageBytes, hashVideo, pdqHash } from '../src/hashing/index.js';
import { compileNativePdq } from './lib/native-pdq.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const json = process.argv.includes('--json');
const imageCount = arg('images', 100);
const runs = arg('runs', 3);
const log = (msg: string) => process.stderr.write(`[bench:hash] ${msg}\n`);
const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** 100 distinct photos of 1000×1000: each fixture scaled by 1.0–1.6 and cropped at a varying spot. */
async function makePhotos(n: number): Promise<Buffer[]> {
  const dir = join(root, 'test/fixtures/photos');
  const names = (await import('node:fs')).readdirSync(dir).filter((f) => f.endsWith('.jpg'));
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const src = sharp(join(dir, names[i % names.length] as string));
    const meta = await src.metadata();
    const scale = (1000 / Math.min(meta.width, meta.height)) * (1 + ((i * 7) % 13) / 20);
    const w = Math.round(meta.width * scale);
    const h = Math.round(meta.height * scale);
    const left = Math.floor(((w - 1000) * ((i * 5) % 11)) / 10);
    const top = Math.floor(((h - 1000) * ((i * 3) % 7)) / 6);
    out.push(
      await src
        .resize(w, h)
        .extract({ left, top, width: 1000, height: 1000 })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  return out;
}

/** The RGB bytes of RGBA pixels (the native baseline reads RGB; our photos are opaque). */
function rgbOf(rgba: Uint8Array): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i] as number;
    rgb[j + 1] = rgba[i + 1] as number;
    rgb[j + 2] = rgba[i + 2] as number;
  }
  return rgb;
}

/** CPU time of this process so far (every thread: main, pool workers, libvips), in ms. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Images per second through the pool, all submitted at once (the pool queues them), and CPU ms per
 * image: on a machine shared with other work, wall time says how busy it was, CPU time what we cost.
 */
async function poolRate(pool: HashPool, photos: Buffer[], options: object) {
  const cpu0 = cpuMs();
  const ms = await timed(() => Promise.all(photos.map((p) => pool.hashImage(new Uint8Array(p), options))));
  return { perSec: (photos.length * 1000) / ms, cpuMs: (cpuMs() - cpu0) / photos.length };
}

type CliRun = { ms: number; stderr: string };
/** Wall time of `node <script> <args>` (the checkout's `bin/hashwatch.js` by default), stdout to /dev/null. */
function cliMs(args: string[], preload: string[] = [], script = 'bin/hashwatch.js'): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...preload, script, ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', () => resolve({ ms: performance.now() - t0, stderr }));
  });
}

/**
 * Compiles src/ as `npm run build` does, into a fresh directory in the repo (at the depth of dist/, so
 * node_modules and the paths relative to the code resolve as they do there). Null if tsc fails: the
 * compiled CLI is then not measured, and the rest of the bench still runs.
 */
async function compileBuild(): Promise<string | null> {
  const out = await mkdtemp(join(root, '.bench-build-'));
  try {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], { cwd: root });
    return out;
  } catch (err) {
    const e = err as { stdout?: string; message: string };
    log(`compiling the build failed, its CLI rows are skipped:\n${(e.stdout || e.message).trim()}`);
    await rm(out, { recursive: true, force: true });
    return null;
  }
}

/** Peak RSS and CPU time of a fresh Node process: a preload prints them on exit. */
const USAGE_PRELOAD = [
  '--import',
  `data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('MAXRSS '+u.maxRSS+' CPU '+(u.userCPUTime+u.systemCPUTime)+'\\n')})`,
];
/** CPU ms of the process: the last line printed is the main thread's exit, after every worker's. */
const cpuOf = (stderr: string) => Number([...stderr.matchAll(/CPU (\d+)/g)].at(-1)?.[1]) / 1000;
// Worker threads inherit the preload and print too; maxRSS is per process, so the largest is the peak.
const rssOf = (stderr: string) =>
  round(Math.max(...[...stderr.matchAll(/MAXRSS (\d+)/g)].map((x) => Number(x[1]))) / 1024, 0);

const load = () => loadavg().map((x) => round(x, 2));
const machine = {
  date: new Date().toISOString(),
  nproc: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  loadBefore: load(),
  loadAfter: [] as number[],
};
/** Every figure, by name. */
const m: Record<string, number> = {};
const tmp = await mkdtemp(join(tmpdir(), 'hw-bench-hash-'));
let build: string | null = null;
let native: Awaited<ReturnType<typeof compileNativePdq>> = null;
try {
  // The host's speed drifts from day to day, so PDQ's time is judged against this C++ in the same run.
  native = await compileNativePdq(['-O2']);
  if (native === null) log('g++ not found: PDQ alone is measured without the native baseline');
  log(`making ${imageCount} photos of 1000×1000`);
  const photos = await makePhotos(imageCount);
  for (const p of photos.slice(0, 5)) await hashImageBytes(p); // warm up JIT and libvips

  log('per image: decode alone, whole pipeline, PDQ alone');
  const decodeMs: number[] = [];
  const hashMs: number[] = [];
  const pdqMs: number[] = [];
  const pdqCpuMs: number[] = [];
  const pdqNativeMs: number[] = [];
  let nativeMismatches = 0;
  const nativeSession = native?.open(1000, 1000);
  for (const p of photos) {
    decodeMs.push(await timed(() => decodeImage(p)));
    hashMs.push(await timed(() => hashImageBytes(p)));
    const img = await decodeImage(p);
    const [t0, c0] = [performance.now(), cpuMs()];
    const ours = pdqHash(img.pixels, img.width, img.height, 4);
    pdqMs.push(performance.now() - t0);
    pdqCpuMs.push(cpuMs() - c0);
    // Right after ours, on the same pixels: both see the machine in the same state.
    if (nativeSession) {
      const c = await nativeSession.hash(rgbOf(img.pixels));
      pdqNativeMs.push(c.medianMs);
      if (c.hash !== ours.hash) nativeMismatches++;
    }
  }
  await nativeSession?.close();
  if (nativeMismatches > 0) log(`native PDQ baseline: ${nativeMismatches} hashes differ from ours`);
  Object.assign(m, {
    decodeMsMedian: round(median(decodeMs)),
    hashMsMedian: round(median(hashMs)),
    pdqMsMedian: round(median(pdqMs)),
    pdqMsMin: round(Math.min(...pdqMs)),
    pdqCpuMsMedian: round(median(pdqCpuMs)),
  });
  if (native) {
    Object.assign(m, {
      pdqNativeMsMedian: round(median(pdqNativeMs)),
      pdqNativeMsMin: round(Math.min(...pdqNativeMs)),
      pdqRatioToNative: round(median(pdqMs) / median(pdqNativeMs)),
      // Hashes of the C++ that differ from ours on the same pixels (0: bit for bit the same).
      pdqNativeMismatches: nativeMismatches,
    });
  }

  log('pool of 2 threads');
  const pool = new HashPool({ size: 2 });
  await poolRate(pool, photos.slice(0, 4), {}); // start the threads
  // `Hash` is what `hashwatch hash` does (6 crops, 3 turns, `untrimmed`); `HashCrops` the same without
  // the turns, to show what they cost.
  const modes = {
    Hash: { variants: true },
    HashCrops: { variants: { turns: [] } },
    Crawler: { dihedral: true },
    Plain: {},
  };
  const rates: Record<string, { perSec: number; cpuMs: number }[]> = {
    Hash: [],
    HashCrops: [],
    Crawler: [],
    Plain: [],
  };
  for (let r = 0; r < runs; r++)
    for (const [name, options] of Object.entries(modes))
      rates[name]?.push(await poolRate(pool, photos, options));
  await pool.close();
  for (const [name, rs] of Object.entries(rates)) {
    m[`pool${name}PerSec`] = round(median(rs.map((x) => x.perSec)), 1);
    m[`pool${name}CpuMs`] = round(median(rs.map((x) => x.cpuMs)), 1);
    // What two cores would do if this process had them to itself: CPU time bound, an upper bound.
    m[`pool${name}IdlePerSec`] = round(2000 / (m[`pool${name}CpuMs`] ?? Number.NaN), 1);
  }

  log('CLI end to end');
  const dir = join(tmp, 'photos');
  await (await import('node:fs/promises')).mkdir(dir);
  await Promise.all(photos.map((p, i) => writeFile(join(dir, `photo-${String(i).padStart(3, '0')}.jpg`), p)));
  // The checkout runs TypeScript through tsx, transpiled at start-up in the main thread and again in
  // each hashing worker; the Docker image runs the compiled build, what users get. Both, alternately,
  // so that they see the machine in the same state.
  log('compiling the build (tsc -p tsconfig.build.json)');
  build = await compileBuild();
  const clis = [{ name: 'cli', script: 'bin/hashwatch.js', startup: [] as CliRun[], full: [] as CliRun[] }];
  if (build) clis.push({ name: 'cliBuilt', script: join(build, 'cli.js'), startup: [], full: [] });
  for (let r = 0; r < runs; r++)
    for (const c of clis) {
      c.startup.push(await cliMs(['hash', '--json', join(tmp, 'nothing-here')], USAGE_PRELOAD, c.script));
      c.full.push(await cliMs(['hash', '--json', dir], USAGE_PRELOAD, c.script));
    }
  for (const { name, startup, full } of clis) {
    const startupMs = median(startup.map((x) => x.ms));
    const fullMs = median(full.map((x) => x.ms));
    const cpu = median(full.map((x) => cpuOf(x.stderr))) - median(startup.map((x) => cpuOf(x.stderr)));
    Object.assign(m, {
      [`${name}StartupMs`]: round(startupMs, 0),
      [`${name}Ms`]: round(fullMs, 0),
      [`${name}PerSec`]: round((imageCount * 1000) / fullMs, 1),
      [`${name}PerSecAfterStartup`]: round((imageCount * 1000) / (fullMs - startupMs), 1),
      [`${name}CpuMsPerImage`]: round(cpu / imageCount, 1),
    });
  }

  log('video: 60 s 720p clip, hashVideo vs bare ffmpeg decode at 1 fps');
  const clip = join(tmp, 'clip.mp4');
  await run('ffmpeg', [
    ...'-loglevel error -f lavfi -i testsrc2=size=1280x720:rate=30 -t 60 -c:v libx264 -preset veryfast -pix_fmt yuv420p'.split(
      ' ',
    ),
    clip,
  ]);
  const bare: number[] = [];
  const hashed: number[] = [];
  for (let r = 0; r < runs; r++) {
    bare.push(
      await timed(() => run('ffmpeg', ['-v', 'error', '-i', clip, '-vf', 'fps=1', '-f', 'null', '-'])),
    );
    hashed.push(await timed(() => hashVideo({ kind: 'file', path: clip })));
  }
  Object.assign(m, {
    videoBareMs: round(median(bare), 0),
    videoHashMs: round(median(hashed), 0),
    videoRatio: round(median(hashed) / median(bare)),
  });

  log('peak RSS on an 8000×8000 JPEG');
  const big = join(tmp, 'big.jpg');
  await sharp(photos[0]).resize(8000, 8000).jpeg({ quality: 90 }).toFile(big);
  const script = `import { readFile } from 'node:fs/promises'; import { hashImageBytes } from '${root}src/hashing/index.ts';
    const h = await hashImageBytes(await readFile(${JSON.stringify(big)}), { variants: true }); if (!h.pdq) process.exit(1);`;
  const inProcess = await promisify(execFile)(
    process.execPath,
    [...USAGE_PRELOAD, '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: root },
  );
  const baseline = await cliMs(['--help'], USAGE_PRELOAD);
  const cliBig = await cliMs(['hash', '--json', big], USAGE_PRELOAD);
  Object.assign(m, {
    bigJpegBytes: (await readFile(big)).byteLength,
    rssHashImageMb: rssOf(inProcess.stderr),
    rssCliMb: rssOf(cliBig.stderr),
    rssCliIdleMb: rssOf(baseline.stderr),
  });
  machine.loadAfter = load();
} finally {
  await rm(tmp, { recursive: true, force: true });
  if (build) await rm(build, { recursive: true, force: true });
  await native?.dispose();
}

const r = (k: string): number => m[k] ?? Number.NaN;
const check = (ok: boolean, target: string) => `${target}: ${ok ? 'met' : 'MISSED'}`;
const poolCell = (name: string) =>
  `${r(`pool${name}PerSec`)} img/s (${r(`pool${name}CpuMs`)} CPU ms/img → ${r(`pool${name}IdlePerSec`)}/s idle)`;
const rows: [string, string, string][] = [
  ['sharp decode only, 1000×1000 JPEG q90 (median)', `${r('decodeMsMedian')} ms`, ''],
  ['hashImageBytes: digests+decode+trim+PDQ+blockhash', `${r('hashMsMedian')} ms`, ''],
  [
    'PDQ alone, 1000×1000 (median wall | min | CPU)',
    `${r('pdqMsMedian')} | ${r('pdqMsMin')} | ${r('pdqCpuMsMedian')} ms`,
    check(r('pdqMsMedian') <= 8, '≤ 8 ms'),
  ],
  [
    `native C++ baseline (same algorithm, reference structure, ${native?.compiler ?? 'g++ -O2'})`,
    native
      ? `${r('pdqNativeMsMedian')} | ${r('pdqNativeMsMin')} ms; TS/C++ ${r('pdqRatioToNative')}×`
      : 'not measured: g++ not found',
    '',
  ],
  [
    'pool ×2, `hash` options (+6 crops, 3 turns)',
    poolCell('Hash'),
    check(r('poolHashPerSec') >= 40, '≥ 40/s'),
  ],
  ['pool ×2, `hash` options without the 3 turns', poolCell('HashCrops'), ''],
  ['pool ×2, crawler options (+8 dihedral PDQs)', poolCell('Crawler'), ''],
  ['pool ×2, no extras', poolCell('Plain'), ''],
  [
    `hashwatch hash --json, ${imageCount} files, end to end (checkout, through tsx)`,
    `${r('cliPerSec')} img/s (${r('cliMs')} ms, ${r('cliCpuMsPerImage')} CPU ms/img)`,
    check(r('cliPerSec') >= 40, '≥ 40/s'),
  ],
  ['  same, startup excluded', `${r('cliPerSecAfterStartup')} img/s (startup ${r('cliStartupMs')} ms)`, ''],
  [
    `hashwatch hash --json, ${imageCount} files, compiled build (dist/, as in the Docker image)`,
    'cliBuiltMs' in m
      ? `${r('cliBuiltPerSec')} img/s (${r('cliBuiltMs')} ms, ${r('cliBuiltCpuMsPerImage')} CPU ms/img)`
      : 'not measured: the build did not compile',
    'cliBuiltMs' in m ? check(r('cliBuiltPerSec') >= 40, '≥ 40/s') : '',
  ],
  [
    '  same, startup excluded',
    `${r('cliBuiltPerSecAfterStartup')} img/s (startup ${r('cliBuiltStartupMs')} ms)`,
    '',
  ],
  [
    'video 60 s 720p: hashVideo / bare ffmpeg fps=1',
    `${r('videoHashMs')} / ${r('videoBareMs')} ms = ${r('videoRatio')}×`,
    check(r('videoRatio') <= 1.3, '≤ 1.3×'),
  ],
  [
    'peak RSS, 8000×8000 JPEG, hashImageBytes in a child',
    `${r('rssHashImageMb')} MB`,
    check(r('rssHashImageMb') < 600, '< 600 MB'),
  ],
  ['peak RSS, same via `hashwatch hash` (CLI --help)', `${r('rssCliMb')} MB (${r('rssCliIdleMb')} MB)`, ''],
];
const width = Math.max(...rows.map((x) => x[0].length));
process.stdout.write(
  `${machine.cpu}, nproc ${machine.nproc}, Node ${machine.node}, load ${machine.loadBefore.join(' ')} → ${machine.loadAfter.join(' ')}\n`,
);
for (const [what, value, target] of rows)
  process.stdout.write(`${what.padEnd(width)}  ${value.padEnd(58)} ${target}\n`);
if (json) process.stdout.write(`${JSON.stringify({ ...machine, ...m })}\n`);
