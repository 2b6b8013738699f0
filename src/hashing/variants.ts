/**
 * Registry-side PDQ variants: the PDQ of a few crops of the registered image, stored as extra rows.
 *
 * PDQ sees the whole frame, so a re-upload cropped by 10% per side moves 40–90 bits and no longer
 * matches. Hashing the crops a re-uploader is likely to make, once at registration, moves that cost
 * to the registry: a crawled copy is still hashed once and searched as before. The crops are read
 * from the filtering that gives the image's own PDQ (a few percent of a PDQ each, within a few bits
 * of hashing the cropped pixels; see {@link registrationVariants}); each is one more row in the
 * match index.
 *
 * Three more are the image mirrored and turned a quarter each way, as hashing the turned pixels
 * gives (`turnVariants`; why the crawler's DCT-derived dihedral hashes are not enough: see
 * {@link REGISTRATION_TURNS}). All three come from one more pass over the image's filtered plane.
 *
 * More cover border trimming that a copy does not reproduce: when trimming removed something from
 * the registered image, the PDQ of the untrimmed image is kept too (`untrimmed`), so a copy whose
 * re-encoded bars no longer pass the trimming rule still matches, and so are the crops of the
 * untrimmed image (`untrimmed-crop-c05`, …), since a re-uploader crops the file, border and all.
 *
 * The set was chosen by measurement (`npm run eval:robustness`, see docs/ACCURACY.md): a variant was
 * kept only when it raised recall without adding a false match.
 *
 * Pure module (no Node imports): the registration page computes the same variants in the browser.
 */
import type { RawImage } from './image-prep.js';
import {
  type DihedralName,
  type LumaView,
  lumaRegion,
  lumaView,
  type PdqResult,
  type PdqTurnsResult,
  pdqHashOfLuma,
  pdqTurnsOfLuma,
} from './pdq.js';
import type { SampleBox } from './pdq-jarosz.js';

/** One registry-side variant: its name (stored as the row's `variant`), PDQ hash and quality. */
export interface PdqVariant {
  name: string;
  pdq: string;
  pdqQuality: number;
}

/** Which variants to compute; the defaults are the registration set. */
export interface VariantOptions {
  /** Crops of the trimmed image, and of the untrimmed one (default {@link REGISTRATION_CROPS}). */
  crops?: readonly CropSpec[];
  /** Turns and flips of the trimmed image, hashed from its pixels (default {@link REGISTRATION_TURNS}). */
  turns?: readonly TurnName[];
  /** Add `untrimmed` and its crops when trimming removed something (default true). */
  untrimmed?: boolean;
}

