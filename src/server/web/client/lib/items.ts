/**
 * What the registration page sends for one file: the `items[]` entries of `POST /api/v1/cases`, in
 * the same shape as `hashwatch hash --json` but without the file name, which never leaves the device.
 */

import type { FrameHash, VariantHash } from '../../../../registry/types.js';

export type { FrameHash, VariantHash };

/** Fingerprints of one image. */
export interface ImageItem {
  kind: 'image';
  sha256: string;
  md5: string;
  pdq: string;
  pdqQuality: number;
  blockhash: string;
  /** Size after EXIF orientation, before any reduction (as the server reports it). */
  width: number;
  height: number;
  variants?: VariantHash[];
}

/** Fingerprints of one video. */
export interface VideoItem {
  kind: 'video';
  sha256: string;
  md5: string;
  /** The first frame with quality ≥ 50, or null when no frame is clear enough. */
  pdq: string | null;
  pdqQuality: number | null;
  blockhash: null;
  /** Size of the hashed frames (after any downscale). */
  width: number;
  height: number;
  durationMs: number;
  frames: FrameHash[];
}

/** One registered file. */
export type CaseItem = ImageItem | VideoItem;

/** Minimum PDQ quality of the frame chosen as a video's single PDQ (`hashVideo`'s default). */
export const REPRESENTATIVE_QUALITY = 50;

/**
 * Drops exact duplicates (the same file chosen twice, or found again in a folder), keeping the first:
 * one case should not hold the same fingerprints twice.
 */
export function uniqueItems(items: readonly CaseItem[]): CaseItem[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (seen.has(item.sha256)) return false;
    seen.add(item.sha256);
    return true;
  });
}
