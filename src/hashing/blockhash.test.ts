/**
 * blockhash against upstream's 16-bit "precise" vectors (test/fixtures/blockhash), decoded through
 * our sharp adapter: PNG bit for bit, JPEG within 2 bits (measured: all 17 exact).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blockhash } from './blockhash.js';
import { decodeImage } from './decode-image.js';
import { hammingDistanceHex } from './hex.js';

const FIXTURES = new URL('../../test/fixtures/blockhash/', import.meta.url);

/** Minimal CSV: the file quotes fields that contain commas, and nothing else. */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

const [header = '', ...rows] = readFileSync(new URL('blockhash-expected.csv', FIXTURES), 'utf8')
  .trim()
  .split('\n');
const columns = parseCsvLine(header);
const vectors = rows
  .map(
    (row) => Object.fromEntries(parseCsvLine(row).map((v, i) => [columns[i], v])) as Record<string, string>,
  )
  .filter((r) => r.bits === '16' && r.method === '2')
  .map((r) => ({ image: r.image ?? '', expected: r.expected_upstream_txt ?? '' }));

describe('blockhash reference vectors (16 bits per side, precise method)', () => {
  it('covers all 17 upstream images', () => {
    expect(vectors).toHaveLength(17);
    expect(vectors.every((v) => /^[0-9a-f]{64}$/.test(v.expected))).toBe(true);
  });

  it.each(vectors)('$image', async ({ image, expected }) => {
    const d = await decodeImage(readFileSync(new URL(`images/${image}`, FIXTURES)));
    const hash = blockhash(d.pixels, d.width, d.height, 4);
    expect(hammingDistanceHex(hash, expected)).toBeLessThanOrEqual(image.endsWith('.png') ? 0 : 2);
  });
});

describe('blockhash', () => {
  const width = 97;
  const height = 61;
  const rgb = new Uint8Array(width * height * 3).map((_, i) => ((i * 31) ^ (i >> 7)) & 255);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++)
    rgba.set([rgb[3 * i]!, rgb[3 * i + 1]!, rgb[3 * i + 2]!, 255], 4 * i);

  it('hashes RGB exactly like the same pixels as opaque RGBA', () => {
    expect(blockhash(rgb, width, height, 3)).toBe(blockhash(rgba, width, height, 4));
  });

  it('hashes grey like RGB with three equal channels', () => {
    const grey = rgb.filter((_, i) => i % 3 === 0);
    const expanded = new Uint8Array(grey.length * 3);
    for (const [i, v] of grey.entries()) expanded.set([v, v, v], 3 * i);
    expect(blockhash(grey, width, height, 1)).toBe(blockhash(expanded, width, height, 3));
  });

  it('counts fully transparent pixels as white, as upstream', () => {
    const transparent = rgba.slice();
    const white = rgba.slice();
    for (let i = 0; i < width * 20; i++) {
      transparent[4 * i + 3] = 0;
      white.set([255, 255, 255, 255], 4 * i);
    }
    expect(blockhash(transparent, width, height, 4)).toBe(blockhash(white, width, height, 4));
  });

  it('refuses a buffer too short for the stated size', () => {
    expect(() => blockhash(new Uint8Array(10), 16, 16, 4)).toThrow(RangeError);
    expect(() => blockhash(new Uint8Array(0), 0, 0, 4)).toThrow(RangeError);
  });
});
