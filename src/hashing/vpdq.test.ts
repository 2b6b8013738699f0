import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchVpdq, prepareVpdqFrames, type VpdqFrame } from './vpdq.js';

const FIXTURES = new URL('../../test/fixtures/vpdq/', import.meta.url);

/** Upstream sample file: `frame,quality,pdq,seconds` per line, every frame of the clip. */
function sampleFrames(name: string): VpdqFrame[] {
  return readFileSync(new URL(`sample-hashes/${name}.txt`, FIXTURES), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [, quality, pdq, seconds] = line.split(',');
      return { pdq: pdq ?? '', quality: Number(quality), ms: Math.round(Number(seconds) * 1000) };
    });
}

/** `A vs B: 100.00 Percentage Query Video match 83.95 Percentage Target Video match` */
const EXAMPLES = readFileSync(new URL('vpdq-match-examples.txt', FIXTURES), 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const m = /^(\S+) vs (\S+): ([\d.]+) Percentage Query Video match ([\d.]+) Percentage Target/.exec(line);
    if (!m) throw new Error(`unparsed example: ${line}`);
    return { query: m[1] ?? '', target: m[2] ?? '', queryPct: Number(m[3]), targetPct: Number(m[4]) };
  });

const BASE = 'e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c';

/** BASE with its first `n` bits inverted. */
function flip(n: number, hex = BASE): string {
  const bits = [...hex].map((c) => Number.parseInt(c, 16).toString(2).padStart(4, '0')).join('');
  const flipped = [...bits].map((b, i) => (i < n ? (b === '0' ? '1' : '0') : b)).join('');
  return (flipped.match(/.{4}/g) ?? []).map((nibble) => Number.parseInt(nibble, 2).toString(16)).join('');
}

function frames(hashes: string[], quality = 100, stepMs = 1000): VpdqFrame[] {
  return hashes.map((pdq, i) => ({ pdq, quality, ms: i * stepMs }));
}

describe('matchVpdq on the upstream sample hashes', () => {
  it.each(EXAMPLES)('$query vs $target reproduces the reference percentages', (ex) => {
    const r = matchVpdq(sampleFrames(ex.query), sampleFrames(ex.target));
    expect(r.queryMatchPercent).toBeCloseTo(ex.queryPct, 2);
    expect(r.targetMatchPercent).toBeCloseTo(ex.targetPct, 2);
    expect(r.matched).toBe(ex.queryPct >= 80);
  });

  it('dedupe counts each distinct hash once, like python-threatexchange', () => {
    const q = sampleFrames('chair-19-sd-bar');
    const t = sampleFrames('chair-22-sd-sepia-bar');
    const r = matchVpdq(q, t, { dedupe: true });
    expect(r.targetMatchPercent).toBeCloseTo(85.82, 2);
    expect(r.targetFramesCompared).toBeLessThan(t.length);
  });

  it('a clip cut from a longer video matches in one stretch of the longer one', () => {
    const r = matchVpdq(sampleFrames('pattern-hd-no-bar'), sampleFrames('pattern-longer-no-bar'));
    expect(r.queryRanges).toEqual([{ startMs: 0, endMs: 6833 }]);
    expect(r.targetRanges.length).toBeGreaterThanOrEqual(1);
    const covered = r.targetRanges.reduce((sum, x) => sum + x.endMs - x.startMs, 0);
    expect(covered).toBeGreaterThan(5000);
  });
});

describe('matchVpdq rules', () => {
  it('matches at distance 31 and not at 32', () => {
    expect(matchVpdq(frames([BASE]), frames([flip(31)])).queryMatchPercent).toBe(100);
    expect(matchVpdq(frames([BASE]), frames([flip(32)])).queryMatchPercent).toBe(0);
    expect(matchVpdq(frames([BASE]), frames([flip(40)]), { maxDistance: 40 }).matched).toBe(true);
  });

  it('ignores frames under the quality gate on both sides', () => {
    const query = [...frames([BASE, flip(100)]), { pdq: flip(200), quality: 49, ms: 5000 }];
    const target = [{ pdq: flip(100), quality: 10, ms: 0 }, ...frames([BASE])];
    const r = matchVpdq(query, target);
    expect(r.queryFramesCompared).toBe(2);
    expect(r.targetFramesCompared).toBe(1);
    expect(r.queryMatchPercent).toBe(50);
    expect(r.targetMatchPercent).toBe(100);
  });

  it('applies both thresholds', () => {
    const query = frames([BASE, flip(60), flip(120), flip(180)]);
    const target = frames([BASE, flip(60), flip(120), flip(250)]);
    expect(matchVpdq(query, target).matched).toBe(false); // 75 % < 80 %
    expect(matchVpdq(query, target, { queryThreshold: 75 }).matched).toBe(true);
    expect(matchVpdq(query, target, { queryThreshold: 75, targetThreshold: 76 }).matched).toBe(false);
  });

  it('never matches when a side has no usable frame', () => {
    const r = matchVpdq(frames([BASE]), frames([BASE], 20), { queryThreshold: 0 });
    expect(r).toMatchObject({ matched: false, targetFramesCompared: 0, queryMatchPercent: 0 });
  });

  it('merges consecutive matched frames into time ranges; low-quality frames neither extend nor break them', () => {
    const other = flip(128);
    const query = frames([BASE, BASE, BASE, BASE, other, BASE, BASE, BASE, BASE]);
    const dark = query[7];
    if (dark) query[7] = { ...dark, quality: 0 };
    const r = matchVpdq(query, frames([BASE]));
    expect(r.queryRanges).toEqual([
      { startMs: 0, endMs: 3000 },
      { startMs: 5000, endMs: 8000 },
    ]);
    expect(r.targetRanges).toEqual([{ startMs: 0, endMs: 0 }]);
  });

  it('rejects a malformed hash with HASH_INVALID (400)', () => {
    expect(() => matchVpdq(frames(['xyz']), frames([BASE]))).toThrow(
      expect.objectContaining({ code: 'HASH_INVALID', status: 400 }),
    );
  });

  it('gives the same answer from prepared frame sets, and accepts upper-case hex', () => {
    const q = frames([BASE.toUpperCase(), flip(10)]);
    const t = frames([flip(20), flip(90)]);
    expect(matchVpdq(prepareVpdqFrames(q), prepareVpdqFrames(t))).toEqual(matchVpdq(q, t));
  });

  // No timing assertion (the machine is shared; timings belong in bench/): this proves that the worst
  // case completes and finds nothing.
  it('compares two hour-long videos (3600 × 3600 frames) of unrelated frames', () => {
    // Unrelated random frames are the worst case: no pair can be skipped.
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed.toString(16).padStart(8, '0');
    };
    const long = () => Array.from({ length: 3600 }, () => Array.from({ length: 8 }, rand).join(''));
    const r = matchVpdq(frames(long()), frames(long()));
    expect(r.queryMatchPercent).toBe(0);
    expect(r.targetMatchPercent).toBe(0);
  });
});
