/**
 * The evaluation itself: register the originals, hash every edited copy as the crawler does, and
 * match it with the workers' `Matcher`. Pure bookkeeping around the project's own public functions.
 */
import { performance } from 'node:perf_hooks';
import {
  type CropSpec,
  decodeImage,
  hashImageBytes,
  hexToBytes,
  type ImageHashes,
  pdqHash,
  pdqWithVariants,
  popcount32,
  type TrimOptions,
  type TurnName,
  trimBorders,
  untrimmedVariants,
} from '../../src/hashing/index.js';
import { DEFAULT_MATCH_POLICY, Matcher, type RegistryHashRow } from '../../src/registry/index.js';
import type { Edit } from './edits.js';
import type { Photo } from './photos.js';

/** What is switched on: `--baseline` turns everything off, `--no-variants` is the code before variants. */
export interface EvalConfig {
  trim: boolean;
  dihedral: boolean;
  /** The blockhash rule's threshold (`MatchPolicy.blockhashThreshold`; 0: off). */
  blockhash: number;
  /** Registered crops of the trimmed original. */
  variants: readonly CropSpec[];
  /** Register the `untrimmed` variant when trimming removed something. */
  untrimmed: boolean;
  /** Registered turns and flips of the trimmed original, hashed from its pixels. */
  turns: readonly TurnName[];
  /** Tuning of border trimming, on both sides (default: the code's defaults). */
  trimOptions: TrimOptions;
}

/** One hashed copy: an edit of a photo, or the original itself (`edit` = `original`). */
export interface Query {
  photo: number;
  edit: string;
  hashes: ImageHashes;
}

export interface Outcome {
  photo: number;
  edit: string;
  /** Matched its own original. */
  recalled: boolean;
  /** Which registered row matched it (`original`, `crop-c10`, `sha256`), with the dihedral if any. */
  via: string | null;
  /** Smallest PDQ distance to its own original's rows (over the dihedrals when on), matched or not. */
  ownDistance: number | null;
  /** Its PDQ quality is under the gate, so PDQ matching was not tried. */
  gated: boolean;
  /** Other photos it matched. */
  falseMatches: { photo: number; variant: string; distance: number }[];
}

/** Hashes every photo's edited copies (and the original) exactly as the crawler does. */
export async function hashQueries(
  photos: readonly Photo[],
  edits: readonly Edit[],
  cfg: EvalConfig,
  tick: (photo: Photo) => void,
): Promise<Query[]> {
  const queries: Query[] = [];
  const opts = { dihedral: cfg.dihedral, trimBorders: cfg.trim, trim: cfg.trimOptions };
  for (const [i, photo] of photos.entries()) {
    // sharp runs on libuv's pool, so the edits of one photo are made in parallel; hashing is serial JS.
    const copies = await Promise.all(edits.map((e) => e.apply(photo.src, i)));
    queries.push({ photo: i, edit: 'original', hashes: await hashImageBytes(photo.bytes, opts) });
    for (const [k, edit] of edits.entries()) {
      queries.push({ photo: i, edit: edit.name, hashes: await hashImageBytes(copies[k]!, opts) });
    }
    tick(photo);
  }
  return queries;
}

/** The registry as registration builds it: digests, the original's PDQ and blockhash, and the PDQ variants. */
export async function registerPhotos(
  photos: readonly Photo[],
  cfg: EvalConfig,
): Promise<{ rows: RegistryHashRow[]; qualities: number[] }> {
  const rows: RegistryHashRow[] = [];
  const qualities: number[] = [];
  for (const [itemId, photo] of photos.entries()) {
    const h = await hashImageBytes(photo.bytes, {
      trimBorders: cfg.trim,
      trim: cfg.trimOptions,
      variants: { crops: cfg.variants, untrimmed: cfg.untrimmed, turns: cfg.turns },
    });
    qualities.push(h.pdqQuality);
    const row = (signal: RegistryHashRow['signal'], value: string, quality: number | null, variant: string) =>
      rows.push({
        id: rows.length + 1,
        itemId,
        caseId: itemId,
        signal,
        value,
        quality,
        variant,
        frameMs: null,
      });
    row('sha256', h.sha256, null, 'original');
    row('md5', h.md5, null, 'original');
    row('pdq', h.pdq, h.pdqQuality, 'original');
    row('blockhash', h.blockhash, null, 'original');
    for (const v of h.variants ?? []) row('pdq', v.pdq, v.pdqQuality, v.name);
  }
  return { rows, qualities };
}

/**
 * Mean time per photo of its PDQ alone and of its PDQ with every variant (as registration computes
 * them: `pdqWithVariants`, then `untrimmedVariants`), on the same prepared pixels.
 */
