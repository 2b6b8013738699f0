/**
 * Image bytes → 8-bit RGBA pixels, through sharp (libvips). The only place in hashing that touches
 * sharp; Node only.
 *
 * Untrusted input is the norm here (anything a crawled page links to), so decoding is fenced:
 * - a byte cap before sharp sees anything, and SVG refused by sniffing (an SVG is a document that
 *   can reference other resources, not pixels) and again by the decoder's own verdict;
 * - `limitInputPixels` checked from the header (`metadata()`), so a decompression bomb is refused
 *   before any pixel is decoded; a timeout for pathological files;
 * - `failOn: 'warning'` (sharp's advice for untrusted input): truncated or corrupt data is an error,
 *   not a half-grey or garbled image with a wrong hash. All 101 reference and sample images decode
 *   at this level; `'error'` is the lenient alternative (corrupt entropy data then decodes as
 *   browsers show it);
 * - only formats a browser would show are accepted.
 * Every failure is a typed `HASH_*` error; nothing here crashes the process or hangs.
 *
 * Pixels: EXIF orientation applied (phones store rotated pixels plus a tag), first frame of an
 * animation, converted to sRGB 8-bit RGBA (16-bit samples keep their high byte). Embedded ICC
 * profiles are ignored by default, as the reference implementations (PIL, ImageMagick/CImg) do and
 * as a browser does with `createImageBitmap(blob, { colorSpaceConversion: 'none' })`; applying them
 * moved PDQ by 2–4 bits on the reference PNGs that carry a Display P3 profile.
 * Images above `maxHashPixels` are reduced with a Lanczos kernel on the way out (see `reducedSize`).
 */
import sharp, { type SharpOptions } from 'sharp';
import {
  HashDecodeFailedError,
  HashImageTooLargeError,
  HashInputTooLargeError,
  HashUnsupportedFormatError,
} from './errors.js';
import { reducedSize } from './image-prep.js';

/** Limits and options of {@link decodeImage}; every field has a default suited to crawled media. */
export interface DecodeOptions {
  /** Refuse inputs larger than this many bytes (default 50 MiB). */
  maxInputBytes?: number;
  /** Refuse images whose header declares more pixels than this (default 100 million). */
  maxInputPixels?: number;
  /** Reduce larger images to at most this many pixels before hashing (default 4 194 304, i.e. 2048²). */
  maxHashPixels?: number;
  /** sharp's `failOn` level (default `'warning'`: truncated and corrupt files fail). */
  failOn?: 'none' | 'truncated' | 'error' | 'warning';
  /** Give up on one image after this many seconds (default 30). */
  timeoutSeconds?: number;
  /** Ignore embedded ICC profiles (default true: the reference convention; see the module comment). */
  ignoreIcc?: boolean;
}

/** Decoded pixels, always 4 channels (RGBA, 8 bits each, row-major). */
export interface DecodedImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 4;
  /** Container format as sharp names it: `jpeg`, `png`, `webp`, `gif`, `avif`, `heif`, `tiff`. */
  format: string;
  /** Size of the full image after EXIF orientation, before any reduction. */
  originalWidth: number;
  originalHeight: number;
}

const DEFAULTS: Required<DecodeOptions> = {
  maxInputBytes: 50 * 1024 * 1024,
  maxInputPixels: 100_000_000,
  maxHashPixels: 2048 * 2048,
  failOn: 'warning',
  timeoutSeconds: 30,
  ignoreIcc: true,
};

/** Formats a browser shows as an <img>; anything else sharp might read (PDF, FITS, vips…) is refused. */
const ALLOWED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff']);

