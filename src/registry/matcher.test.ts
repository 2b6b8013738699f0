import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blockhashFlipped } from '../hashing/blockhash.js';
import { Matcher } from './matcher.js';
import type { RegistryHashRow } from './types.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Flips `bits` distinct bits of a 64-hex-digit hash. */
function flip(h: string, bits: number): string {
  const b = Buffer.from(h, 'hex');
  const picked = new Set<number>();
  while (picked.size < bits) picked.add(Math.floor(Math.random() * 256));
  for (const i of picked) b[i >> 3] = (b[i >> 3] ?? 0) ^ (1 << (i & 7));
  return b.toString('hex');
}

let nextId = 1;
const row = (
  r: Partial<RegistryHashRow> & Pick<RegistryHashRow, 'signal' | 'value' | 'itemId'>,
): RegistryHashRow => ({
  id: nextId++,
  caseId: 1,
  quality: r.signal === 'pdq' ? 90 : null,
  variant: 'original',
  frameMs: null,
  ...r,
});

describe('Matcher', () => {
  it('matches exact digests and PDQ within the threshold, never beyond it', () => {
    const m = new Matcher();
    const pdq = hex(32);
    const sha = hex(32);
    m.add([
      row({ itemId: 10, signal: 'pdq', value: pdq }),
      row({ itemId: 11, signal: 'sha256', value: sha }),
    ]);
    expect(m.match({ kind: 'image', sha256: sha })).toMatchObject([
      { itemId: 11, signal: 'sha256', distance: 0, score: 1 },
    ]);
    const near = m.match({ kind: 'image', pdq: flip(pdq, 31), pdqQuality: 80 });
    expect(near).toMatchObject([{ itemId: 10, signal: 'pdq', distance: 31 }]);
    expect(m.match({ kind: 'image', pdq: flip(pdq, 32), pdqQuality: 80 })).toEqual([]);
  });

  it('ignores low-quality PDQ on both sides', () => {
    const m = new Matcher();
    const weak = hex(32);
    const strong = hex(32);
    m.add([
      row({ itemId: 1, signal: 'pdq', value: weak, quality: 40 }),
      row({ itemId: 2, signal: 'pdq', value: strong }),
    ]);
    expect(m.match({ kind: 'image', pdq: weak, pdqQuality: 100 })).toEqual([]);
    expect(m.match({ kind: 'image', pdq: strong, pdqQuality: 49 })).toEqual([]);
    expect(m.match({ kind: 'image', pdq: strong, pdqQuality: 50 })).toHaveLength(1);
  });

  it('reports one result per item, the best variant, and stops matching removed rows at once', () => {
    const m = new Matcher();
    const orig = hex(32);
    const crop = hex(32);
    const a = row({ itemId: 5, signal: 'pdq', value: orig });
    const b = row({ itemId: 5, signal: 'pdq', value: crop, variant: 'crop-c10' });
    m.add([a, b, a]);
    expect(m.size).toBe(2);
    expect(m.match({ kind: 'image', pdq: flip(crop, 3), pdqQuality: 90 })).toMatchObject([
      { itemId: 5, variant: 'crop-c10', distance: 3 },
    ]);
    expect(m.remove([a.id, b.id, 999_999])).toBe(2);
    expect(m.match({ kind: 'image', pdq: orig, pdqQuality: 90 })).toEqual([]);
  });

  it('tries rotations and flips only when given and allowed', () => {
    const stored = hex(32);
    const original = hex(32);
    const dihedral = { original, rotate90: hex(32), rotate180: stored, flipX: hex(32) };
    const on = new Matcher();
    on.add([row({ itemId: 7, signal: 'pdq', value: stored })]);
    expect(on.match({ kind: 'image', pdq: original, pdqQuality: 90, pdqDihedral: dihedral })).toMatchObject([
      { itemId: 7, dihedral: 'rotate180', distance: 0 },
    ]);
    const off = new Matcher({ dihedral: false });
    off.add([row({ itemId: 7, signal: 'pdq', value: stored })]);
    expect(off.match({ kind: 'image', pdq: original, pdqQuality: 90, pdqDihedral: dihedral })).toEqual([]);
  });

  it('matches videos by the share of frames, both ways, with the matched time ranges', () => {
    const m = new Matcher();
    const registered = Array.from({ length: 10 }, () => hex(32));
    m.add(
      registered.map((value, i) =>
        row({ itemId: 20, signal: 'pdq', value, variant: 'frame', frameMs: i * 1000 }),
      ),
    );
    // A crawled compilation: 5 unrelated frames, then 9 of the 10 registered frames, slightly re-encoded.
    const frames = [
      ...Array.from({ length: 5 }, (_, i) => ({ ms: i * 1000, pdq: hex(32), pdqQuality: 90 })),
      ...registered.slice(0, 9).map((h, i) => ({ ms: (5 + i) * 1000, pdq: flip(h, 6), pdqQuality: 90 })),
    ];
    const [hit] = m.match({ kind: 'video', frames });
    expect(hit).toMatchObject({ itemId: 20, signal: 'vpdq', distance: 6 });
    expect(hit?.video).toEqual({
      registeredMatchPercent: 90,
      crawledMatchPercent: 64.29,
      framesMatched: 9,
      ranges: [{ startMs: 5000, endMs: 13000 }],
    });
    // Two matching frames of fourteen, and two of ten registered: below 80% either way.
    expect(m.match({ kind: 'video', frames: [...frames.slice(0, 5), ...frames.slice(5, 7)] })).toEqual([]);
  });

  it('finds a registered image inside a crawled video', () => {
    const m = new Matcher();
    const img = hex(32);
    m.add([row({ itemId: 30, signal: 'pdq', value: img })]);
    const frames = [0, 1, 2].map((i) => ({
      ms: i * 1000,
      pdq: i === 1 ? flip(img, 2) : hex(32),
      pdqQuality: 90,
    }));
    expect(m.match({ kind: 'video', frames })).toMatchObject([
      { itemId: 30, signal: 'pdq', distance: 2, video: { ranges: [{ startMs: 1000, endMs: 1000 }] } },
    ]);
  });
});

