/**
 * Fetches one media item at view time for the triage preview, exactly as the worker would: the
 * crawler's guarded fetcher (address policy, redirects re-vetted, byte caps, deadline), the type
 * decided from the bytes, images decoded by the hashing stage's fenced decoder, videos read by its
 * ffmpeg adapter up to the first matched time. Bytes live only in this call's memory.
 */
import {
  type DownloadLimits,
  fetchDashSegments,
  fetchHlsSegments,
  type GuardedFetcher,
  isCrawlError,
  openSniffed,
  type SniffedDownload,
} from '../../crawler/index.js';
import { HashwatchError, isHashwatchError } from '../../errors.js';
import { decodeImage, type RawFrame, readVideoFrames } from '../../hashing/index.js';

/** How previews are fetched: wire the same address policy and limits as the workers. */
export interface PreviewOptions {
  fetcher: GuardedFetcher;
  limits: DownloadLimits;
  /** Deadline for one preview, download and decoding together (default 30 s). */
  timeoutMs?: number;
  /** Previews fetched at once by this server; more wait their turn (default 4). */
  maxConcurrent?: number;
  /** Previews allowed to wait for a turn; past that the answer is 503 `busy` (default 32). */
  maxWaiting?: number;
}

/** Why there is no preview. Each has a calm sentence for the analyst and an HTTP status. */
export const PREVIEW_PROBLEMS = {
  missing: [404, 'There is no match with this number.'],
  decided: [
    410,
    'This media already has a decision, or is no longer waiting for one, so it is not shown again.',
  ],
  gone: [502, 'The media is no longer at its address, so there is nothing to show.'],
  blocked: [
    502,
    'The address of this media leads to a private or local network, which hashwatch does not visit. Nothing was fetched.',
  ],
  too_large: [502, 'The file is larger than the download limit, so no preview was made.'],
  not_image: [502, 'The address did not give an image or a video that can be shown.'],
  video_no_time: [
    422,
    'No preview for this video: the match does not say where in the video the matching part is.',
  ],
  video_no_frame: [502, 'No preview for this video: no picture could be read at the matched time.'],
  failed: [502, 'The media could not be fetched just now. Trying again later may work.'],
  busy: [503, 'Many previews are being fetched right now. Trying again in a moment may work.'],
} as const satisfies Record<string, readonly [number, string]>;

export type PreviewProblemKind = keyof typeof PREVIEW_PROBLEMS;

/** No preview, for a reason the analyst is told in plain words. */
export class PreviewProblem extends HashwatchError {
  readonly kind: PreviewProblemKind;
  constructor(kind: PreviewProblemKind, cause?: unknown) {
    const [status, message] = PREVIEW_PROBLEMS[kind];
    // Asking again may work only when the fetch failed or too many previews were under way.
    const retryable = kind === 'failed' || kind === 'busy';
    super(`TRIAGE_PREVIEW_${kind.toUpperCase()}`, message, { status, cause, retryable });
    this.name = 'PreviewProblem';
    this.kind = kind;
  }
}

/** Decode images no larger than this before scaling to the preview size: bounds memory per preview. */
const DECODE_PIXELS = 1024 * 1024;

interface PreviewTargetMedia {
  url: string;
  referer: string | null;
  atMs: number | null;
}

/**
 * Downloads `url` and returns one frame to show: the image, or for a video the sampled frame at
 * `atMs` (the first matched time). One deadline (`timeoutMs`) covers download, decoding and ffmpeg
 * together. When this returns or throws, the download has been ended; abort `signal` afterwards
 * to stop HLS/DASH segment fetches still in flight. Throws {@link PreviewProblem}.
 */