export async function variantCost(
  photos: readonly Photo[],
  cfg: EvalConfig,
): Promise<{ pdqMs: number; variantsMs: number; megapixels: number }> {
  let pdqMs = 0;
  let variantsMs = 0;
  let megapixels = 0;
  // The first photo is hashed twice and its first timing dropped: it would mostly measure the JIT.
  for (const [k, photo] of [...photos.slice(0, 1), ...photos].entries()) {
    const d = await decodeImage(photo.bytes);
    const full = { pixels: d.pixels, width: d.width, height: d.height, channels: d.channels };
    const img = cfg.trim ? trimBorders(full, cfg.trimOptions).image : full;
    let t = performance.now();
    pdqHash(img.pixels, img.width, img.height, img.channels);
    pdqMs += performance.now() - t;
    t = performance.now();
    pdqWithVariants(img, { crops: cfg.variants, turns: cfg.turns });
    if (cfg.untrimmed) untrimmedVariants(full, img, cfg.variants);
    variantsMs += performance.now() - t;
    megapixels += (img.width * img.height) / 1e6;
    if (k === 0) pdqMs = variantsMs = megapixels = 0;
  }
  const n = Math.max(1, photos.length);
  return { pdqMs: pdqMs / n, variantsMs: variantsMs / n, megapixels: megapixels / n };
}

function words(hex: string): Uint32Array {
  const b = hexToBytes(hex, 256, 'PDQ hash');
  return new Uint32Array(b.buffer, b.byteOffset, 8);
}

function distance(a: Uint32Array, b: Uint32Array): number {
  let d = 0;
  for (let i = 0; i < 8; i++) d += popcount32(a[i]! ^ b[i]!);
  return d;
}

/** Matches every query against the registry with the workers' matcher and default policy. */
export function evaluate(queries: readonly Query[], rows: readonly RegistryHashRow[], cfg: EvalConfig) {
  const matcher = new Matcher({
    ...DEFAULT_MATCH_POLICY,
    dihedral: cfg.dihedral,
    blockhashThreshold: cfg.blockhash,
  });
  matcher.add(rows);
  const gate = DEFAULT_MATCH_POLICY.pdqQualityGate;
  const pdqRows = rows
    .filter((r) => r.signal === 'pdq' && (r.quality ?? 0) >= gate)
    .map((r) => ({ item: r.itemId, code: words(r.value) }));
  const blockRows = rows
    .filter((r) => r.signal === 'blockhash')
    .map((r) => ({ item: r.itemId, code: words(r.value) }));
  const originals = new Map(
    rows.filter((r) => r.signal === 'pdq' && r.variant === 'original').map((r) => [r.itemId, words(r.value)]),
  );
  let closest: { distance: number; query: Query; item: number } | null = null;
  let closestBlockhash: Closest | null = null;
  const outcomes: Outcome[] = queries.map((q) => {
    const h = q.hashes;
    const gated = h.pdqQuality < gate;
    const matches = matcher.match({ ...h, pdqDihedral: cfg.dihedral ? (h.pdqDihedral ?? null) : null });
    const own = matches.find((m) => m.itemId === q.photo);
    const codes = (cfg.dihedral ? Object.values(h.pdqDihedral ?? {}) : [h.pdq]).map(words);
    // How near the blockhash rule came to matching a different photo (it needs the PDQ gate passed).
    const block = words(h.blockhash);
    for (const r of blockRows) {
      if (gated || r.item === q.photo) continue;
      const d = distance(block, r.code);
      if (closestBlockhash === null || d < closestBlockhash.distance) {
        const own = originals.get(r.item);
        closestBlockhash = {
          distance: d,
          query: q,
          item: r.item,
          pdqDistance: own ? distance(codes[0]!, own) : null,
        };
      }
    }
    let ownDistance: number | null = null;
    for (const r of pdqRows) {
      if (gated) break;
      const d = Math.min(...codes.map((c) => distance(c, r.code)));
      if (r.item === q.photo) ownDistance = Math.min(ownDistance ?? d, d);
      else if (closest === null || d < closest.distance) closest = { distance: d, query: q, item: r.item };
    }
    return {
      photo: q.photo,
      edit: q.edit,
      recalled: own !== undefined,
      via: own
        ? `${own.signal === 'pdq' ? own.variant : own.signal}${own.dihedral ? `+${own.dihedral}` : ''}`
        : null,
      ownDistance,
      gated,
      falseMatches: matches
        .filter((m) => m.itemId !== q.photo)
        .map((m) => ({ photo: m.itemId, variant: m.variant, distance: m.distance })),
    };
  });
  return {
    outcomes,
    closest: closest as { distance: number; query: Query; item: number } | null,
    closestBlockhash: closestBlockhash as Closest | null,
  };
}

/** The nearest a copy came to a different photo's registered hash. */
export interface Closest {
  distance: number;
  query: Query;
  item: number;
  /** For blockhash: the PDQ distance between the two (the rule also needs it under the ceiling). */
  pdqDistance?: number | null;
}
