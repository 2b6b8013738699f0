/**
 * PDQ against Meta's published reference vectors (test/fixtures/pdq, see its README), decoded through
 * our sharp adapter. PNG decodes identically everywhere, so PNG vectors must match bit for bit; JPEG
 * and WebP decoders may differ slightly, so those may move a few bits (measured: all 0 except the
 * CMYK JPEG, whose CMYK→RGB conversion differs from PIL's naive formula).
 */
import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './decode-image.js';
import { hammingDistanceHex } from './hex.js';
import { type DihedralName, pdqHash, pdqHashWithDihedrals } from './pdq.js';

const FIXTURES = new URL('../../test/fixtures/pdq/', import.meta.url);
const JPEG_MAX_BITS = 6;

interface Vector {
  path: string;
  width: number;
  height: number;
  cliHash: string;
  cliQuality: number;
  fullHash: string;
  fullQuality: number;
}

const vectors: Vector[] = readFileSync(new URL('expected/pdq-expected.csv', FIXTURES), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(','))
  .map(([path = '', w = '', h = '', cli = '', cliQ = '', , full = '', fullQ = '']) => ({
    path,
    width: Number(w),
    height: Number(h),
    cliHash: cli,
    cliQuality: Number(cliQ),
    fullHash: full,
    fullQuality: Number(fullQ),
  }))
  // The 12 MP exif-rotn photos are not in the fixtures (see README); decode-image.test.ts covers them.
  .filter((v) => !v.path.includes('exif-rotn'));

async function decodeFixture(path: string) {
  return decodeImage(readFileSync(new URL(`images/${path}`, FIXTURES)), {
    maxHashPixels: Number.POSITIVE_INFINITY,
  });
}

/** The C++ CLI's preprocessing: anything larger than 512 px resized to 512×512, nearest neighbour. */
function cliResize(px: Uint8Array, w: number, h: number): { px: Uint8Array; w: number; h: number } {
  if (w <= 512 && h <= 512) return { px, w, h };
  const out = new Uint8Array(512 * 512 * 4);
  for (let y = 0; y < 512; y++) {
    const sy = Math.floor((y * h) / 512);
    for (let x = 0; x < 512; x++) {
      const s = (sy * w + Math.floor((x * w) / 512)) * 4;
      out.set(px.subarray(s, s + 4), (y * 512 + x) * 4);
    }
  }
  return { px: out, w: 512, h: 512 };
}

function bound(path: string): number {
  return path.endsWith('.png') ? 0 : JPEG_MAX_BITS;
}

describe('PDQ reference vectors', () => {
  it('covers the fixture set (7 PNG, 38 JPEG/WebP)', () => {
    expect(vectors).toHaveLength(45);
    expect(vectors.filter((v) => v.path.endsWith('.png'))).toHaveLength(7);
  });

  it.each(vectors)('$path: full resolution', async (v) => {
    const d = await decodeFixture(v.path);
    expect([d.width, d.height]).toEqual([v.width, v.height]);
    const { hash, quality } = pdqHash(d.pixels, d.width, d.height, 4);
    expect(hammingDistanceHex(hash, v.fullHash)).toBeLessThanOrEqual(bound(v.path));
    expect(quality).toBe(v.fullQuality);
  });

  it.each(vectors)('$path: CLI convention (512×512 nearest first)', async (v) => {
    const d = await decodeFixture(v.path);
    const r = cliResize(d.pixels, d.width, d.height);
    const { hash, quality } = pdqHash(r.px, r.w, r.h, 4);
    // CMYK: 10 bits here, from the colour conversion (PIL converts CMYK naively, libvips via a profile).
    const allowed = v.path.endsWith('CMYK.jpg') ? 10 : bound(v.path);
    expect(hammingDistanceHex(hash, v.cliHash)).toBeLessThanOrEqual(allowed);
    expect(quality).toBe(v.cliQuality);
  });
});