describe('Matcher: blockhash corroborating a distant PDQ', () => {
  it('matches a mirrored or upside-down copy through its flipped blockhash and PDQ, not a quarter turn', () => {
    const pdq = hex(32);
    const block = hex(32);
    const rows = [
      row({ itemId: 9, signal: 'pdq', value: pdq }),
      row({ itemId: 9, signal: 'blockhash', value: block }),
    ];
    const m = new Matcher({ blockhashThreshold: 12, blockhashPdqCeiling: 90 });
    const straightOnly = new Matcher({ blockhashThreshold: 12, blockhashPdqCeiling: 90, dihedral: false });
    m.add(rows);
    straightOnly.add(rows);
    for (const name of ['flipY', 'flipX', 'rotate180'] as const) {
      // The copy is the registered image flipped: its blockhash is the flipped one (4 bits off), and
      // its PDQ flipped back is 50 bits from the registered PDQ (too far for the PDQ rule).
      const copy = {
        kind: 'image' as const,
        pdq: hex(32),
        pdqQuality: 80,
        blockhash: flip(blockhashFlipped(block, name), 4),
        pdqDihedral: { original: hex(32), [name]: flip(pdq, 50) },
      };
      expect(m.match(copy)).toMatchObject([
        { itemId: 9, signal: 'blockhash', dihedral: name, distance: 4, pdqDistance: 50, variant: 'original' },
      ]);
      expect(straightOnly.match(copy)).toEqual([]);
      // The flipped PDQ must corroborate, as for a straight copy.
      expect(m.match({ ...copy, pdqDihedral: { [name]: flip(pdq, 91) } })).toEqual([]);
    }
    // A quarter turn cannot be derived from the bits: a turned copy whose PDQ corroborates is not
    // matched through blockhash.
    const turned = { kind: 'image' as const, pdq: hex(32), pdqQuality: 80, blockhash: hex(32) };
    expect(m.match({ ...turned, pdqDihedral: { rotate90: flip(pdq, 50) } })).toEqual([]);
  });

  it('matches when blockhash is within its threshold and PDQ under the ceiling, and only then', () => {
    const m = new Matcher({ blockhashThreshold: 12, blockhashPdqCeiling: 90 });
    const pdq = hex(32);
    const block = hex(32);
    const bh = row({ itemId: 7, signal: 'blockhash', value: block });
    const original = row({ itemId: 7, signal: 'pdq', value: pdq });
    m.add([original, bh, row({ itemId: 7, signal: 'pdq', value: hex(32), variant: 'crop-c10' })]);
    // PDQ 60 bits off (too far for the PDQ rule), blockhash 5 bits off: matched, ranked as blockhash.
    const copy = { kind: 'image' as const, pdq: flip(pdq, 60), pdqQuality: 80, blockhash: flip(block, 5) };
    expect(m.match(copy)).toMatchObject([
      { itemId: 7, signal: 'blockhash', distance: 5, pdqDistance: 60, variant: 'original' },
    ]);
    const [hit] = m.match(copy);
    expect(hit?.score).toBeGreaterThan(0);
    // Ranked below any PDQ match: one at the threshold, even a flipped copy's (ranked just below
    // straight ones), with the blockhash at 0 bits.
    const weakest = new Matcher();
    weakest.add([row({ itemId: 2, signal: 'pdq', value: pdq })]);
    const [straight] = weakest.match({ kind: 'image', pdq: flip(pdq, 31), pdqQuality: 80 });
    const [flipped] = weakest.match({
      kind: 'image',
      pdq: hex(32),
      pdqQuality: 80,
      pdqDihedral: { original: hex(32), flipX: flip(pdq, 31) },
    });
    expect(flipped?.dihedral).toBe('flipX');
    const [exact] = m.match({ ...copy, blockhash: block });
    expect(exact?.score).toBeLessThan(flipped?.score ?? 0);
    expect(flipped?.score).toBeLessThan(straight?.score ?? 0);
    // Either hash too far, no match: blockhash 13 bits, or PDQ past the ceiling.
    expect(m.match({ ...copy, blockhash: flip(block, 13) })).toEqual([]);
    expect(m.match({ ...copy, pdq: flip(pdq, 91) })).toEqual([]);
    // A PDQ under the gate, or no PDQ of the registered image at all, never matches this way.
    expect(m.match({ ...copy, pdqQuality: 49 })).toEqual([]);
    // A second original row of the item comes and goes without disturbing the first.
    const second = row({ itemId: 7, signal: 'pdq', value: hex(32) });
    m.add([second]);
    m.remove([second.id, 424_242]);
    expect(m.match(copy)).toMatchObject([{ itemId: 7, signal: 'blockhash', pdqDistance: 60 }]);
    m.remove([original.id]);
    expect(m.match(copy)).toEqual([]);
    // A PDQ match of the same item wins over the blockhash one.
    m.add([row({ itemId: 7, signal: 'pdq', value: pdq })]);
    expect(m.match({ ...copy, pdq: flip(pdq, 20) })).toMatchObject([
      { itemId: 7, signal: 'pdq', distance: 20 },
    ]);
    // Removing the blockhash row stops the rule; threshold 0 switches it off.
    m.remove([bh.id]);
    expect(m.match(copy)).toEqual([]);
    const off = new Matcher({ blockhashThreshold: 0 });
    off.add([
      row({ itemId: 8, signal: 'pdq', value: pdq }),
      row({ itemId: 8, signal: 'blockhash', value: block }),
    ]);
    expect(off.match(copy)).toEqual([]);
  });
});

