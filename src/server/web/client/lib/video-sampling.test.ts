import { describe, expect, it } from 'vitest';
import { mp4Timing, parseMoov } from './mp4-timing.js';
import { sampleFrames, snapNtsc } from './video-sampling.js';

/** An ISO-BMFF box: 32-bit size, type, payload. */
function box(type: string, ...payload: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const size = 8 + payload.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set(new TextEncoder().encode(type), 4);
  let at = 8;
  for (const p of payload) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function words(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view.setUint32(i * 4, v);
  return out;
}

const ascii = (s: string) => new TextEncoder().encode(s);

/** A `moov` with one video track: `timescale` ticks per second and `stts` as [count, delta] pairs. */
function moov(timescale: number, stts: [number, number][], handler = 'vide'): Uint8Array<ArrayBuffer> {
  const hdlr = box('hdlr', words(0, 0), ascii(handler), words(0, 0, 0), new Uint8Array(1));
  const mdhd = box('mdhd', words(0, 0, 0, timescale, 0, 0));
  const sttsBox = box('stts', words(0, stts.length, ...stts.flat()));
  const trak = box('trak', box('mdia', mdhd, hdlr, box('minf', box('stbl', sttsBox))));
  return box('moov', trak);
}

describe('mp4Timing', () => {
  it('reads frame count and rate of the first video track from the index', async () => {
    const file = new Blob([
      box('ftyp', ascii('isom'), words(512)),
      box('mdat', new Uint8Array(100)),
      moov(30000, [[150, 1001]]),
    ]);
    const timing = await mp4Timing(file);
    expect(timing?.frames).toBe(150);
    expect(timing?.rate).toBeCloseTo(29.97003, 5);
  });

  it('takes the usual frame duration of a variable-rate phone video, and skips audio tracks', () => {
    const payload = (b: Uint8Array) => b.subarray(8);
    const audio = moov(44100, [[100, 1024]], 'soun');
    const both = box(
      'moov',
      payload(audio),
      payload(
        moov(600, [
          [3, 20],
          [200, 20],
          [1, 21],
          [90, 20],
        ]),
      ),
    );
    expect(parseMoov(payload(both))).toEqual({ frames: 294, rate: 30 });
  });

  it('answers null for what is not an MP4 with sample durations', async () => {
    await expect(
      mp4Timing(new Blob([new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0, 0, 0])])),
    ).resolves.toBeNull();
    expect(parseMoov(moov(600, []).subarray(8))).toBeNull();
  });
});

describe('sampleFrames', () => {
  it("picks ffmpeg's frames at 29.97 fps: every 29th, timed as the server times them", () => {
    const plan = sampleFrames({ frames: 150, rate: 30000 / 1001 }, 5.005, 3600);
    expect(plan.map((f) => f.ms)).toEqual([0, 968, 1935, 2903, 3871, 4838]);
    // Seeks land mid-frame, so rounding of times cannot pick the neighbour.
    expect(plan[1]?.seekSeconds).toBeCloseTo(29.5 / (30000 / 1001), 9);
  });

  it('reads rates the way the server reads ffmpeg’s printed ones', () => {
    expect(snapNtsc(29.97)).toBeCloseTo(30000 / 1001, 9);
    expect(snapNtsc(25)).toBe(25);
    expect(snapNtsc(29.98)).toBe(29.98);
  });

  it('uses whole seconds when the container gives no timing, and stops one past the limit', () => {
    expect(sampleFrames(null, 3.2, 3600).map((f) => f.ms)).toEqual([0, 1000, 2000, 3000]);
    expect(sampleFrames(null, 7200, 3600)).toHaveLength(3601);
    expect(sampleFrames({ frames: 25 * 7200, rate: 25 }, 7200, 3600)).toHaveLength(3601);
  });
});
