/**
 * The triage preview's picture step (sharp adapter): decoded pixels in, a small JPEG out, in
 * memory. The default view is greyscale and strongly blurred here, on the server, so the clear
 * pixels reach an analyst's browser only when they ask for them.
 */
import sharp from 'sharp';

/**
 * libvips keeps recent operations and their pixels in a process-wide cache (by default up to
 * 50 MB / 100 operations), so clear preview pixels, and decoded crawled media, could outlive the
 * request that made them. Nothing here gains from the cache (each picture is seen once), so it is
 * off for the whole process; sharp's cache setting is global, and this is the one place that sets
 * it (loaded with the hashing stage's index). See lovell/sharp#436 and libvips/libvips#1585.
 */
export function disableSharpCache(): void {
  sharp.cache(false);
}
disableSharpCache();

/** Longest side of a preview, in pixels. */
export const PREVIEW_MAX_SIDE = 480;

/** `blurred` (greyscale and blurred, the default) or `clear` (after a deliberate click). */
export type PreviewView = 'blurred' | 'clear';

/** Packed 8-bit pixels, row after row: RGBA from the image decoder, RGB from a video frame. */
export interface RawFrame {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** Scales `frame` to fit {@link PREVIEW_MAX_SIDE} (never up) and encodes it as a JPEG. */
export async function renderPreview(frame: RawFrame, view: PreviewView): Promise<Buffer> {
  const { width, height, channels } = frame;
  const scale = Math.min(1, PREVIEW_MAX_SIDE / Math.max(width, height));
  let pipeline = sharp(frame.pixels, { raw: { width, height, channels } })
    .resize(PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#808080' });
  if (view === 'blurred') {
    // About 1/40 of the long side: shapes and layout stay recognisable, details do not.
    const sigma = Math.max(3, (Math.max(width, height) * scale) / 40);
    pipeline = pipeline.greyscale().blur(sigma);
  }
  return pipeline.jpeg({ quality: 75 }).toBuffer();
}