export async function fetchPreviewFrame(
  opts: PreviewOptions,
  target: PreviewTargetMedia,
  signal: AbortSignal,
): Promise<RawFrame> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = {
    at: Date.now() + timeoutMs,
    signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
  };
  let download: SniffedDownload | undefined;
  try {
    const headers: Record<string, string> = target.referer ? { referer: target.referer } : {};
    const opened = await openSniffed(opts.fetcher, target.url, {
      maxBytes: opts.limits.maxVideoBytes,
      timeoutMs,
      headers,
      signal: deadline.signal,
    });
    if (opened.kind === 'gone') throw new PreviewProblem('gone');
    download = opened;
    return await frameOf(opts, download, target.atMs, headers, deadline);
  } catch (err) {
    throw problemOf(err);
  } finally {
    download?.cancel();
  }
}

async function frameOf(
  opts: PreviewOptions,
  download: SniffedDownload,
  atMs: number | null,
  headers: Record<string, string>,
  deadline: { at: number; signal: AbortSignal },
): Promise<RawFrame> {
  const { limits, fetcher } = opts;
  const left = () => Math.max(1, deadline.at - Date.now());
  const kind = download.sniff.kind;
  if (kind === 'image') {
    const bytes = await download.readAll(limits.maxImageBytes);
    const image = await decodeImage(bytes, {
      maxInputBytes: limits.maxImageBytes,
      maxInputPixels: limits.maxImagePixels,
      maxHashPixels: DECODE_PIXELS,
      timeoutSeconds: Math.ceil(left() / 1000),
    });
    return { pixels: image.pixels, width: image.width, height: image.height, channels: 4 };
  }
  if (kind !== 'video' && kind !== 'hls' && kind !== 'dash') throw new PreviewProblem('not_image');
  if (atMs === null) throw new PreviewProblem('video_no_time');
  let stream: AsyncIterable<Uint8Array> = download.body;
  if (kind !== 'video') {
    download.cancel();
    const segments = {
      maxBytes: limits.maxVideoBytes,
      maxSegments: 10_000,
      maxDurationSec: limits.maxVideoSeconds,
      headers,
      signal: deadline.signal,
    };
    stream =
      kind === 'hls'
        ? fetchHlsSegments(fetcher, download.url, segments)
        : fetchDashSegments(fetcher, download.url, segments);
  }
  // Frames are sampled once a second, as when the video was hashed, so the matched time is one of them.
  const frames = readVideoFrames(
    { kind: 'stream', stream },
    {
      ffmpegPath: limits.ffmpegPath,
      maxFrames: limits.maxVideoSeconds,
      timeoutMs: left(),
      maxLongSide: 960,
      signal: deadline.signal,
    },
  );
  for await (const frame of frames) {
    // Leaving the loop stops ffmpeg; the caller's cancel() ends the download: nothing past the
    // matched time is read.
    if (frame.ms >= atMs)
      return { pixels: frame.pixels, width: frame.width, height: frame.height, channels: 3 };
  }
  throw new PreviewProblem('video_no_frame');
}

/** Maps the crawler's and the decoders' typed errors to what the analyst is told. */
function problemOf(err: unknown): PreviewProblem {
  if (err instanceof PreviewProblem) return err;
  if (isCrawlError(err, 'CRAWL_BLOCKED_ADDRESS') || isCrawlError(err, 'CRAWL_BAD_URL'))
    return new PreviewProblem('blocked', err);
  if (isCrawlError(err, 'CRAWL_TOO_LARGE')) return new PreviewProblem('too_large', err);
  if (isCrawlError(err, 'CRAWL_UNSUPPORTED_CONTENT')) return new PreviewProblem('not_image', err);
  if (isHashwatchError(err)) {
    if (err.code === 'HASH_INPUT_TOO_LARGE' || err.code === 'HASH_IMAGE_TOO_LARGE')
      return new PreviewProblem('too_large', err);
    if (err.code === 'HASH_UNSUPPORTED_FORMAT' || err.code === 'HASH_DECODE_FAILED')
      return new PreviewProblem('not_image', err);
    if (err.code === 'HASH_VIDEO_DECODE_FAILED' || err.code === 'HASH_VIDEO_TOO_LONG')
      return new PreviewProblem('video_no_frame', err);
  }
  return new PreviewProblem('failed', err);
}
