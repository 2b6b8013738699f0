import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  readVideoFrames,
  type VideoFrame,
  type VideoFrameOptions,
  type VideoSource,
} from './video-frames.js';

const VIDEOS = fileURLToPath(new URL('../../test/fixtures/vpdq/videos/', import.meta.url));
const SAMPLES = new URL('../../test/fixtures/vpdq/sample-hashes/', import.meta.url);
const scratch = mkdtempSync(join(tmpdir(), 'hashwatch-video-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const file = (name: string): VideoSource => ({ kind: 'file', path: join(VIDEOS, `${name}.mp4`) });
const bytes = (b: Uint8Array): VideoSource => ({ kind: 'bytes', bytes: b });

/** Encodes a lavfi test source to a pipe (matroska unless `extra` says otherwise) or a scratch file. */
function synth(input: string, seconds: number, out = '-', extra: string[] = []): Buffer {
  const target = out === '-' ? ['-f', 'matroska', ...extra, 'pipe:1'] : [...extra, join(scratch, out)];
  const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', input, '-t', String(seconds), ...target];
  return execFileSync('ffmpeg', args, { maxBuffer: 1 << 28 });
}

async function collect(source: VideoSource, options: VideoFrameOptions = {}): Promise<VideoFrame[]> {
  const out: VideoFrame[] = [];
  for await (const frame of readVideoFrames(source, options)) out.push(frame);
  return out;
}

/** Frames and times of an upstream sample file, optionally only every `every`-th frame (vPDQ at 1/s). */
function sampleTimes(name: string, every = 1): { frame: number; seconds: string }[] {
  return readFileSync(new URL(`${name}.txt`, SAMPLES), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(','))
    .map(([frame, , , seconds]) => ({ frame: Number(frame), seconds: seconds ?? '' }))
    .filter((x) => x.frame % every === 0);
}

const times = (frames: VideoFrame[]) =>
  frames.map((f) => ({ frame: f.frameNumber, seconds: (f.ms / 1000).toFixed(3) }));

/** ffmpeg processes that are children of this test process and not yet reaped-dead. */
function liveFfmpegChildren(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        return m?.[1] === 'ffmpeg' && m[2] !== 'Z' && Number(m[3]) === process.pid;
      } catch {
        return false; // exited while we looked
      }
    })
    .map(Number);
}

async function expectCode(run: Promise<unknown>, code: string, withinMs = 3000): Promise<void> {
  const started = Date.now();
  await expect(run).rejects.toMatchObject({ code });
  expect(Date.now() - started).toBeLessThan(withinMs);
  expect(liveFfmpegChildren()).toEqual([]);
}

describe('readVideoFrames sampling', () => {
  it('takes one frame per second of a synthetic 3 s clip, at 0, 1000 and 2000 ms', async () => {
    const frames = await collect(bytes(synth('testsrc2=size=320x240:rate=25', 3)));
    expect(frames.map((f) => [f.frameNumber, f.ms, f.width, f.height, f.pixels.length])).toEqual([
      [0, 0, 320, 240, 320 * 240 * 3],
      [25, 1000, 320, 240, 320 * 240 * 3],
      [50, 2000, 320, 240, 320 * 240 * 3],
    ]);
  });

  it('at 29.97 fps takes every 29th frame and times it by the exact rate, like vpdq', async () => {
    const frames = await collect(bytes(synth('testsrc2=size=160x120:rate=30000/1001', 3)));
    expect(frames.map((f) => [f.frameNumber, f.ms])).toEqual([
      [0, 0],
      [29, 968],
      [58, 1935],
      [87, 2903],
    ]);
  });

  it('every frame: the same frame numbers and times as the upstream sample file', async () => {
    const frames = await collect(file('test-padded-dimensions'), { secondsPerFrame: 0 });
    expect(times(frames)).toEqual(sampleTimes('test-padded-dimensions'));
  });

  it('1 per second: frames 0, 30, 60, … exactly as vPDQ picks them', async () => {
    const frames = await collect(file('doorknob-hd-no-bar'));
    expect(times(frames)).toEqual(sampleTimes('doorknob-hd-no-bar', 30));
    expect(frames[0]).toMatchObject({ fps: 30, durationMs: 4330, width: 1280, height: 720 });
  });

  it('reads bytes, a stream and an MP4 with its index at the end (served over loopback) alike', async () => {
    const original = readFileSync(join(VIDEOS, 'pattern-hd-no-bar.mp4'));
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-i',
      join(VIDEOS, 'pattern-hd-no-bar.mp4'),
      '-c',
      'copy',
      join(scratch, 'moov-last.mp4'),
    ]);
    const moovLast = readFileSync(join(scratch, 'moov-last.mp4'));
    expect(moovLast.indexOf('moov')).toBeGreaterThan(moovLast.indexOf('mdat'));
    const runs = [
      bytes(original),
      { kind: 'stream', stream: createReadStream(join(VIDEOS, 'pattern-hd-no-bar.mp4')) } as const,
      bytes(moovLast),
    ];
    const reference = await collect(file('pattern-hd-no-bar'));
    expect(reference.map((f) => f.ms)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000]);
    for (const source of runs) {
      const frames = await collect(source);
      expect(times(frames)).toEqual(times(reference));
      expect(
        Buffer.compare(frames[3]?.pixels ?? new Uint8Array(), reference[3]?.pixels ?? new Uint8Array()),
      ).toBe(0);
    }
  });

  it('downscales only frames whose long side exceeds maxLongSide, keeping the aspect ratio', async () => {
    const first = async (name: string, maxLongSide: number) => {
      for await (const f of readVideoFrames(file(name), { maxLongSide })) return [f.width, f.height];
    };
    expect(await first('doorknob-hd-no-bar', 640)).toEqual([640, 360]);
    expect(await first('pattern-hd-no-bar', 640)).toEqual([360, 640]);
    expect(await first('test-padded-dimensions', 1080)).toEqual([1080, 1080]);
    expect(await first('doorknob-hd-no-bar', 0)).toEqual([1280, 720]);
  });
  it('applies the display rotation, as browsers do', async () => {
    synth('testsrc2=size=320x240:rate=10', 1, 'upright.mp4');
    // A stream copy turns the `rotate` tag into the display matrix that phones write.
    const tag = ['-c', 'copy', '-metadata:s:v:0', 'rotate=90', join(scratch, 'rotated.mp4')];
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(scratch, 'upright.mp4'), ...tag]);
    const [frame] = await collect({ kind: 'file', path: join(scratch, 'rotated.mp4') });
    expect([frame?.width, frame?.height]).toEqual([240, 320]);
  });
});

