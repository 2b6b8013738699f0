/**
 * Video fingerprints in the browser, mirroring `hashVideo`: one PDQ about every second, frames capped
 * at 1920 px on the long side, the first frame with quality ≥ 50 as the video's PDQ, and the file
 * digests. The browser's `<video>` decodes (with the display rotation applied, as ffmpeg does on the
 * server); the element is never attached to the page and its object URL is revoked afterwards.
 *
 * Which frames: the server's (frame numbers 0, k, 2k … with k = ⌊fps⌋; see `video-sampling.ts`), with
 * the frame rate read from an MP4/QuickTime index. Seeking to whole seconds instead drifts a frame
 * every second at 29.97 fps: 38 bits apart after 5 s on a slow zoom. Other containers (WebM…) are
 * sampled at whole seconds, which matches the server only at integer frame rates.
 */
import { pdqHash, VIDEO_MAX_LONG_SIDE } from '../../../../hashing/browser.js';
import { digestFile } from './digest.js';
import { drawingContext, readPixels } from './image-hash.js';
import { type FrameHash, REPRESENTATIVE_QUALITY, type VideoItem } from './items.js';
import { mp4Timing } from './mp4-timing.js';
import { nextTurn, whenEvent } from './timing.js';
import { sampleFrames } from './video-sampling.js';

/** `hashVideo` refuses more sampled frames than this (one hour at one frame per second). */
export const MAX_VIDEO_FRAMES = 3600;

/** Seeking a local file takes milliseconds; this only guards against a decoder that never answers. */
const SEEK_TIMEOUT_MS = 20_000;

/** A video's error that deserves its own sentence on the page. */
export class VideoTooLongError extends Error {
  constructor() {
    super('video too long');
    this.name = 'VideoTooLongError';
  }
}

/** Frame size after the server's long-side cap (aspect ratio kept). */
export function cappedSize(
  width: number,
  height: number,
  cap = VIDEO_MAX_LONG_SIDE,
): { w: number; h: number } {
  const long = Math.max(width, height);
  if (cap <= 0 || long <= cap) return { w: width, h: height };
  const scale = cap / long;
  return { w: Math.max(1, Math.round(width * scale)), h: Math.max(1, Math.round(height * scale)) };
}

async function seek(video: HTMLVideoElement, seconds: number): Promise<void> {
  const done = whenEvent(video, ['seeked'], SEEK_TIMEOUT_MS);
  video.currentTime = seconds;
  await done;
}

/** Duration in seconds; some WebM files state none until the decoder has seen the end. */
async function durationOf(video: HTMLVideoElement): Promise<number> {
  if (Number.isFinite(video.duration)) return video.duration;
  await seek(video, Number.MAX_SAFE_INTEGER);
  return Number.isFinite(video.duration) ? video.duration : 0;
}

/**
 * Every fingerprint of one video file. `onProgress` gets 0..1.
 * @throws when the browser cannot play the file; {@link VideoTooLongError} over an hour.
 */
export async function hashVideoFile(file: Blob, onProgress: (fraction: number) => void): Promise<VideoItem> {
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.preload = 'auto';
  try {
    const loaded = whenEvent(video, ['loadeddata'], SEEK_TIMEOUT_MS);
    video.src = url;
    await loaded;
    const seconds = await durationOf(video);
    const plan = sampleFrames(await mp4Timing(file), seconds, MAX_VIDEO_FRAMES);
    if (plan.length > MAX_VIDEO_FRAMES) throw new VideoTooLongError();
    const { w, h } = cappedSize(video.videoWidth, video.videoHeight);
    if (w === 0 || h === 0) throw new Error('no video track');
    const ctx = drawingContext(w, h);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    const frames: FrameHash[] = [];
    for (const [i, { seekSeconds, ms }] of plan.entries()) {
      await seek(video, seekSeconds);
      ctx.drawImage(video, 0, 0, w, h);
      const frame = readPixels(ctx, w, h);
      const { hash, quality } = pdqHash(frame.pixels, w, h, 4);
      frames.push({ ms, pdq: hash, pdqQuality: quality });
      onProgress((0.7 * (i + 1)) / plan.length);
      await nextTurn();
    }
    const digests = await digestFile(file, (f) => onProgress(0.7 + 0.3 * f));
    const best = frames.find((f) => f.pdqQuality >= REPRESENTATIVE_QUALITY) ?? null;
    return {
      kind: 'video',
      sha256: digests.sha256,
      md5: digests.md5,
      pdq: best?.pdq ?? null,
      pdqQuality: best?.pdqQuality ?? null,
      blockhash: null,
      width: w,
      height: h,
      durationMs: Math.round(seconds * 1000),
      frames,
    };
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
