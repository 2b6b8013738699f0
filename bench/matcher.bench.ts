/**
 * Matcher benchmark: what the blockhash rule costs a worker. A `Matcher` is loaded with N
 * registered images as registration stores them (SHA-256, MD5, PDQ `original`, 9 PDQ variants and
 * a blockhash, random codes), then the same crawled images (8 dihedral PDQs and a blockhash each,
 * a few near a registered image, most unrelated) are matched with the rule on and off, interleaved,
 * side by side in one run; the heap each matcher holds is measured too.
 *
 *   npm run bench:matcher -- [--items 100000] [--queries 2000] [--seed 1]
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  DEFAULT_MATCH_POLICY,
  Matcher,
  type MediaHashes,
  type RegistryHashRow,
} from '../src/registry/index.js';
import { codeToHex } from '../src/registry/match-index/index.js';
import { flipBits, makeRng, randomCodes } from '../src/registry/match-index/synthetic-codes.js';
import { intArg } from './lib/args.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const items = intArg('items', '100000', 1, 5_000_000);
const queryCount = intArg('queries', '2000', 1, 1_000_000);
const rng = makeRng(intArg('seed', '1', 0, 2 ** 31));
const log = (msg: string) => process.stderr.write(`[bench:matcher] ${msg}\n`);

const PDQ_ROWS = 10; // original + 6 crops + 3 turns
const codes = randomCodes(items * (PDQ_ROWS + 1), rng);
const hex = (i: number) => codeToHex(codes, i * 8);

function* pages(): Generator<RegistryHashRow[]> {
  let id = 1;
  for (let item = 0; item < items; item += 10_000) {
    const rows: RegistryHashRow[] = [];
    for (let k = item; k < Math.min(items, item + 10_000); k++) {
      const row = (signal: RegistryHashRow['signal'], value: string, variant: string) =>
        rows.push({ id: id++, itemId: k, caseId: k, signal, value, variant, quality: 90, frameMs: null });
      row('sha256', `${k.toString(16).padStart(8, '0')}${'0'.repeat(56)}`, 'original');
      for (let v = 0; v < PDQ_ROWS; v++)
        row('pdq', hex(k * (PDQ_ROWS + 1) + v), v === 0 ? 'original' : `v${v}`);
      row('blockhash', hex(k * (PDQ_ROWS + 1) + PDQ_ROWS), 'original');
    }
    yield rows;
  }
}

/**
 * Crawled images: one in ten a copy of a registered one whose PDQ drifted past the threshold (50
 * bits) but whose blockhash held (6 bits): only the rule finds those. The rest are unrelated.
 */
function queries(): MediaHashes[] {
  const out: MediaHashes[] = [];
  const fresh = randomCodes(queryCount * 9, rng);
  for (let q = 0; q < queryCount; q++) {
    const copy = q % 10 === 0 ? rng() % items : -1;
    if (copy >= 0) {
      fresh.set(codes.subarray(copy * (PDQ_ROWS + 1) * 8, copy * (PDQ_ROWS + 1) * 8 + 8), q * 9 * 8);
      flipBits(fresh, q * 9 * 8, 50, rng);
      fresh.set(
        codes.subarray((copy * (PDQ_ROWS + 1) + PDQ_ROWS) * 8, (copy * (PDQ_ROWS + 1) + PDQ_ROWS + 1) * 8),
        (q * 9 + 8) * 8,
      );
      flipBits(fresh, (q * 9 + 8) * 8, 6, rng);
    }
    const at = (k: number) => codeToHex(fresh, (q * 9 + k) * 8);
    const names = [
      'original',
      'rotate90',
      'rotate180',
      'rotate270',
      'flipX',
      'flipY',
      'flipPlusRotate90',
      'flipMinusRotate90',
    ];
    out.push({
      kind: 'image',
      pdq: at(0),
      pdqQuality: 90,
      blockhash: at(8),
      pdqDihedral: Object.fromEntries(names.map((n, k) => [n, at(k)])),
    });
  }
  return out;
}

async function load(blockhashThreshold: number): Promise<{ matcher: Matcher; heapMb: number }> {
  gc();
  const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const matcher = await Matcher.load(
    (async function* () {
      yield* pages();
    })(),
    { ...DEFAULT_MATCH_POLICY, blockhashThreshold },
  );
  gc();
  const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  return { matcher, heapMb: (after - before) / 1024 / 1024 };
}

log(`${items} registered images (${items * (PDQ_ROWS + 2)} rows), ${queryCount} crawled images`);
const on = await load(DEFAULT_MATCH_POLICY.blockhashThreshold);
const off = await load(0);
const qs = queries();
const time = (m: Matcher) => {
  const t = performance.now();
  let found = 0;
  for (const q of qs) found += m.match(q).length;
  return { us: ((performance.now() - t) * 1000) / qs.length, found };
};
// Warm up both before measuring.
for (let i = 0; i < 2; i++) {
  time(on.matcher);
  time(off.matcher);
}
const rounds = { on: [] as number[], off: [] as number[] };
let found = { on: 0, off: 0 };
for (let r = 0; r < 5; r++) {
  const a = time(on.matcher);
  const b = time(off.matcher);
  rounds.on.push(a.us);
  rounds.off.push(b.us);
  found = { on: a.found, off: b.found };
}
const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)] ?? Number.NaN;
const r2 = (x: number) => Math.round(x * 100) / 100;
const result = {
  items,
  queries: queryCount,
  matchUsOn: r2(median(rounds.on)),
  matchUsOff: r2(median(rounds.off)),
  ratio: r2(median(rounds.on) / median(rounds.off)),
  heapMbOn: r2(on.heapMb),
  heapMbOff: r2(off.heapMb),
  matchesOn: found.on,
  matchesOff: found.off,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