describe('PDQ dihedral hashes', () => {
  const original = 'reg-test-input/dih/bridge-1-original.jpg';
  const expected = Object.fromEntries(
    readFileSync(new URL('expected/dihedral-bridge-1-original.txt', FIXTURES), 'utf8')
      .split('\n')
      .filter((l) => l.includes('xform='))
      .map((l) => [/xform=(\w+)/.exec(l)?.[1], /hash=(\w+)/.exec(l)?.[1]]),
  ) as Record<string, string>;
  const cliNames: Record<string, DihedralName> = {
    orig: 'original',
    rot90: 'rotate90',
    rot180: 'rotate180',
    rot270: 'rotate270',
    flipx: 'flipX',
    flipy: 'flipY',
    flipp: 'flipPlus1',
    flipm: 'flipMinus1',
  };

  it('reproduces the CLI --pdqdih output for bridge-1-original.jpg', async () => {
    const d = await decodeFixture(original);
    const r = cliResize(d.pixels, d.width, d.height);
    const { hashes } = pdqHashWithDihedrals(r.px, r.w, r.h, 4);
    expect(Object.keys(expected)).toHaveLength(8);
    for (const [cli, ours] of Object.entries(cliNames)) {
      expect(hammingDistanceHex(hashes[ours], expected[cli] ?? ''), cli).toBeLessThanOrEqual(JPEG_MAX_BITS);
    }
  });

  // How each dihedral name relates to sharp's operations (rotate() turns clockwise).
  const transforms: [DihedralName, string, (s: Sharp) => Sharp][] = [
    ['rotate90', 'bridge-2-rotate-90.jpg', (s) => s.rotate(270)],
    ['rotate180', 'bridge-3-rotate-180.jpg', (s) => s.rotate(180)],
    ['rotate270', 'bridge-4-rotate-270.jpg', (s) => s.rotate(90)],
    ['flipX', 'bridge-5-flipx.jpg', (s) => s.flip()],
    ['flipY', 'bridge-6-flipy.jpg', (s) => s.flop()],
    ['flipPlus1', 'bridge-7-flip-plus-1.jpg', (s) => s.rotate(90).flip()],
    ['flipMinus1', 'bridge-8-flip-minus-1.jpg', (s) => s.rotate(90).flop()],
  ];

  it.each(transforms)(
    '%s of the original ≈ PDQ of the transformed image (sharp and upstream file)',
    async (name, file, op) => {
      const d = await decodeFixture(original);
      const dihedral = pdqHashWithDihedrals(d.pixels, d.width, d.height, 4).hashes[name];
      const bytes = readFileSync(new URL(`images/${original}`, FIXTURES));
      const { data, info } = await op(sharp(bytes)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      // Measured 0–8 bits: PDQ's sampling grid is not exactly symmetric, so a transform moves a few bits.
      expect(
        hammingDistanceHex(dihedral, pdqHash(data, info.width, info.height, 4).hash),
      ).toBeLessThanOrEqual(8);
      const upstream = await decodeFixture(`reg-test-input/dih/${file}`);
      expect(
        hammingDistanceHex(dihedral, pdqHash(upstream.pixels, upstream.width, upstream.height, 4).hash),
      ).toBeLessThanOrEqual(8);
      // And it is not just any hash: the other transforms are far away.
      const others = Object.entries(pdqHashWithDihedrals(d.pixels, d.width, d.height, 4).hashes).filter(
        ([n]) => n !== name,
      );
      for (const [, h] of others) expect(hammingDistanceHex(h, dihedral)).toBeGreaterThan(80);
    },
  );
});

describe('python-threatexchange test resources (CLI hashes)', () => {
  const cli = Object.fromEntries(
    readFileSync(new URL('expected/ptx-test-resources.cli.txt', FIXTURES), 'utf8')
      .split('\n')
      .filter((l) => l.includes('ptx-test-resources/'))
      .map((l) => [/ptx-test-resources\/([^,\s]+)/.exec(l)?.[1], /hash=(\w+)/.exec(l)?.[1]]),
  ) as Record<string, string>;
  const ptx = (name: string): Buffer => readFileSync(new URL(`ptx/${name}`, FIXTURES));

  it.each([
    ['rgb.jpeg', JPEG_MAX_BITS],
    ['random_image_from_test_pdq_hasher.png', 0],
    ['letterboxed_sample-b.jpg', JPEG_MAX_BITS],
  ])('%s', async (name, allowed) => {
    const d = await decodeImage(ptx(name), { maxHashPixels: Number.POSITIVE_INFINITY });
    const r = cliResize(d.pixels, d.width, d.height);
    expect(hammingDistanceHex(pdqHash(r.px, r.w, r.h, 4).hash, cli[name] ?? '')).toBeLessThanOrEqual(allowed);
  });

  it('I16.png: the reference hashes the low byte of each 16-bit sample; we keep the high byte', async () => {
    const wide = await sharp(ptx('I16.png'))
      .toColourspace('grey16')
      .raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
    const samples = new Uint16Array(
      wide.data.buffer.slice(wide.data.byteOffset, wide.data.byteOffset + wide.data.byteLength),
    );
    const { width, height } = wide.info;
    const lowByte = Uint8Array.from(samples, (v) => v & 255);
    const highByte = Uint8Array.from(samples, (v) => v >> 8);
    expect(pdqHash(lowByte, width, height, 1).hash).toBe(cli['I16.png']);
    const d = await decodeImage(ptx('I16.png'));
    const ours = pdqHash(d.pixels, d.width, d.height, 4).hash;
    expect(ours).toBe(pdqHash(highByte, width, height, 1).hash);
    // The low byte is noise to a viewer: the two conventions share nothing (measured 130 bits).
    expect(hammingDistanceHex(ours, cli['I16.png'] ?? '')).toBeGreaterThan(90);
  });

  it('LA.png (mostly translucent): the reference ignores alpha; we composite over white', async () => {
    const d = await decodeImage(ptx('LA.png'));
    const opaque = d.pixels.slice();
    for (let i = 3; i < opaque.length; i += 4) opaque[i] = 255;
    expect(pdqHash(opaque, d.width, d.height, 4).hash).toBe(cli['LA.png']);
    // Measured 60 bits: 99% of its pixels are translucent, so the two rules see different images.
    expect(
      hammingDistanceHex(pdqHash(d.pixels, d.width, d.height, 4).hash, cli['LA.png'] ?? ''),
    ).toBeGreaterThan(30);
  });
});
