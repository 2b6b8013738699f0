/**
 * Match-index benchmark: builds MihIndex over 1M and 10M synthetic 256-bit codes (uniform random,
 * and clustered like a real registry), then measures query latency at radius 31 against a linear
 * scan of the same codes, recall on planted neighbours, memory per code, and the cost of
 * incremental adds, removals and compaction.
 *
 *   npm run bench:index -- [--sizes 1000000,10000000] [--sets random,clustered] [--queries 1000]
 *     [--linear 20] [--radius 31] [--layout 11x22] [--seed 1] [--no-dynamic] [--json]
 *
 * One JSON line per size and set on stdout with --json, a table otherwise; progress on stderr.
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { linearSearch, MihIndex, type MihIndexOptions } from '../src/registry/match-index/index.js';
import {
  clusteredCodes,
  makeRng,
  plantQueries,
  randInt,
  randomCodes,
} from '../src/registry/match-index/synthetic-codes.js';
import { arg } from './lib/args.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
/** Collects garbage and lets freed ArrayBuffer memory be returned before measuring. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sizes = arg('sizes', '1000000,10000000').split(',').map(Number);
const sets = arg('sets', 'random,clustered').split(',');
const queryCount = Number(arg('queries', '1000'));
const linearCount = Number(arg('linear', '20'));
const radius = Number(arg('radius', '31'));
const seed = Number(arg('seed', '1'));
const json = process.argv.includes('--json');
const dynamic = !process.argv.includes('--no-dynamic');
const layout = arg('layout', '');
const opts: MihIndexOptions = layout
  ? { radius, tables: Number(layout.split('x')[0]), bits: Number(layout.split('x')[1]) }
  : { radius };

const log = (msg: string) => process.stderr.write(`[bench:index] ${msg}\n`);
const round = (x: number, digits = 3) => Number(x.toFixed(digits));
function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const q8 = (a: Uint32Array, i: number) => a.subarray(i * 8, i * 8 + 8);

/** Times every planted query; recall counts planted targets found at their planted distance. */
function runQueries(index: MihIndex, queries: Uint32Array, targets: Int32Array, distances: Int32Array) {
  const times: number[] = [];
  let planted = 0;
  let found = 0;
  let hits = 0;
  for (let q = 0; q < targets.length; q++) {
    const t0 = performance.now();
    const res = index.search(q8(queries, q), radius);
    times.push(performance.now() - t0);
    hits += res.length;
    if (targets[q]! >= 0 && distances[q]! <= radius) {
      planted++;
      if (res.some((h) => h.id === targets[q] && h.distance === distances[q])) found++;
    }
  }
  times.sort((a, b) => a - b);
  return { times, recall: planted === 0 ? 1 : found / planted, meanHits: hits / targets.length };
}

/** Adds near-duplicates, removes random ids, and checks both take effect at once; then compacts. */
function runDynamic(index: MihIndex, codes: Uint32Array, n: number, rngSeed: number) {
  const rng = makeRng(rngSeed);
  const adds = Math.min(20_000, Math.floor(n / 10));
  const fresh = plantQueries(codes, adds, rng, 8, 0);
  let t0 = performance.now();
  for (let i = 0; i < adds; i++) index.add(n + i, q8(fresh.queries, i));
  const addUs = ((performance.now() - t0) * 1000) / adds;
  const removed = new Set<number>();
  while (removed.size < adds) removed.add(randInt(rng, n + adds));
  t0 = performance.now();
  for (const id of removed) index.remove(id);
  const removeUs = ((performance.now() - t0) * 1000) / removed.size;
  // Query each added code itself: it must be found unless removed, and no removed id may appear.
  const probe = Math.min(queryCount, adds);
  const times: number[] = [];
  let violations = 0;
  for (let i = 0; i < probe; i++) {
    const t = performance.now();
    const res = index.search(q8(fresh.queries, i), radius);
    times.push(performance.now() - t);
    const self = res.some((h) => h.id === n + i);
    if (self === removed.has(n + i) || res.some((h) => removed.has(h.id))) violations++;
  }
  times.sort((a, b) => a - b);
  const segments = index.stats().segments;
  t0 = performance.now();
  index.compact();
  const compactMs = performance.now() - t0;
  return {
    addUsMean: round(addUs),
    removeUsMean: round(removeUs),
    dynSegments: segments,
    dynQueryP50Ms: round(pct(times, 50)),
    dynQueryP99Ms: round(pct(times, 99)),
    dynViolations: violations,
    compactMs: Math.round(compactMs),
  };
}

