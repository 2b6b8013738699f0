import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fileDigests } from './digest.js';
import { HashDecodeFailedError, HashUnsupportedFormatError } from './errors.js';
import { hashImageBytes } from './hash-image.js';
import { hammingDistanceHex } from './hex.js';

const FIXTURES = new URL('../../test/fixtures/pdq/', import.meta.url);
const PHOTO = readFileSync(new URL('images/bridge-mods/aaa-orig.jpg', FIXTURES));
const PHOTO_FULLRES_PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

describe('hashImageBytes', () => {
  it('returns every hash of a photo, matching the reference PDQ', async () => {
    const h = await hashImageBytes(PHOTO);
    expect(h).toMatchObject({
      kind: 'image',
      width: 1600,
      height: 1004,
      format: 'jpeg',
      pdq: PHOTO_FULLRES_PDQ,
      pdqQuality: 100,
    });
    expect(h).toMatchObject(fileDigests(PHOTO));
    expect(h.blockhash).toMatch(/^[0-9a-f]{64}$/);
    expect(h.hashedBox).toBeUndefined();
    expect(h.pdqDihedral).toBeUndefined();
  });

  it('adds the 8 dihedral hashes on request, original equal to pdq', async () => {
    const h = await hashImageBytes(PHOTO, { dihedral: true });
    expect(h.pdqDihedral?.original).toBe(h.pdq);
    expect(Object.keys(h.pdqDihedral ?? {})).toHaveLength(8);
  });

  it('hashes a letterboxed copy like the original, and says what it kept', async () => {
    const h = await hashImageBytes(readFileSync(new URL('ptx/letterboxed_sample-b.jpg', FIXTURES)));
    expect(h).toMatchObject({ width: 2000, height: 1404, pdq: PHOTO_FULLRES_PDQ });
    expect(h.hashedBox).toEqual({ left: 200, top: 200, width: 1600, height: 1004 });
    const untrimmed = await hashImageBytes(readFileSync(new URL('ptx/letterboxed_sample-b.jpg', FIXTURES)), {
      trimBorders: false,
    });
    expect(hammingDistanceHex(untrimmed.pdq, PHOTO_FULLRES_PDQ)).toBeGreaterThan(60);
  });

  it('reduces images above 4 MP, staying within a few bits of full resolution', async () => {
    // A 6.4 MP copy of the photo (lossless, so only the reduction differs).
    const big = await sharp(PHOTO)
      .resize(3200, 2008, { kernel: 'lanczos3' })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const reduced = await hashImageBytes(big);
    const full = await hashImageBytes(big, { maxHashPixels: Number.POSITIVE_INFINITY });
    expect([reduced.width, reduced.height]).toEqual([3200, 2008]);
    expect(hammingDistanceHex(reduced.pdq, full.pdq)).toBeLessThanOrEqual(8);
    expect(hammingDistanceHex(reduced.blockhash, full.blockhash)).toBeLessThanOrEqual(4);
    expect(hammingDistanceHex(reduced.pdq, PHOTO_FULLRES_PDQ)).toBeLessThanOrEqual(10);
  });

  it('passes on the typed errors of decoding', async () => {
    await expect(hashImageBytes(new Uint8Array(0))).rejects.toThrow(HashDecodeFailedError);
    await expect(hashImageBytes(new TextEncoder().encode('<svg/>'))).rejects.toThrow(
      HashUnsupportedFormatError,
    );
  });

  it('gives tiny images the empty PDQ hash with quality 0 instead of failing', async () => {
    const dot = await sharp({ create: { width: 3, height: 3, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    const h = await hashImageBytes(dot);
    expect(h).toMatchObject({ width: 3, height: 3, pdq: '0'.repeat(64), pdqQuality: 0 });
  });
});