/** A crop, as fractions (0..0.5) of the image's width or height removed from each side. */
export interface CropSpec {
  name: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * A named crop: `c` removes `percent` from every side, `l`/`r`/`t`/`b` from one side only. Names
 * read `crop-c05`, `crop-l15`: the kind and the percentage in two digits.
 */
export function cropSpec(kind: 'c' | 'l' | 'r' | 't' | 'b', percent: number): CropSpec {
  const f = percent / 100;
  const name = `crop-${kind}${String(percent).padStart(2, '0')}`;
  if (kind === 'c') return { name, left: f, top: f, right: f, bottom: f };
  return {
    name,
    left: kind === 'l' ? f : 0,
    top: kind === 't' ? f : 0,
    right: kind === 'r' ? f : 0,
    bottom: kind === 'b' ? f : 0,
  };
}

/** The variants registration stores, in this order (see docs/ACCURACY.md for the measurements). */
export const REGISTRATION_CROPS: readonly CropSpec[] = [
  cropSpec('c', 5),
  cropSpec('c', 10),
  cropSpec('l', 15),
  cropSpec('r', 15),
  cropSpec('t', 15),
  cropSpec('b', 15),
];

/**
 * Crops smaller than this on either side are skipped: PDQ reduces every image to 64×64, and below
 * that a crop is mostly interpolation of the same few pixels as the original.
 */
export const MIN_VARIANT_SIDE = 64;

/**
 * What variants are computed from: the pixels, or their luminance (a {@link LumaView}, possibly a
 * rectangle of a larger plane). Both give the same hashes; the luminance lets several PDQs of one
 * image share one conversion and no pixel is copied for a crop.
 */
export type VariantSource = RawImage | LumaView;

function toLuma(img: VariantSource): LumaView {
  return 'luma' in img ? img : lumaView(img.pixels, img.width, img.height, img.channels);
}

/** A crop of an image, in whole pixels: its name and the rectangle kept. */
export interface CropBox {
  name: string;
  box: SampleBox;
}

/**
 * The crops of a width × height image, rounded to whole pixels (so Node and the browser agree bit
 * for bit). A crop is skipped when it removes nothing (a tiny image) or leaves a side under
 * {@link MIN_VARIANT_SIDE}; so tiny images get none.
 */
export function cropBoxes(width: number, height: number, crops: readonly CropSpec[]): CropBox[] {
  const out: CropBox[] = [];
  for (const spec of crops) {
    const left = Math.round(width * spec.left);
    const right = Math.round(width * spec.right);
    const top = Math.round(height * spec.top);
    const bottom = Math.round(height * spec.bottom);
    const box = { left, top, width: width - left - right, height: height - top - bottom };
    if (left + right + top + bottom === 0) continue;
    if (box.width < MIN_VARIANT_SIDE || box.height < MIN_VARIANT_SIDE) continue;
    out.push({ name: spec.name, box });
  }
  return out;
}

/**
 * The crop variants of an image, for registration. `img` must be prepared exactly as the image's own
 * PDQ was: decoded, EXIF-oriented, reduced to at most 4 MP and border-trimmed — i.e. the pixels
 * `hashImageBytes` hashes (in the browser: the same steps after canvas decoding) or their luminance.
 *
 * The crops are read from one filtering of the whole image ({@link pdqTurnsOfLuma} with their
 * boxes), which costs a few percent of a PDQ per crop and lands within a few bits of hashing the
 * cropped pixels (docs/ACCURACY.md). A caller that already has that result for {@link cropBoxes} of
 * the same crops passes it as `family` (only its count is checked); null means it could not be
 * shared (a side of 129–256 pixels), and then each crop's pixels are hashed.
 */
export function registrationVariants(
  img: VariantSource,
  crops: readonly CropSpec[] = REGISTRATION_CROPS,
  family?: PdqTurnsResult | null,
): PdqVariant[] {
  const boxes = cropBoxes(img.width, img.height, crops);
  if (boxes.length === 0) return [];
  const luma = toLuma(img);
  const shared =
    family === undefined
      ? pdqTurnsOfLuma(
          luma,
          boxes.map((c) => c.box),
        )
      : family;
  if (shared !== null && shared.boxes.length !== boxes.length) {
    throw new RangeError(`variants: ${shared.boxes.length} shared crops for ${boxes.length} crops`);
  }
  return boxes.map(({ name, box }, i) => {
    const { hash, quality } = shared ? shared.boxes[i]! : pdqHashOfLuma(lumaRegion(luma, box));
    return { name, pdq: hash, pdqQuality: quality };
  });
}

/**
 * Turns and flips registered as their own PDQ rows (the row's `variant`): `mirror` is the left-right
 * mirror (the dihedral `flipY`), `rotate90` a quarter turn anticlockwise, `rotate270` clockwise, as
 * the {@link DihedralName}s of the same names. Variant names are lower case (the API's pattern).
 */
export type TurnName = 'mirror' | Extract<DihedralName, 'rotate90' | 'rotate270'>;

/**
 * The turns registration stores. Why, when the crawler already queries the 8 dihedral hashes of each
 * copy: those are derived from the copy's DCT, and PDQ's filter and decimation are not mirror
 * symmetric (the box window and the sample points sit half a pixel off centre). On photos the
 * derived hash is within 0–20 bits of hashing the turned pixels, but on fine textures (brick,
 * gravel, grass, a page of text), where each 64×64 cell aliases, it is 30–90 bits off. A mirrored
 * or quarter-turned copy compares its plain hash with these rows instead. Chosen by measurement
 * (docs/ACCURACY.md): mirroring and quarter turns are the dihedral edits re-uploads carry.
 */
export const REGISTRATION_TURNS: readonly TurnName[] = ['mirror', 'rotate90', 'rotate270'];

/** The luminance of `v` turned or flipped, as a new contiguous plane. */
export function turnLuma(v: LumaView, turn: TurnName): LumaView {
  const { luma, width: w, height: h, stride, offset } = v;
  const out = new Float32Array(w * h);
  if (turn === 'mirror') {
    for (let y = 0; y < h; y++) {
      const row = offset + y * stride + w - 1;
      for (let x = 0, o = y * w; x < w; x++, o++) out[o] = luma[row - x]!;
    }
    return { luma: out, width: w, height: h, stride: w, offset: 0 };
  }
  // Output is h wide and w tall. Anticlockwise: out(x', y') = in(x = w-1-y', y = x');
  // clockwise: out(x', y') = in(x = y', y = h-1-x'). Written row of the input by row, so reads are
  // sequential and writes go down a column.
  const anticlockwise = turn === 'rotate90';
  for (let y = 0; y < h; y++) {
    const row = offset + y * stride;
    const col = anticlockwise ? y : h - 1 - y;
    for (let x = 0; x < w; x++) {
      const outRow = anticlockwise ? w - 1 - x : x;
      out[outRow * h + col] = luma[row + x]!;
    }
  }
  return { luma: out, width: h, height: w, stride: h, offset: 0 };
}

/**
 * The PDQ rows of the turned image (see {@link REGISTRATION_TURNS}); none for tiny images. From one
 * filtering of the image ({@link pdqTurnsOfLuma}; pass its result as `turned` when the caller already
 * has it) where the image is large enough, else by hashing the turned pixels: the same hashes.
 */
export function turnVariants(
  img: VariantSource,
  turns: readonly TurnName[] = REGISTRATION_TURNS,
  turned: PdqTurnsResult | null = null,
): PdqVariant[] {
  if (turns.length === 0 || img.width < MIN_VARIANT_SIDE || img.height < MIN_VARIANT_SIDE) return [];
  const luma = toLuma(img);
  const all = turned ?? pdqTurnsOfLuma(luma);
  return turns.map((turn) => {
    const { hash, quality } = all ? all[turn] : pdqHashOfLuma(turnLuma(luma, turn));
    return { name: turn, pdq: hash, pdqQuality: quality };
  });
}

/**
 * The `untrimmed` variants, when trimming removed something from the image (`trimmed` is smaller than
 * `full`, the whole decoded image: oriented, reduced to at most 4 MP, not trimmed): the PDQ of the
 * whole image (`untrimmed`), so a copy whose re-encoded bars no longer pass the trimming rule still
 * matches, and its crops (`untrimmed-crop-c05`, …), because a re-uploader crops the file as it is,
 * border included: a 5% crop of a 256 px image with a 12 px bar is 11 px off the same crop of the
 * trimmed image, which moves PDQ 36–80 bits. None when trimming kept all of it: then the image's own
 * rows already are these.
 */
export function untrimmedVariants(
  full: VariantSource,
  trimmed: { width: number; height: number },
  crops: readonly CropSpec[] = REGISTRATION_CROPS,
): PdqVariant[] {
  if (trimmed.width === full.width && trimmed.height === full.height) return [];
  const { own, variants } = pdqWithVariants(full, { crops, turns: [] });
  return [
    { name: 'untrimmed', pdq: own.hash, pdqQuality: own.quality },
    ...variants.map((v) => ({ ...v, name: `untrimmed-${v.name}` })),
  ];
}

/**
 * The image's own PDQ and its registration variants (crops, then turns; not `untrimmed`), all from
 * one filtering of the image where it allows ({@link pdqTurnsOfLuma}): 1.2–2 times the cost of the
 * image's PDQ alone (larger images nearer 1.2). `own` equals {@link pdqHashOfLuma} of the image bit
 * for bit. Registration in Node (`hashImageBytes`) and in the browser both hash through this, so
 * they agree.
 */
export function pdqWithVariants(
  img: VariantSource,
  options: VariantOptions = {},
): { own: PdqResult; variants: PdqVariant[] } {
  const luma = toLuma(img);
  const crops = options.crops ?? REGISTRATION_CROPS;
  const big = img.width >= MIN_VARIANT_SIDE && img.height >= MIN_VARIANT_SIDE;
  const boxes = cropBoxes(img.width, img.height, crops).map((c) => c.box);
  const family = big ? pdqTurnsOfLuma(luma, boxes) : null;
  return {
    own: family?.original ?? pdqHashOfLuma(luma),
    variants: [...registrationVariants(luma, crops, family), ...turnVariants(luma, options.turns, family)],
  };
}