async function benchOne(n: number, set: string, setSeed: number): Promise<Record<string, number | string>> {
  await settle();
  const before = process.memoryUsage();
  const rng = makeRng(setSeed);
  log(`${set} n=${n}: generating codes`);
  let codes: Uint32Array | undefined = set === 'clustered' ? clusteredCodes(n, rng) : randomCodes(n, rng);
  const ids = Uint32Array.from({ length: n }, (_, i) => i);
  const { queries, targets, distances } = plantQueries(codes, queryCount, rng, radius, 0.1);
  log(`${set} n=${n}: building`);
  const t0 = performance.now();
  let index: MihIndex | undefined = MihIndex.build(codes, ids, opts);
  const buildMs = performance.now() - t0;
  await settle();
  const after = process.memoryUsage();
  const stats = index.stats();
  log(`${set} n=${n}: built in ${Math.round(buildMs)} ms, layout ${stats.layouts.join(',')}; querying`);
  runQueries(index, queries.subarray(0, 8 * Math.min(200, queryCount)), targets.subarray(0, 200), distances);
  const { times, recall, meanHits } = runQueries(index, queries, targets, distances);

  log(`${set} n=${n}: linear scan of ${linearCount} queries`);
  for (let q = 0; q < 3; q++) linearSearch(codes.subarray(0, 8 * 20_000), q8(queries, q), radius);
  const linTimes: number[] = [];
  let agree = 0;
  for (let q = 0; q < Math.min(linearCount, queryCount); q++) {
    const t = performance.now();
    const lin = linearSearch(codes, q8(queries, q), radius);
    linTimes.push(performance.now() - t);
    const want = lin.map((h) => `${h.index}:${h.distance}`).sort();
    const got = index
      .search(q8(queries, q), radius)
      .map((h) => `${h.id}:${h.distance}`)
      .sort();
    if (want.join() === got.join()) agree++;
  }
  linTimes.sort((a, b) => a - b);
  const p50 = pct(times, 50);
  const row: Record<string, number | string> = {
    n,
    set,
    radius,
    layout: stats.layouts.join(','),
    buildMs: Math.round(buildMs),
    bytesPerCode: round(index.memoryBytes() / n, 1),
    rssBytesPerCode: round((after.rss - before.rss) / n, 1),
    arrayBufferBytesPerCode: round((after.arrayBuffers - before.arrayBuffers) / n, 1),
    heapBytesPerCode: round((after.heapUsed - before.heapUsed) / n, 1),
    queries: times.length,
    queryP50Ms: round(p50),
    queryP90Ms: round(pct(times, 90)),
    queryP99Ms: round(pct(times, 99)),
    queryMaxMs: round(times.at(-1) ?? Number.NaN),
    meanHits: round(meanHits, 2),
    linearQueries: linTimes.length,
    linearP50Ms: round(pct(linTimes, 50), 2),
    speedup: Math.round(pct(linTimes, 50) / p50),
    recall,
    linearAgreement: `${agree}/${linTimes.length}`,
  };
  if (dynamic) {
    log(`${set} n=${n}: adds, removes, compaction`);
    Object.assign(row, runDynamic(index, codes, n, setSeed + 7));
  }
  index = undefined;
  codes = undefined;
  return row;
}

const rows: Record<string, number | string>[] = [];
for (const n of sizes) {
  for (const [i, set] of sets.entries()) {
    const row = await benchOne(n, set, seed * 1000 + n + i);
    rows.push(row);
    if (json) process.stdout.write(`${JSON.stringify(row)}\n`);
  }
}
if (!json) {
  const cols = [
    'n',
    'set',
    'layout',
    'buildMs',
    'bytesPerCode',
    'rssBytesPerCode',
    'queryP50Ms',
    'queryP99Ms',
  ];
  cols.push('linearP50Ms', 'speedup', 'recall', 'linearAgreement', 'addUsMean', 'compactMs');
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length));
  process.stdout.write(`${cols.map((c) => c.padStart(width(c))).join('  ')}\n`);
  for (const r of rows)
    process.stdout.write(`${cols.map((c) => String(r[c] ?? '').padStart(width(c))).join('  ')}\n`);
}