describe('readVideoFrames failures', () => {
  it.each([
    ['zero bytes', new Uint8Array(0)],
    ['garbage', new Uint8Array(200_000).map((_, i) => (i * 7919 + 13) % 251)],
    ['a cut-off header', readFileSync(join(VIDEOS, 'chair-19-sd-bar.mp4')).subarray(0, 3000)],
    ['a file cut in half', readFileSync(join(VIDEOS, 'chair-19-sd-bar.mp4')).subarray(0, 1_000_000)],
    [
      'an HLS playlist (not a whitelisted container)',
      new TextEncoder().encode('#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n'),
    ],
    ['audio only', synth('sine=frequency=440', 1)],
  ])('%s → HASH_VIDEO_DECODE_FAILED, quickly', async (_, input) => {
    await expectCode(collect(bytes(input)), 'HASH_VIDEO_DECODE_FAILED');
  });

  it('a missing ffmpeg binary → HASH_FFMPEG_MISSING', async () => {
    await expectCode(
      collect(file('doorknob-hd-no-bar'), { ffmpegPath: '/nonexistent/ffmpeg' }),
      'HASH_FFMPEG_MISSING',
    );
  });

  it('kills ffmpeg at the time limit (a source that stalls forever)', async () => {
    const head = readFileSync(join(VIDEOS, 'chair-19-sd-bar.mp4')).subarray(0, 100_000);
    async function* stalls(): AsyncGenerator<Uint8Array> {
      yield head;
      await new Promise(() => {});
    }
    await expectCode(collect({ kind: 'stream', stream: stalls() }, { timeoutMs: 400 }), 'HASH_VIDEO_TIMEOUT');
  });

  it('stops at the frame cap, and refuses up front a video whose stated duration is over it', async () => {
    const seen: number[] = [];
    const run = async (source: VideoSource) => {
      for await (const f of readVideoFrames(source, { maxFrames: 2 })) seen.push(f.ms);
    };
    const noDuration = synth('testsrc2=size=160x120:rate=10', 4, '-', ['-f', 'mpegts']);
    await expectCode(run(bytes(noDuration)), 'HASH_VIDEO_TOO_LONG');
    expect(seen).toEqual([0, 1000]); // MPEG-TS states no duration: counted up to the cap
    seen.length = 0;
    await expectCode(run(file('pattern-longer-no-bar')), 'HASH_VIDEO_TOO_LONG');
    expect(seen).toEqual([]);
  });

  it('honours an abort signal, before and during decoding', async () => {
    await expectCode(
      collect(file('doorknob-hd-no-bar'), { signal: AbortSignal.abort() }),
      'HASH_VIDEO_ABORTED',
    );
    const controller = new AbortController();
    const run = async () => {
      for await (const _ of readVideoFrames(file('chair-19-sd-bar'), { signal: controller.signal }))
        controller.abort();
    };
    await expectCode(run(), 'HASH_VIDEO_ABORTED');
  });

  it('kills ffmpeg when the consumer stops early', async () => {
    for await (const _ of readVideoFrames(file('chair-19-sd-bar'))) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(liveFfmpegChildren()).toEqual([]);
  });
});
