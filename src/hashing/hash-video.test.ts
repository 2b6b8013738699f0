import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashVideo, type VideoHashes, type VideoHashProgress, type VideoSource } from './hash-video.js';
import { hammingDistanceHex } from './hex.js';
import { matchVpdq } from './vpdq.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/vpdq/', import.meta.url));
const videoPath = (name: string) => join(FIXTURES, 'videos', `${name}.mp4`);
const file = (name: string): VideoSource => ({ kind: 'file', path: videoPath(name) });

/**
 * The 7 fixture clips, hashed once at every frame (the sampling of the upstream sample files and of the
 * reference match percentages). About 2 600 frames: ~15 s on two cores, the bulk of this file's time.
 */
const CLIPS = [
  'test-padded-dimensions',
  'doorknob-hd-no-bar',
  'pattern-hd-no-bar',
  'pattern-longer-no-bar',
  'chair-19-sd-bar',
  'chair-22-sd-sepia-bar',
  'chair-22-with-large-logo-bar',
];
const everyFrame = new Map<string, VideoHashes>();
beforeAll(async () => {
  for (const name of CLIPS) everyFrame.set(name, await hashVideo(file(name), { secondsPerFrame: 0 }));
}, 120_000);

function hashed(name: string): VideoHashes {
  const h = everyFrame.get(name);
  if (!h) throw new Error(`${name} was not hashed`);
  return h;
}

function sample(name: string): { quality: number; pdq: string; seconds: string }[] {
  return readFileSync(join(FIXTURES, 'sample-hashes', `${name}.txt`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(','))
    .map(([, quality, pdq, seconds]) => ({
      quality: Number(quality),
      pdq: pdq ?? '',
      seconds: seconds ?? '',
    }));
}

/** A lavfi graph encoded to matroska in memory, with its duration in the header. */
function lavfi(graph: string, seconds: number): Buffer {
  const args = ['-v', 'error', '-f', 'lavfi', '-i', graph, '-t', String(seconds), '-f', 'matroska', 'pipe:1'];
  return execFileSync('ffmpeg', args);
}

describe('hashVideo against the upstream vPDQ sample hashes', () => {
  it.each(CLIPS)('%s: same frame count and times; frame hashes within a few bits', (name) => {
    const ours = hashed(name).frames;
    const ref = sample(name);
    expect(ours.map((f) => (f.ms / 1000).toFixed(3))).toEqual(ref.map((r) => r.seconds));
    const diffs = ours.map((f, i) => hammingDistanceHex(f.pdq, ref[i]?.pdq ?? '')).sort((a, b) => a - b);
    // Measured with Debian's ffmpeg 5.1: median 0 for every clip, max 2–4 bits.
    expect(diffs[diffs.length >> 1]).toBeLessThanOrEqual(4);
    expect(diffs.at(-1)).toBeLessThanOrEqual(12);
    const qualityGap = Math.max(...ours.map((f, i) => Math.abs(f.pdqQuality - (ref[i]?.quality ?? 0))));
    expect(qualityGap).toBeLessThanOrEqual(5);
  });

  const examples = readFileSync(join(FIXTURES, 'vpdq-match-examples.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => /^(\S+) vs (\S+): ([\d.]+) Percentage Query Video match ([\d.]+)/.exec(line))
    .map((m) => ({
      query: m?.[1] ?? '',
      target: m?.[2] ?? '',
      queryPct: Number(m?.[3]),
      targetPct: Number(m?.[4]),
    }))
    .filter((ex) => CLIPS.includes(ex.query) && CLIPS.includes(ex.target));

  it('covers 4 of the 6 example pairs (the others need clips not copied)', () => {
    expect(examples).toHaveLength(4);
  });

  it.each(examples)('$query vs $target: match percentages within 10 points of the reference', (ex) => {
    const toFrames = (h: VideoHashes) =>
      h.frames.map((f) => ({ pdq: f.pdq, quality: f.pdqQuality, ms: f.ms }));
    const r = matchVpdq(toFrames(hashed(ex.query)), toFrames(hashed(ex.target)));
    expect(Math.abs(r.queryMatchPercent - ex.queryPct)).toBeLessThanOrEqual(10);
    expect(Math.abs(r.targetMatchPercent - ex.targetPct)).toBeLessThanOrEqual(10);
  });

  it('at 1 frame per second, hashes exactly frames 0, 30, 60, … of the every-frame run', async () => {
    const perSecond = await hashVideo(file('doorknob-hd-no-bar'));
    const all = hashed('doorknob-hd-no-bar').frames;
    expect(perSecond.frames).toEqual(all.filter((_, i) => i % 30 === 0));
    expect(perSecond).toMatchObject({ width: 1280, height: 720, durationMs: 4330, blockhash: null });
  });
});

describe('hashVideo outputs', () => {
  const path = videoPath('pattern-hd-no-bar');
  const content = readFileSync(path);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const md5 = createHash('md5').update(content).digest('hex');

  it.each<[string, () => VideoSource]>([
    ['file', () => ({ kind: 'file', path })],
    ['bytes', () => ({ kind: 'bytes', bytes: content })],
    ['stream', () => ({ kind: 'stream', stream: createReadStream(path, { highWaterMark: 65_536 }) })],
  ])('digests the whole file from a %s source, and hashes the same frames', async (_, source) => {
    const h = await hashVideo(source());
    expect({ sha256: h.sha256, md5: h.md5 }).toEqual({ sha256, md5 });
    expect(h.frames).toEqual(hashed('pattern-hd-no-bar').frames.filter((_, i) => i % 30 === 0));
  });

  it('has no digests for a URL source, whose bytes ffmpeg reads itself', async () => {
    const h = await hashVideo({ kind: 'url', url: `file:${path}`, protocolWhitelist: 'file' });
    expect([h.sha256, h.md5, h.frames.length]).toEqual([null, null, 7]);
  });

  it('takes the first frame of quality ≥ 50 as the representative PDQ, and reports progress', async () => {
    const graph =
      'color=c=black:s=320x240:r=10:d=1[a];testsrc2=s=320x240:r=10:d=2[b];[a][b]concat=n=2:v=1:a=0';
    const mkv = lavfi(graph, 3);
    const progress: VideoHashProgress[] = [];
    const h = await hashVideo({ kind: 'bytes', bytes: mkv }, { onProgress: (p) => progress.push(p) });
    expect(h.frames.map((f) => [f.ms, f.pdqQuality >= 50])).toEqual([
      [0, false],
      [1000, true],
      [2000, true],
    ]);
    expect([h.pdq, h.pdqQuality]).toEqual([h.frames[1]?.pdq, h.frames[1]?.pdqQuality]);
    expect(progress).toEqual([1, 2, 3].map((framesDone) => ({ framesDone, framesExpected: 3 })));
  });

  it('has no representative PDQ when every frame is flat', async () => {
    const black = lavfi('color=c=black:s=64x64:r=5', 2);
    const h = await hashVideo({ kind: 'bytes', bytes: black });
    expect([h.pdq, h.pdqQuality, h.frames.length]).toEqual([null, null, 2]);
  });
});
