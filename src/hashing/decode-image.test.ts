import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, rejectSvg } from './decode-image.js';
import {
  HashDecodeFailedError,
  HashImageTooLargeError,
  HashInputTooLargeError,
  HashUnsupportedFormatError,
} from './errors.js';
import { hammingDistanceHex } from './hex.js';
import { pdqHash } from './pdq.js';

const FIXTURES = new URL('../../test/fixtures/pdq/', import.meta.url);
const fixture = (path: string): Buffer => readFileSync(new URL(path, FIXTURES));
const JPEG = fixture('images/bridge-mods/aaa-orig.jpg');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The error `decodeImage` fails with (a success yields a string, not megabytes of pixels in a diff). */
async function failure(bytes: Uint8Array, options?: Parameters<typeof decodeImage>[1]): Promise<unknown> {
  return decodeImage(bytes, options).then(
    (d) => `decoded ${d.width}×${d.height}`,
    (err: unknown) => err,
  );
}

/** CRC-32 as PNG uses it, to forge a valid header. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('decodeImage', () => {
  it('decodes a JPEG to RGBA with its format and size', async () => {
    const d = await decodeImage(JPEG);
    expect(d).toMatchObject({
      width: 1600,
      height: 1004,
      channels: 4,
      format: 'jpeg',
      originalWidth: 1600,
      originalHeight: 1004,
    });
    expect(d.pixels).toHaveLength(1600 * 1004 * 4);
  });

  it.each(['png', 'webp', 'gif', 'tiff', 'avif'] as const)('accepts %s', async (format) => {
    const bytes = await sharp(JPEG).resize(160, 100).toFormat(format).toBuffer();
    const d = await decodeImage(bytes);
    expect(d).toMatchObject({ width: 160, height: 100, format: format === 'avif' ? 'heif' : format });
  });

  describe('EXIF orientation (phones store rotated pixels plus a tag)', () => {
    // Upstream's exif-rotn photos, reduced (test/fixtures/pdq/README.md). The four are separate shots
    // of one scene (portrait and landscape framings, 110–138 bits apart once upright), so each is
    // compared with its own stored pixels turned the way its tag says.
    const cases: [number, (s: Sharp) => Sharp, [number, number]][] = [
      [1, (s) => s, [1008, 756]],
      [3, (s) => s.rotate(180), [1008, 756]],
      [6, (s) => s.rotate(90), [756, 1008]],
      [8, (s) => s.rotate(270), [756, 1008]],
    ];

    it.each(cases)('orientation %i is applied', async (n, turn, size) => {
      const bytes = fixture(`derived/exif-rotn-${n}-1008x756.jpg`);
      const d = await decodeImage(bytes);
      expect([d.width, d.height, d.originalWidth, d.originalHeight]).toEqual([...size, ...size]);
      const turned = await turn(sharp(bytes, { autoOrient: false }))
        .ensureAlpha()
        .raw()
        .toBuffer();
      expect(Buffer.compare(turned, Buffer.from(d.pixels)) === 0).toBe(true);
      if (n !== 1) {
        const stored = await sharp(bytes, { autoOrient: false })
          .ensureAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        const unturned = pdqHash(stored.data, stored.info.width, stored.info.height, 4).hash;
        expect(hammingDistanceHex(pdqHash(d.pixels, d.width, d.height, 4).hash, unturned)).toBeGreaterThan(
          60,
        );
      }
    });

    it('makes a rotated copy of a photo hash like the upright photo', async () => {
      const upright = await decodeImage(JPEG);
      // Store the pixels turned 90° anticlockwise and say so in the tag (orientation 6 = turn clockwise to view).
      const tagged = await sharp(JPEG)
        .rotate(270)
        .jpeg({ quality: 95 })
        .withMetadata({ orientation: 6 })
        .toBuffer();
      const d = await decodeImage(tagged);
      expect([d.width, d.height]).toEqual([1600, 1004]);
      const a = pdqHash(upright.pixels, upright.width, upright.height, 4).hash;
      expect(hammingDistanceHex(a, pdqHash(d.pixels, d.width, d.height, 4).hash)).toBeLessThanOrEqual(8);
    });
  });

  it('takes the first frame of an animation', async () => {
    const frame = (r: number) => ({
      create: { width: 40, height: 30, channels: 3 as const, background: { r, g: 0, b: 0 } },
    });
    const frames = await Promise.all([10, 250, 120].map((r) => sharp(frame(r)).raw().toBuffer()));
    const gif = await sharp(Buffer.concat(frames), {
      raw: { width: 40, height: 90, channels: 3, pageHeight: 30 },
    })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(3);
    const d = await decodeImage(gif);
    expect([d.width, d.height]).toEqual([40, 30]);
    expect(d.pixels[0]).toBeLessThan(40);
  });

  it('keeps the high byte of 16-bit samples', async () => {
    const bytes = fixture('ptx/I16.png');
    const wide = await sharp(bytes).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    const samples = new Uint16Array(wide.buffer.slice(wide.byteOffset, wide.byteOffset + wide.byteLength));
    const d = await decodeImage(bytes);
    expect(d.pixels[0]).toBe(samples[0]! >> 8);
    expect(d.pixels[4 * 1000 + 1]).toBe(samples[1000]! >> 8);
  });

  it('reduces images above maxHashPixels, keeping the aspect ratio and the original size', async () => {
    const d = await decodeImage(JPEG, { maxHashPixels: 400_000 });
    expect([d.width, d.height]).toEqual([798, 500]);
    expect([d.originalWidth, d.originalHeight]).toEqual([1600, 1004]);
  });

  describe('refuses bad input with typed errors', () => {
    it('empty', async () => {
      expect(await failure(new Uint8Array(0))).toBeInstanceOf(HashDecodeFailedError);
      expect(await failure(new Uint8Array(0))).toMatchObject({ code: 'HASH_DECODE_FAILED', status: 400 });
    });

    it('truncated JPEG and PNG', async () => {
      expect(await failure(JPEG.subarray(0, JPEG.length / 2))).toMatchObject({
        code: 'HASH_DECODE_FAILED',
        message: 'The image could not be decoded (truncated or corrupt)',
        retryable: false,
      });
      const png = await sharp(JPEG).resize(200).png().toBuffer();
      expect(await failure(png.subarray(0, png.length - 200))).toBeInstanceOf(HashDecodeFailedError);
    });

    it('corrupt data inside a valid header', async () => {
      const broken = Buffer.from(JPEG);
      broken.fill(0xff, 2000, 60_000);
      expect(await failure(broken)).toBeInstanceOf(HashDecodeFailedError);
    });

    it('bytes that are not an image (an HTML page served as one)', async () => {
      expect(await failure(text('<html><body>Not found</body></html>'))).toMatchObject({
        code: 'HASH_DECODE_FAILED',
        message: 'The file is not an image in a format we recognise',
      });
    });

    it.each([
      ['plain', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'],
      [
        'with XML declaration and BOM',
        '\ufeff\n <?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
      ],
      ['with doctype', '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x"><svg/>'],
    ])('SVG, %s', async (_label, svg) => {
      expect(await failure(text(svg))).toBeInstanceOf(HashUnsupportedFormatError);
      expect(await failure(text(svg))).toMatchObject({ code: 'HASH_UNSUPPORTED_FORMAT', status: 415 });
    });

    it('gzip-compressed SVG, caught by the decoder', async () => {
      const svgz = gzipSync(
        '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect width="9" height="9"/></svg>',
      );
      expect(() => rejectSvg(svgz)).not.toThrow();
      expect(await failure(svgz)).toBeInstanceOf(HashUnsupportedFormatError);
    });

    it('a decompression bomb, from its header alone', async () => {
      const small = Buffer.from(
        await sharp({ create: { width: 16, height: 16, channels: 3, background: '#000' } })
          .png()
          .toBuffer(),
      );
      const bomb = Buffer.from(small);
      bomb.writeUInt32BE(30_000, 16); // IHDR width
      bomb.writeUInt32BE(30_000, 20); // IHDR height
      bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
      const started = Date.now();
      expect(await failure(bomb)).toBeInstanceOf(HashImageTooLargeError);
      expect(await failure(bomb)).toMatchObject({ code: 'HASH_IMAGE_TOO_LARGE', status: 413 });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await failure(JPEG, { maxInputPixels: 1_000_000 })).toBeInstanceOf(HashImageTooLargeError);
    });

    it('more bytes than the cap, before decoding', async () => {
      expect(await failure(JPEG, { maxInputBytes: 100_000 })).toBeInstanceOf(HashInputTooLargeError);
      expect(await failure(JPEG, { maxInputBytes: 100_000 })).toMatchObject({
        code: 'HASH_INPUT_TOO_LARGE',
        status: 413,
        details: { bytes: JPEG.length, limit: 100_000 },
      });
    });
  });
});
