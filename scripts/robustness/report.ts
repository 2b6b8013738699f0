/**
 * Summaries of the outcomes: recall per edit and split, per target group, and false matches.
 */
import { DEFAULT_MATCH_POLICY } from '../../src/registry/index.js';
import type { EditGroup } from './edits.js';
import type { Photo } from './photos.js';
import type { Closest, Outcome } from './run.js';

/** Targets of each group of edits (share of copies recalled); `hard` and `extra` have none. */
export const TARGETS: Partial<Record<EditGroup, number>> = { mild: 0.95, dihedral: 0.95, crop: 0.8 };

/** Copies recalled out of copies tried. */
export interface Cell {
  recalled: number;
  total: number;
}

/** Everything the report prints; also the `--json` output's `summary`. */
export interface Summary {
  splits: string[];
  /** Per edit: group, recall per split (and `all`), median own distance, which rows matched. */
  edits: {
    name: string;
    group: EditGroup;
    recall: Record<string, Cell>;
    medianDistance: number | null;
    via: Record<string, number>;
    /** Copies not recalled: photo name and own distance (`gated` when under the quality gate). */
    misses: string[];
  }[];
  groups: { group: EditGroup; target: number | null; recall: Record<string, Cell> }[];
  falseMatches: { editedToOther: number; originalToOther: number; pairs: number; examples: string[] };
  closest: { distance: number; pair: string } | null;
  /** The same for blockhash, with the pair's PDQ distance. */
  closestBlockhash: { distance: number; pair: string; pdqDistance: number | null; threshold: number } | null;
  /** Photos left out of recall: their own PDQ is under the quality gate, so PDQ can never match them. */
  gatedOriginals: string[];
}

const add = (c: Cell, hit: boolean) => {
  c.total++;
  if (hit) c.recalled++;
};

const pairName = (c: Closest, photos: readonly Photo[]) =>
  `${photos[c.query.photo]!.name}/${c.query.edit} ↔ ${photos[c.item]!.name}`;

/** Tallies the outcomes per edit, split and group; photos whose own PDQ is gated are left out of recall. */
export function summarise(
  photos: readonly Photo[],
  edits: readonly { name: string; group: EditGroup }[],
  outcomes: readonly Outcome[],
  qualities: readonly number[],
  closest: Closest | null,
  closestBlockhash: (Closest & { threshold: number }) | null = null,
): Summary {
  const splits = [...new Set(photos.map((p) => p.split)), 'all'];
  const emptyRecall = () => Object.fromEntries(splits.map((s) => [s, { recalled: 0, total: 0 }]));
  const usable = (photo: number) => (qualities[photo] ?? 0) >= DEFAULT_MATCH_POLICY.pdqQualityGate;
  const groups = new Map<EditGroup, Record<string, Cell>>();
  const rows = edits.map((e) => {
    const recall = emptyRecall();
    const via: Record<string, number> = {};
    const distances: number[] = [];
    const misses: string[] = [];
    for (const o of outcomes) {
      if (o.edit !== e.name || !usable(o.photo)) continue;
      if (!o.recalled) misses.push(`${photos[o.photo]!.name} (${o.gated ? 'gated' : o.ownDistance})`);
      const split = photos[o.photo]!.split;
      add(recall[split]!, o.recalled);
      add(recall.all!, o.recalled);
      if (o.via) via[o.via] = (via[o.via] ?? 0) + 1;
      if (o.ownDistance !== null) distances.push(o.ownDistance);
      const g = groups.get(e.group) ?? emptyRecall();
      add(g[split]!, o.recalled);
      add(g.all!, o.recalled);
      groups.set(e.group, g);
    }
    distances.sort((a, b) => a - b);
    const medianDistance = distances.length ? distances[Math.floor((distances.length - 1) / 2)]! : null;
    return { name: e.name, group: e.group, recall, medianDistance, via, misses };
  });
  const label = (o: Outcome) => `${photos[o.photo]!.name}/${o.edit}`;
  const falseOnes = outcomes.filter((o) => o.falseMatches.length > 0);
  const n = photos.length;
  return {
    splits,
    edits: rows,
    groups: [...groups].map(([group, recall]) => ({ group, target: TARGETS[group] ?? null, recall })),
    falseMatches: {
      editedToOther: falseOnes
        .filter((o) => o.edit !== 'original')
        .reduce((s, o) => s + o.falseMatches.length, 0),
      originalToOther: falseOnes
        .filter((o) => o.edit === 'original')
        .reduce((s, o) => s + o.falseMatches.length, 0),
      // Every copy (originals included) against every other photo's registration.
      pairs: outcomes.length * (n - 1),
      examples: falseOnes.flatMap((o) =>
        o.falseMatches.map(
          (m) => `${label(o)} → ${photos[m.photo]!.name} (${m.variant}, ${m.distance} bits)`,
        ),
      ),
    },
    closest: closest && { distance: closest.distance, pair: pairName(closest, photos) },
    closestBlockhash: closestBlockhash && {
      distance: closestBlockhash.distance,
      pair: pairName(closestBlockhash, photos),
      pdqDistance: closestBlockhash.pdqDistance ?? null,
      threshold: closestBlockhash.threshold,
    },
    gatedOriginals: photos.filter((_, i) => !usable(i)).map((p) => p.name),
  };
}

