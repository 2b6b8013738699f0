/**
 * Hashing benchmark, everything side by side in one run on this machine:
 * - per image (100 JPEGs of 1000×1000, q90, made in memory from test/fixtures/photos): sharp decode
 *   alone vs the whole `hashImageBytes` (digests, decode, trim, PDQ, blockhash), and PDQ alone;
 * - throughput of the worker pool on 2 threads, with the options `hashwatch hash` uses (crop
 *   variants) and the ones the crawler uses (8 dihedral PDQs), and the real CLI end to end;
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

/** Wall time of `node bin/hashwatch.js <args>`, stdout to /dev/null. */
function cliMs(args: string[], preload: string[] = []): Promise<{ ms: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...preload, 'bin/hashwatch.js', ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', () => resolve({ ms: performance.now() - t0, stderr }));
  });
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
try {
  log(`making ${imageCount} photos of 1000×1000`);
  const photos = await makePhotos(imageCount);
  for (const p of photos.slice(0, 5)) await hashImageBytes(p); // warm up JIT and libvips

  log('per image: decode alone, whole pipeline, PDQ alone');
  const decodeMs: number[] = [];
  const hashMs: number[] = [];
  const pdqMs: number[] = [];
  const pdqCpuMs: number[] = [];
  for (const p of photos) {
    decodeMs.push(await timed(() => decodeImage(p)));
    hashMs.push(await timed(() => hashImageBytes(p)));
    const img = await decodeImage(p);
    const [t0, c0] = [performance.now(), cpuMs()];
    pdqHash(img.pixels, img.width, img.height, 4);
    pdqMs.push(performance.now() - t0);
    pdqCpuMs.push(cpuMs() - c0);
  }
  Object.assign(m, {
    decodeMsMedian: round(median(decodeMs)),
    hashMsMedian: round(median(hashMs)),
    pdqMsMedian: round(median(pdqMs)),
    pdqMsMin: round(Math.min(...pdqMs)),
    pdqCpuMsMedian: round(median(pdqCpuMs)),
  });

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
  const startup: { ms: number; stderr: string }[] = [];
  const cli: { ms: number; stderr: string }[] = [];
  for (let r = 0; r < runs; r++) {
    startup.push(await cliMs(['hash', '--json', join(tmp, 'nothing-here')], USAGE_PRELOAD));
    cli.push(await cliMs(['hash', '--json', dir], USAGE_PRELOAD));
  }
  const cliCpuMs = median(cli.map((x) => cpuOf(x.stderr))) - median(startup.map((x) => cpuOf(x.stderr)));
  Object.assign(m, {
    cliStartupMs: round(median(startup.map((x) => x.ms)), 0),
    cliMs: round(median(cli.map((x) => x.ms)), 0),
    cliPerSec: round((imageCount * 1000) / median(cli.map((x) => x.ms)), 1),
    cliPerSecAfterStartup: round(
      (imageCount * 1000) / (median(cli.map((x) => x.ms)) - median(startup.map((x) => x.ms))),
      1,
    ),
    cliCpuMsPerImage: round(cliCpuMs / imageCount, 1),
  });

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
    'pool ×2, `hash` options (+6 crops, 3 turns)',
    poolCell('Hash'),
    check(r('poolHashPerSec') >= 40, '≥ 40/s'),
  ],
  ['pool ×2, `hash` options without the 3 turns', poolCell('HashCrops'), ''],
  ['pool ×2, crawler options (+8 dihedral PDQs)', poolCell('Crawler'), ''],
  ['pool ×2, no extras', poolCell('Plain'), ''],
  [
    `hashwatch hash --json, ${imageCount} files, end to end`,
    `${r('cliPerSec')} img/s (${r('cliMs')} ms, ${r('cliCpuMsPerImage')} CPU ms/img)`,
    check(r('cliPerSec') >= 40, '≥ 40/s'),
  ],
  ['  same, startup excluded', `${r('cliPerSecAfterStartup')} img/s (startup ${r('cliStartupMs')} ms)`, ''],
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
