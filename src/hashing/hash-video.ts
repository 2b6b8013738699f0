/**
 * Video hashing pipeline (Node): ffmpeg frames → PDQ per frame (vPDQ), plus SHA-256/MD5 of the bytes.
 *
 * PDQ runs on frame N while ffmpeg, a separate process, decodes towards frame N+1; ffmpeg's fifo
 * muxer keeps decoding while a frame crosses the pipe. PDQ therefore costs CPU rather than waiting:
 * on 2 cores, a 60 s 720p clip at 1 frame/s took 1.13–1.20× the time of a bare `ffmpeg -vf fps=1 -f null -`
 * (PDQ ~0.5 s of CPU over 60 frames; reading the frames ~0.05×, the RGB conversion ~0.05×).
 * Each PDQ call blocks the event loop for one frame: up to ~65 ms at 720p, ~100 ms at the default
 * 1920 px cap (280 ms for an uncapped 4K frame), short enough for a BullMQ lock renewal.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pdqHash } from './pdq.js';
import { readVideoFrames, type VideoFrameOptions, type VideoSource } from './video-frames.js';

export type { VideoSource } from './video-frames.js';

/** PDQ of one sampled frame. */
export interface VideoFrameHash {
  ms: number;
  pdq: string;
  pdqQuality: number;
}

/** Every hash hashwatch keeps for a video. */
export interface VideoHashes {
  kind: 'video';
  /** Digests of the file bytes; null for a URL source, whose bytes ffmpeg fetches itself. */
  sha256: string | null;
  md5: string | null;
  /** PDQ of the first frame with quality ≥ `representativeQuality`, or null when no frame qualifies. */
  pdq: string | null;
  pdqQuality: number | null;
  blockhash: null;
  /** Size of the hashed frames (after rotation and any downscale). */
  width: number;
  height: number;
  /** Container duration, or the last sampled frame's time when the container states none. */
  durationMs: number;
  frames: VideoFrameHash[];
}

/** Progress after each hashed frame. `framesExpected` is an estimate from the container duration. */
export interface VideoHashProgress {
  framesDone: number;
  framesExpected: number | null;
}

/** Frame sampling and limits (see {@link VideoFrameOptions}) plus pipeline options. */
export interface HashVideoOptions extends VideoFrameOptions {
  onProgress?: (progress: VideoHashProgress) => void;
  /** Minimum quality of the frame chosen as the video's single PDQ. Default 50 (the PDQ match gate). */
  representativeQuality?: number;
}

/**
 * Hashes a video: vPDQ frames at `secondsPerFrame` (default 1 s), a representative PDQ, and the file
 * digests, computed on the bytes as they pass to ffmpeg (a file is read a second time for them).
 * Throws the typed errors of {@link readVideoFrames}.
 */
export async function hashVideo(source: VideoSource, options: HashVideoOptions = {}): Promise<VideoHashes> {
  const digests = startDigests(source);
  const frameSource = digests.source;
  const frames: VideoFrameHash[] = [];
  const minQuality = options.representativeQuality ?? 50;
  let best: VideoFrameHash | null = null;
  let width = 0;
  let height = 0;
  let durationMs: number | null = null;
  for await (const frame of readVideoFrames(frameSource, options)) {
    const { hash, quality } = pdqHash(frame.pixels, frame.width, frame.height, 3);
    const entry = { ms: frame.ms, pdq: hash, pdqQuality: quality };
    frames.push(entry);
    if (best === null && quality >= minQuality) best = entry;
    if (frame.index === 0) {
      ({ width, height, durationMs } = frame);
    }
    const step = Math.max(1, Math.floor((options.secondsPerFrame ?? 1) * frame.fps));
    const framesExpected = durationMs === null ? null : Math.ceil(((durationMs / 1000) * frame.fps) / step);
    options.onProgress?.({ framesDone: frames.length, framesExpected });
  }
  const { sha256, md5 } = await digests.result();
  return {
    kind: 'video',
    sha256,
    md5,
    pdq: best?.pdq ?? null,
    pdqQuality: best?.pdqQuality ?? null,
    blockhash: null,
    width,
    height,
    durationMs: durationMs ?? frames.at(-1)?.ms ?? 0,
    frames,
  };
}

interface Digests {
  /** The source to decode: a stream source is wrapped so its chunks are digested on the way to ffmpeg. */
  source: VideoSource;
  result(): Promise<{ sha256: string | null; md5: string | null }>;
}

function startDigests(source: VideoSource): Digests {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const hex = async () => ({ sha256: sha.digest('hex'), md5: md5.digest('hex') });
  switch (source.kind) {
    case 'url':
      return { source, result: async () => ({ sha256: null, md5: null }) };
    case 'bytes':
      sha.update(source.bytes);
      md5.update(source.bytes);
      return { source, result: hex };
    case 'stream':
      return { source: { kind: 'stream', stream: tee(source.stream, [sha, md5]) }, result: hex };
    case 'file': {
      // Read alongside ffmpeg (which needs the path itself, to seek); the page cache serves it twice.
      const done = digestFile(source.path, [sha, md5]);
      done.catch(() => {}); // Surfaced by result(); ffmpeg reports an unreadable file first.
      return {
        source,
        result: async () => {
          await done;
          return hex();
        },
      };
    }
  }
}

async function* tee(stream: AsyncIterable<Uint8Array>, hashes: Hash[]): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    for (const h of hashes) h.update(chunk);
    yield chunk;
  }
}

async function digestFile(path: string, hashes: Hash[]): Promise<void> {
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (const h of hashes) h.update(chunk);
  }
}
