/**
 * Registry-side PDQ variants: the PDQ of a few crops of the registered image, stored as extra rows.
 *
 * PDQ sees the whole frame, so a re-upload cropped by 10% per side moves 40–90 bits and no longer
 * matches. Hashing the crops a re-uploader is likely to make, once at registration, moves that cost
 * to the registry: a crawled copy is still hashed once and searched as before. Each variant is one
 * more PDQ (7–8 ms per megapixel) and one more row in the match index.
 *
 * One more variant covers border trimming that a copy does not reproduce: when trimming removed
 * something from the registered image, the PDQ of the untrimmed image is kept too (`untrimmed`), so a
 * copy whose re-encoded bars no longer pass the trimming rule still matches.
 *
 * The set was chosen by measurement (`npm run eval:robustness`, see docs/ACCURACY.md): a variant was
 * kept only when it raised recall without adding a false match.
 *
 * Pure module (no Node imports): the registration page computes the same variants in the browser.
 */
import { cropImage, type RawImage } from './image-prep.js';
import { pdqHash } from './pdq.js';

/** One registry-side variant: its name (stored as the row's `variant`), PDQ hash and quality. */
export interface PdqVariant {
  name: string;
  pdq: string;
  pdqQuality: number;
}

/** Which variants to compute; the defaults are the registration set. */
export interface VariantOptions {
  /** Crops of the trimmed image (default {@link REGISTRATION_CROPS}). */
  crops?: readonly CropSpec[];
  /** Add the `untrimmed` variant when trimming removed something (default true). */
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
 * The PDQ variants of an image, for registration. `img` must be prepared exactly as the image's own
 * PDQ was: decoded, EXIF-oriented, reduced to at most 4 MP and border-trimmed — i.e. the pixels
 * `hashImageBytes` hashes (in the browser: the same steps after canvas decoding).
 *
 * Crops are rounded to whole pixels from the trimmed size, so Node and the browser agree bit for
 * bit. A crop is skipped when it removes nothing (a tiny image) or leaves a side under
 * {@link MIN_VARIANT_SIDE}; so tiny images get no variants.
 */
export function registrationVariants(
  img: RawImage,
  crops: readonly CropSpec[] = REGISTRATION_CROPS,
): PdqVariant[] {
  const out: PdqVariant[] = [];
  for (const spec of crops) {
    const left = Math.round(img.width * spec.left);
    const right = Math.round(img.width * spec.right);
    const top = Math.round(img.height * spec.top);
    const bottom = Math.round(img.height * spec.bottom);
    const width = img.width - left - right;
    const height = img.height - top - bottom;
    if (left + right + top + bottom === 0) continue;
    if (width < MIN_VARIANT_SIDE || height < MIN_VARIANT_SIDE) continue;
    const crop = cropImage(img, { left, top, width, height });
    const { hash, quality } = pdqHash(crop.pixels, crop.width, crop.height, crop.channels);
    out.push({ name: spec.name, pdq: hash, pdqQuality: quality });
  }
  return out;
}

/**
 * The PDQ of the whole decoded image (`full`: oriented, reduced to at most 4 MP, not trimmed) as the
 * `untrimmed` variant, or null when trimming kept all of it (`trimmed` has the same size) — then the
 * image's own PDQ already is this hash and another row would only repeat it.
 */
export function untrimmedVariant(full: RawImage, trimmed: RawImage): PdqVariant | null {
  if (trimmed.width === full.width && trimmed.height === full.height) return null;
  const { hash, quality } = pdqHash(full.pixels, full.width, full.height, full.channels);
  return { name: 'untrimmed', pdq: hash, pdqQuality: quality };
}