/**
 * Decodes image bytes to oriented sRGB RGBA pixels, reduced to `maxHashPixels` if larger.
 * @throws HashInputTooLargeError above `maxInputBytes`; HashUnsupportedFormatError for SVG and
 *   formats outside the allow-list; HashImageTooLargeError above `maxInputPixels`;
 *   HashDecodeFailedError for empty, truncated, corrupt or unrecognised bytes (retryable only on timeout).
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const o = { ...DEFAULTS, ...options };
  if (bytes.byteLength === 0) throw new HashDecodeFailedError('The file is empty (0 bytes)');
  if (bytes.byteLength > o.maxInputBytes) {
    throw new HashInputTooLargeError(
      `The file is ${bytes.byteLength} bytes; the limit is ${o.maxInputBytes}`,
      {
        bytes: bytes.byteLength,
        limit: o.maxInputBytes,
      },
    );
  }
  rejectSvg(bytes);
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sharpOptions: SharpOptions = {
    autoOrient: true,
    pages: 1,
    failOn: o.failOn,
    limitInputPixels: o.maxInputPixels,
    sequentialRead: true,
    ignoreIcc: o.ignoreIcc,
  };

  const meta = await sharp(input, sharpOptions)
    .metadata()
    .catch((err: unknown) => {
      throw mapSharpError(err, o);
    });
  if (meta.format === 'svg') throw svgRefused();
  if (!ALLOWED_FORMATS.has(meta.format ?? '')) {
    throw new HashUnsupportedFormatError(
      `Images in ${meta.format ?? 'this'} format are not accepted; send JPEG, PNG, WebP, GIF, AVIF, HEIF or TIFF`,
      { format: meta.format },
    );
  }
  const originalWidth = meta.autoOrient?.width ?? meta.width ?? 0;
  const originalHeight = meta.autoOrient?.height ?? meta.pageHeight ?? meta.height ?? 0;

  let pipeline = sharp(input, sharpOptions).timeout({ seconds: o.timeoutSeconds });
  const target = reducedSize(originalWidth, originalHeight, o.maxHashPixels);
  if (target !== null)
    pipeline = pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'lanczos3' });
  const { data, info } = await pipeline
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .catch((err: unknown) => {
      throw mapSharpError(err, o);
    });
  if (info.channels !== 4)
    throw new HashDecodeFailedError(`Decoder returned ${info.channels} channels, not RGBA`);
  return {
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: 4,
    format: meta.format ?? 'unknown',
    originalWidth,
    originalHeight,
  };
}

function svgRefused(): HashUnsupportedFormatError {
  return new HashUnsupportedFormatError('SVG images are not accepted: they are documents, not pixels', {
    format: 'svg',
  });
}

/**
 * Refuses SVG by its opening bytes, before any parser sees it: after an optional UTF-8 byte-order
 * mark and whitespace, `<svg`, `<?xml` or `<!DOCTYPE svg` (XML-based SVG; other XML is no image
 * either). gzip-compressed SVG (svgz) is caught by the decoder's verdict instead.
 */
export function rejectSvg(bytes: Uint8Array): void {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && i < 4096 && (bytes[i] === 0x20 || (bytes[i]! >= 0x09 && bytes[i]! <= 0x0d))) i++;
  const head = new TextDecoder('latin1').decode(bytes.subarray(i, i + 16)).toLowerCase();
  if (head.startsWith('<svg') || head.startsWith('<?xml') || head.startsWith('<!doctype svg'))
    throw svgRefused();
}

/** sharp's errors are plain Errors with libvips messages; turn them into our typed errors. */
function mapSharpError(err: unknown, o: Required<DecodeOptions>): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) {
    return new HashImageTooLargeError(`The image has more than ${o.maxInputPixels} pixels`, {
      limit: o.maxInputPixels,
    });
  }
  if (/timeout/i.test(message)) {
    return new HashDecodeFailedError(`Decoding took longer than ${o.timeoutSeconds} s`, {
      cause: err,
      retryable: true,
    });
  }
  if (/unsupported image format/i.test(message)) {
    return new HashDecodeFailedError('The file is not an image in a format we recognise', { cause: err });
  }
  return new HashDecodeFailedError('The image could not be decoded (truncated or corrupt)', {
    details: { reason: message.slice(0, 200) },
    cause: err,
  });
}