const pct = (c: Cell | undefined) =>
  !c || c.total === 0 ? '–' : `${Math.round((100 * c.recalled) / c.total)}% (${c.recalled}/${c.total})`;

/** The summary as markdown tables. */
export function markdown(s: Summary, title: string): string {
  const head = (cols: string[]) => `| ${cols.join(' | ')} |\n|${cols.map(() => '---').join('|')}|\n`;
  let out = `### ${title}\n\n`;
  out += head(['edit', 'group', ...s.splits, 'median bits', 'matched via']);
  for (const e of s.edits) {
    const via = Object.entries(e.via)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    out += `| ${e.name} | ${e.group} | ${s.splits.map((sp) => pct(e.recall[sp])).join(' | ')} | ${e.medianDistance ?? '–'} | ${via} |\n`;
  }
  out += `\n${head(['group', 'target', ...s.splits, 'met (all)'])}`;
  for (const g of s.groups) {
    const all = g.recall.all;
    const met = g.target === null || !all ? '' : all.recalled >= g.target * all.total ? 'yes' : '**no**';
    const target = g.target === null ? '–' : `≥ ${g.target * 100}%`;
    out += `| ${g.group} | ${target} | ${s.splits.map((sp) => pct(g.recall[sp])).join(' | ')} | ${met} |\n`;
  }
  const missed = s.edits.filter((e) => e.group !== 'extra' && e.misses.length > 0 && e.misses.length <= 8);
  if (missed.length) out += `\nMisses (own distance in bits), where few:\n`;
  for (const e of missed) out += `- ${e.name}: ${e.misses.join(', ')}\n`;
  const f = s.falseMatches;
  out += `\nFalse matches: **${f.editedToOther + f.originalToOther}** (edited copy → other photo: ${f.editedToOther}; original → other original: ${f.originalToOther}) over ${f.pairs} ordered pairs of different photos.\n`;
  for (const e of f.examples.slice(0, 10)) out += `- ${e}\n`;
  if (s.closest) out += `Closest pair of different photos: ${s.closest.distance} bits (${s.closest.pair}).\n`;
  if (s.closestBlockhash) {
    const b = s.closestBlockhash;
    out += `Closest blockhash of a different photo: ${b.distance} bits (${b.pair}, PDQ ${b.pdqDistance ?? '–'} bits); the blockhash rule needs ≤ ${b.threshold} with PDQ ≤ ${DEFAULT_MATCH_POLICY.blockhashPdqCeiling}.\n`;
  }
  if (s.gatedOriginals.length)
    out += `Left out of recall (original's PDQ quality < 50): ${s.gatedOriginals.join(', ')}.\n`;
  return out;
}
