/**
 * Which frames of a video to fingerprint, chosen as the server's ffmpeg pipeline chooses them
 * (`video-frames.ts`): frame numbers 0, k, 2k … with k = ⌊fps⌋, reported at `round(n × 1000 / fps)` ms
 * where fps is the rate as ffmpeg prints it (two decimals, 29.97 read as 30000/1001). The page seeks
 * to the middle of each chosen frame, which lands on that frame whatever the rounding of times.
 */
import type { TrackTiming } from './mp4-timing.js';

/** One frame to hash: where to seek (seconds) and the time to report (ms). */
export interface SampledFrame {
  seekSeconds: number;
  ms: number;
}

/** ffmpeg's `print_fps`: two decimals unless whole. */
function printedRate(rate: number): number {
  const hundredths = Math.round(rate * 100);
  return hundredths % 100 === 0 ? hundredths / 100 : Number(rate.toFixed(2));
}

/** The server's reading of a printed rate (`snapNtsc` in `video-frames.ts`). */
export function snapNtsc(fps: number): number {
  const ntsc = Math.round(fps * 1.001) / 1.001;
  return Number.isInteger(fps) || Math.abs(ntsc - fps) > 0.006 || fps <= 0 ? fps || 30 : ntsc;
}

/**
 * The frames to hash, at most `maxFrames + 1` (one more than allowed, so the caller can tell a video
 * that is too long). With the track's timing, exactly the server's frames; without it (not an MP4),
 * one frame at each whole second of `durationSeconds`.
 */
export function sampleFrames(
  timing: TrackTiming | null,
  durationSeconds: number,
  maxFrames: number,
): SampledFrame[] {
  const out: SampledFrame[] = [];
  if (timing === null || !(timing.rate > 0)) {
    const count = Math.max(1, Math.ceil(durationSeconds));
    for (let t = 0; t < count && out.length <= maxFrames; t++) out.push({ seekSeconds: t, ms: t * 1000 });
    return out;
  }
  const fps = snapNtsc(printedRate(timing.rate));
  const step = Math.max(1, Math.floor(fps));
  for (let n = 0; n < timing.frames && out.length <= maxFrames; n += step) {
    out.push({ seekSeconds: (n + 0.5) / fps, ms: Math.round((n * 1000) / fps) });
  }
  return out;
}
