/**
 * Robustness of image matching to the edits re-uploads carry, measured end to end: each photo is
 * registered as registration does it, edited copies are made with sharp and hashed as the crawler
 * does (`hashImageBytes(bytes, { dihedral: true })`), and matched with the workers' `Matcher` at the
 * default policy (PDQ ≤ 31 bits, quality ≥ 50, dihedral on, blockhash ≤ 12 bits with PDQ ≤ 90).
 *
 *   npm run eval:robustness -- [dir ...] [--baseline] [--no-trim] [--no-dihedral] [--no-variants]
 *     [--no-untrimmed] [--no-turns] [--no-blockhash] [--blockhash-threshold 12]
 *     [--variants crop-c05,crop-l15,...,untrimmed,mirror,rotate90]
 *     [--edge-lookahead 0|1] [--max-side 1024] [--json]
 *
 * Default dir: test/fixtures/photos. `--baseline` is plain PDQ (no border trimming, no dihedral
 * queries, no registry variants, no blockhash rule); the `--no-*` flags switch off one step each, to see what it
 * contributes; `--variants` replaces the registered set (crops, and `untrimmed` if listed).
 * Photos are used at their own size unless `--max-side` reduces them: the fixtures are ≤ 1600 px,
 * and the 29 photos × 28 edits take ~35 s on 2 cores. Recall counts a copy only when it matches its
 * own original; false matches are counted over every pair of different photos. Markdown tables on
 * stdout (one JSON object with --json), progress on stderr (a bar on a terminal, lines otherwise).
 */
import { performance } from 'node:perf_hooks';
import { progress } from '../src/cli/progress.js';
import {
  type CropSpec,
  cropSpec,
  REGISTRATION_CROPS,
  REGISTRATION_TURNS,
  type TurnName,
} from '../src/hashing/index.js';
import { DEFAULT_MATCH_POLICY } from '../src/registry/index.js';
import { EDITS } from './robustness/edits.js';
import { loadPhotos, type Photo } from './robustness/photos.js';
import { markdown, summarise } from './robustness/report.js';
import { type EvalConfig, evaluate, hashQueries, registerPhotos, variantCost } from './robustness/run.js';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
function option(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}
const valued = new Set(['--variants', '--max-side', '--edge-lookahead', '--blockhash-threshold']);
const dirs = argv.filter((a, i) => !a.startsWith('--') && !valued.has(argv[i - 1] ?? ''));
if (dirs.length === 0) dirs.push('test/fixtures/photos');

function parseVariants(list: string): CropSpec[] {
  return list
    .split(',')
    .filter((name) => name !== '' && name !== 'untrimmed' && !TURNS.includes(name as TurnName))
    .map((name) => {
      const m = /^crop-([clrtb])(\d{2})$/.exec(name);
      if (!m)
        throw new Error(
          `--variants: "${name}" is not crop-<c|l|r|t|b><two-digit percent>, untrimmed, or one of ${TURNS.join(', ')}`,
        );
      return cropSpec(m[1] as 'c' | 'l' | 'r' | 't' | 'b', Number(m[2]));
    });
}

const TURNS: readonly string[] = ['mirror', 'rotate90', 'rotate270'];
const baseline = flag('baseline');
const list = option('variants');
const noVariants = baseline || flag('no-variants');
const cfg: EvalConfig = {
  trim: !baseline && !flag('no-trim'),
  dihedral: !baseline && !flag('no-dihedral'),
  blockhash:
    baseline || flag('no-blockhash')
      ? 0
      : Number(option('blockhash-threshold') ?? DEFAULT_MATCH_POLICY.blockhashThreshold),
  variants: noVariants ? [] : list !== undefined ? parseVariants(list) : REGISTRATION_CROPS,
  // Listed explicitly with --variants; otherwise on unless switched off.
  untrimmed:
    !noVariants && !flag('no-untrimmed') && (list === undefined || list.split(',').includes('untrimmed')),
  turns:
    noVariants || flag('no-turns')
      ? []
      : list !== undefined
        ? (list.split(',').filter((n) => TURNS.includes(n)) as TurnName[])
        : REGISTRATION_TURNS,
  trimOptions:
    option('edge-lookahead') === undefined ? {} : { edgeLookahead: Number(option('edge-lookahead')) },
};
if (!Number.isInteger(cfg.blockhash) || cfg.blockhash < 0 || cfg.blockhash > 64)
  throw new Error(
    `--blockhash-threshold: expected a whole number of bits 0–64, got ${option('blockhash-threshold')}`,
  );
const maxSide = Number(option('max-side') ?? Number.POSITIVE_INFINITY);
if (!(maxSide >= 16))
  throw new Error(`--max-side: expected a number of pixels ≥ 16, got ${option('max-side')}`);
const steps = [
  cfg.trim ? 'border trimming' : '',
  cfg.dihedral ? 'dihedral queries' : '',
  cfg.blockhash ? `blockhash rule (≤ ${cfg.blockhash} bits)` : '',
  cfg.variants.length ? `variants ${cfg.variants.map((v) => v.name).join(', ')}` : '',
  cfg.untrimmed ? 'untrimmed variant' : '',
  cfg.turns.length ? `turns ${cfg.turns.join(', ')}` : '',
  cfg.trimOptions.edgeLookahead !== undefined ? `edge lookahead ${cfg.trimOptions.edgeLookahead}` : '',
].filter(Boolean);
const title = steps.length
  ? `PDQ + ${steps.join(' + ')}`
  : 'Baseline: plain PDQ (no trimming, no dihedral, no variants, no blockhash rule)';

const log = (msg: string) => process.stderr.write(`[eval:robustness] ${msg}\n`);
const started = performance.now();
const photos = await loadPhotos(dirs, maxSide);
log(`${photos.length} photos from ${dirs.join(', ')}; ${EDITS.length} edits each; ${title}`);

const bar = progress(photos.length, 'hashing');
let done = 0;
const tick = (photo: Photo) => {
  done++;
  if (process.stderr.isTTY && photos.length > 1) bar.tick();
  else
    log(
      `hashed ${done}/${photos.length} ${photo.name} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
};
const { rows, qualities } = await registerPhotos(photos, cfg);
const queries = await hashQueries(photos, EDITS, cfg, tick);
bar.stop();
const { outcomes, closest, closestBlockhash } = evaluate(queries, rows, cfg);
const summary = summarise(
  photos,
  EDITS,
  outcomes,
  qualities,
  closest,
  cfg.blockhash && closestBlockhash ? { ...closestBlockhash, threshold: cfg.blockhash } : null,
);
const cost = await variantCost(photos, cfg);
const seconds = (performance.now() - started) / 1000;

if (flag('json')) {
  const config = { ...cfg, variants: cfg.variants.map((v) => v.name) };
  const photoList = photos.map((p) => ({
    name: p.name,
    split: p.split,
    width: p.src.width,
    height: p.src.height,
  }));
  process.stdout.write(
    `${JSON.stringify({ config, dirs, photos: photoList, summary, cost, registryRows: rows.length, seconds })}\n`,
  );
} else {
  process.stdout.write(markdown(summary, title));
  process.stdout.write(
    `Registry rows: ${rows.length} for ${photos.length} photos (PDQ: ${rows.filter((r) => r.signal === 'pdq').length}). ` +
      `Registration cost: PDQ with every variant ${cost.variantsMs.toFixed(1)} ms per photo (PDQ alone, same ` +
      `${cost.megapixels.toFixed(2)} MP: ${cost.pdqMs.toFixed(1)} ms). Run time ${seconds.toFixed(0)} s.\n`,
  );
}
