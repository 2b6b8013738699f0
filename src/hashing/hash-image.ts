/**
 * The Node image pipeline: bytes → digests → decode (sharp) → trim borders → PDQ + blockhash.
 * Registration and crawling both hash through this (or, in the browser, through the same pure steps
 * after canvas decoding), so that a copy and its original are prepared identically.
 *
 * Large images: up to 4 MP (2048²) are hashed at full resolution; larger ones are reduced to 4 MP
 * (aspect kept, Lanczos-3) while decoding. Measured against full-resolution PDQ: 0, 0, 2 and 2 bits
 * on the four 12 MP `exif-rotn` photos; median 2, 90th percentile 6, max 8 bits on 29 photos scaled
 * up to ≥ 6 MP. Reducing to a 2048 long side instead cost about one bit more, to 1 MP two more.
 *
 * Event loop: decoding runs on libuv's pool and digests yield every MiB, but the pure-JS steps do
 * not: border detection (under 1 ms on a photo, up to ~30 ms on a flat 4 MP image), PDQ (~10 ms per
 * megapixel; with registration's variants about twice that) and blockhash (~2 ms per megapixel),
 * with a yield before blockhash and before `untrimmed`. A 4 MP image thus holds the loop for up to
 * ~80 ms at a time. Callers hashing continuously (the crawler's workers) should run this in a worker
 * thread.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { blockhash } from './blockhash.js';
import { type DecodeOptions, decodeImage } from './decode-image.js';
import { fileDigestsAsync } from './digest.js';
import { type ContentBox, type TrimOptions, trimBorders } from './image-prep.js';
import {
  type DihedralName,
  type LumaView,
  lumaRegion,
  lumaView,
  type PdqDihedralResult,
  type PdqResult,
  pdqHash,
  pdqHashWithDihedrals,
  pdqHashWithDihedralsOfLuma,
} from './pdq.js';
import { type PdqVariant, pdqWithVariants, untrimmedVariants, type VariantOptions } from './variants.js';

/** Options of {@link hashImageBytes}: the decoder's limits plus the preparation steps. */
export interface HashImageOptions extends DecodeOptions {
  /** Remove uniform borders and letterbox bars before perceptual hashing (default true). */
  trimBorders?: boolean;
  /** Tuning of the border detection. */
  trim?: TrimOptions;
  /** Also return the 8 dihedral PDQ hashes (same cost as one PDQ hash; default false). */
  dihedral?: boolean;
  /**
   * Also return the registry-side PDQ variants for registration: `true` for the standard set, or a
   * choice of them (evaluation). Default false; the crawler does not need them.
   */
  variants?: boolean | VariantOptions;
}

/** Every hash of one image. Perceptual hashes are of the oriented, trimmed (and maybe reduced) pixels. */
export interface ImageHashes {
  kind: 'image';
  /** SHA-256 of the file bytes, lowercase hex. */
  sha256: string;
  /** MD5 of the file bytes, lowercase hex. */
  md5: string;
  /** PDQ hash, 64 lowercase hex digits. */
  pdq: string;
  /** PDQ quality 0..100; below 50 the hash should not be matched on. */
  pdqQuality: number;
  /** blockhash 16 (256 bits), 64 lowercase hex digits. */
  blockhash: string;
  /** Width of the original image after EXIF orientation. */
  width: number;
  /** Height of the original image after EXIF orientation. */
  height: number;
  /** Container format (`jpeg`, `png`, …). */
  format: string;
  /** The part of the (possibly reduced) image that was hashed, when borders were trimmed. */
  hashedBox?: ContentBox;
  /** The 8 dihedral PDQ hashes, when asked for (`original` equals `pdq`). */
  pdqDihedral?: Record<DihedralName, string>;
  /**
   * Registry-side PDQ variants, when asked for: crops and turns of the hashed pixels, then `untrimmed`
   * and its crops when trimming removed something (see `variants.ts`).
   */
  variants?: PdqVariant[];
}

/**
 * Computes every hash of an image file.
 * @throws the typed `HASH_*` errors of {@link decodeImage} for empty, oversized, corrupt or refused input.
 */
export async function hashImageBytes(
  bytes: Uint8Array,
  options: HashImageOptions = {},
): Promise<ImageHashes> {
  const digests = await fileDigestsAsync(bytes);
  const decoded = await decodeImage(bytes, options);
  const full = {
    pixels: decoded.pixels,
    width: decoded.width,
    height: decoded.height,
    channels: decoded.channels,
  };
  const trimmed = options.trimBorders === false ? null : trimBorders(full, options.trim);
  const img = trimmed?.image ?? full;
  const withVariants = options.variants !== undefined && options.variants !== false;
  // With variants, the image's PDQ, its crops and turns and `untrimmed` with its crops all come from
  // one luminance plane of the untrimmed pixels (same hashes as from the pixels, one conversion).
  // Without, PDQ converts the pixels as it streams through them, which is cheaper still.
  const plane = withVariants ? lumaView(full.pixels, full.width, full.height, full.channels) : null;
  const imgLuma = plane && trimmed ? lumaRegion(plane, trimmed.box) : plane;

  let pdq: string;
  let pdqQuality: number;
  let pdqDihedral: Record<DihedralName, string> | undefined;
  const variantOptions: VariantOptions = options.variants === true ? {} : options.variants || {};
  // With variants, the image's own PDQ comes with its crops and turns, from one filtering.
  const withFamily = imgLuma === null ? null : pdqWithVariants(imgLuma, variantOptions);
  if (options.dihedral === true) {
    const d: PdqDihedralResult = imgLuma
      ? pdqHashWithDihedralsOfLuma(imgLuma)
      : pdqHashWithDihedrals(img.pixels, img.width, img.height, img.channels);
    ({ quality: pdqQuality, hashes: pdqDihedral } = d);
    pdq = d.hashes.original;
  } else {
    const p: PdqResult = withFamily?.own ?? pdqHash(img.pixels, img.width, img.height, img.channels);
    ({ hash: pdq, quality: pdqQuality } = p);
  }
  await yieldToEventLoop();
  const block = blockhash(img.pixels, img.width, img.height, img.channels);

  const hashes: ImageHashes = {
    kind: 'image',
    sha256: digests.sha256,
    md5: digests.md5,
    pdq,
    pdqQuality,
    blockhash: block,
    width: decoded.originalWidth,
    height: decoded.originalHeight,
    format: decoded.format,
  };
  if (trimmed !== null && trimmed.image !== full) hashes.hashedBox = trimmed.box;
  if (pdqDihedral !== undefined) hashes.pdqDihedral = pdqDihedral;
  if (withFamily !== null) {
    const { variants } = withFamily;
    await yieldToEventLoop();
    if (variantOptions.untrimmed !== false) {
      variants.push(...untrimmedVariants(plane as LumaView, img, variantOptions.crops));
    }
    hashes.variants = variants;
  }
  return hashes;
}
