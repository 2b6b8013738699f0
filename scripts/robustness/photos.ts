/**
 * Loads the evaluation photos: the bytes registration hashes, and decoded pixels to make edits from.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Source } from './edits.js';

export interface Photo {
  /** File name without extension. */
  name: string;
  /** Which split the photo reports under (see {@link splitOf}). */
  split: string;
  /** What the survivor registers: the file itself, or its downscaled re-encoding. */
  bytes: Buffer;
  /** Decoded, oriented pixels of `bytes`, to make the edited copies from. */
  src: Source;
}

const IMAGE = /\.(jpe?g|png|webp)$/i;

/**
 * `mate-*` photos are the development split (the variant set was tuned on them), `skimage-*` the
 * held-out one; files without such a prefix report under their directory's name (its parent's, for a
 * directory called `images`, as in `test/fixtures/blockhash/images`).
 */
export function splitOf(dir: string, file: string): string {
  if (file.startsWith('mate-')) return 'dev (mate)';
  if (file.startsWith('skimage-')) return 'held-out (skimage)';
  const full = path.resolve(dir);
  const name = path.basename(full);
  return name === 'images' ? path.basename(path.dirname(full)) : name;
}

/**
 * Reads every image of the directories. With `maxSide`, photos with a longer side are reduced to it
 * (Lanczos) and re-encoded as JPEG q92, and that copy is what gets registered and edited.
 */
export async function loadPhotos(dirs: readonly string[], maxSide: number): Promise<Photo[]> {
  const photos: Photo[] = [];
  for (const dir of dirs) {
    const files = (await readdir(dir)).filter((f) => IMAGE.test(f)).sort();
    for (const file of files) {
      let bytes = await readFile(path.join(dir, file));
      const meta = await sharp(bytes, { autoOrient: true }).metadata();
      const longSide = Math.max(meta.autoOrient.width, meta.autoOrient.height);
      if (longSide > maxSide) {
        bytes = await sharp(bytes, { autoOrient: true })
          .resize(maxSide, maxSide, { fit: 'inside', kernel: 'lanczos3' })
          .jpeg({ quality: 92 })
          .toBuffer();
      }
      // Transparent pixels are flattened onto white, as PDQ sees them (see pdq-luma.ts).
      const { data, info } = await sharp(bytes, { autoOrient: true })
        .flatten({ background: '#fff' })
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new Error(`${file}: expected 3 channels, got ${info.channels}`);
      photos.push({
        name: file.replace(IMAGE, ''),
        split: splitOf(dir, file),
        bytes,
        src: { pixels: data, width: info.width, height: info.height },
      });
    }
  }
  return photos;
}