describe('Matcher.load', () => {
  it('gives the same answers as adding rows one by one', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) =>
      row({
        itemId: i % 700,
        signal: i % 5 === 0 ? 'sha256' : i % 7 === 0 ? 'blockhash' : 'pdq',
        value: hex(32),
        quality: i % 9 === 0 ? 20 : 90,
        variant: i % 3 === 0 ? 'frame' : 'original',
        frameMs: i % 3 === 0 ? i : null,
      }),
    );
    async function* pages() {
      for (let i = 0; i < rows.length; i += 1000) yield rows.slice(i, i + 1000);
    }
    const bulk = await Matcher.load(pages());
    const single = new Matcher();
    single.add(rows);
    expect(bulk.size).toBe(single.size);
    for (const r of rows.filter((_, i) => i % 37 === 0)) {
      const q =
        r.signal === 'pdq'
          ? { kind: 'image' as const, pdq: flip(r.value, 5), pdqQuality: 90 }
          : { kind: 'image' as const, sha256: r.value };
      expect(bulk.match(q)).toEqual(single.match(q));
    }
    // A bulk-loaded matcher still takes additions and removals.
    const extra = row({ itemId: 9999, signal: 'pdq', value: hex(32) });
    bulk.add([extra]);
    expect(bulk.match({ kind: 'image', pdq: extra.value, pdqQuality: 90 })).toHaveLength(1);
    bulk.remove([extra.id]);
    expect(bulk.match({ kind: 'image', pdq: extra.value, pdqQuality: 90 })).toEqual([]);
  });
});
