/**
 * Image fingerprints in the browser, mirroring `hashImageBytes` step by step with the same pure code:
 * decode (EXIF orientation applied, ICC profile ignored, as sharp does on the server) → reduce images
 * over 4 MP to the same size → trim uniform borders → PDQ, blockhash and the registry-side variants
 * (crops, turns, `untrimmed` and its crops: `hashImageBytes(bytes, { variants: true })`). Only the
 * canvas decoding and resampling differ from the server; see the e2e test for the measured distance.
 */
import {
  blockhash,
  MAX_HASH_PIXELS,
  pdqWithVariants,
  type RawImage,
  reducedSize,
  trimBorders,
  untrimmedVariants,
} from '../../../../hashing/browser.js';
import { digestFile } from './digest.js';
import type { ImageItem } from './items.js';
import { nextTurn } from './timing.js';

/** The decoding options that match sharp's convention best (measured by the hashing engineer). */
const BITMAP_OPTIONS: ImageBitmapOptions = {
  colorSpaceConversion: 'none',
  premultiplyAlpha: 'none',
  imageOrientation: 'from-image',
};

/** A 2D context on an offscreen canvas where available, else on a detached `<canvas>`. */
export function drawingContext(
  width: number,
  height: number,
): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  const options: CanvasRenderingContext2DSettings = { willReadFrequently: true, alpha: true };
  if (typeof OffscreenCanvas !== 'undefined') {
    const ctx = new OffscreenCanvas(width, height).getContext('2d', options);
    if (ctx) return ctx;
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', options);
  if (!ctx) throw new Error('no 2D canvas available');
  return ctx;
}

/** Reads the whole canvas as RGBA pixels in the layout the hashing code expects. */
export function readPixels(
  ctx: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D,
  width: number,
  height: number,
): RawImage {
  const data = ctx.getImageData(0, 0, width, height).data;
  return {
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width,
    height,
    channels: 4,
  };
}

/** Decoded, oriented pixels of an image file, reduced like the server's decoder; original size too. */
async function decode(file: Blob): Promise<{ image: RawImage; width: number; height: number }> {
  const bitmap = await createImageBitmap(file, BITMAP_OPTIONS);
  try {
    const { width, height } = bitmap;
    const size = reducedSize(width, height, MAX_HASH_PIXELS) ?? { width, height };
    const ctx = drawingContext(size.width, size.height);
    // The server reduces with Lanczos-3; the browser's best smoothing is the nearest we can ask for.
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, size.width, size.height);
    return { image: readPixels(ctx, size.width, size.height), width, height };
  } finally {
    bitmap.close();
  }
}

/**
 * Every fingerprint of one image file. `onProgress` gets 0..1.
 * @throws when the browser cannot decode the file as an image.
 */
export async function hashImageFile(file: Blob, onProgress: (fraction: number) => void): Promise<ImageItem> {
  // SVG is a document, not pixels: the server refuses it, so the page does too.
  if (file.type === 'image/svg+xml') throw new Error('SVG is not accepted');
  const decoded = await decode(file);
  onProgress(0.2);
  await nextTurn();
  const digests = await digestFile(file, (f) => onProgress(0.2 + 0.4 * f));
  const { image } = trimBorders(decoded.image);
  // As the server does: the PDQ of the trimmed (and maybe reduced) pixels with its crops, mirror and
  // quarter turns, all from one filtering (1.2–2 PDQs' time).
  const {
    own: { hash: pdq, quality: pdqQuality },
    variants,
  } = pdqWithVariants(image);
  onProgress(0.75);
  await nextTurn();
  const block = blockhash(image.pixels, image.width, image.height, 4);
  onProgress(0.85);
  await nextTurn();
  // As the server does: the PDQ before trimming and its crops too, when trimming removed something.
  variants.push(...untrimmedVariants(decoded.image, image));
  const item: ImageItem = {
    kind: 'image',
    sha256: digests.sha256,
    md5: digests.md5,
    pdq,
    pdqQuality,
    blockhash: block,
    width: decoded.width,
    height: decoded.height,
    variants,
  };
  onProgress(1);
  return item;
}
