import {
  type HashImageOptions,
  type HashVideoOptions,
  hashImageBytes,
  hashVideo,
  type ImageHashes,
  sha256Hex,
  type VideoHashes,
} from '../hashing/index.js';
import { tooLarge, unsupportedContent } from './errors.js';
import type { FetchOptions, GuardedFetcher } from './net/guarded-fetch.js';
import { fetchDashSegments, fetchHlsSegments } from './net/segment-stream.js';
import { type SniffResult, sniffMedia } from './net/sniff.js';

export interface DownloadLimits {
  maxImageBytes: number;
  maxImagePixels: number;
  maxVideoBytes: number;
  /** Deadline for an image download. */
  imageTimeoutMs: number;
  /** Deadline for a whole video (download and hashing together). */
  videoTimeoutMs: number;
  maxVideoSeconds: number;
  ffmpegPath: string;
}

/** What one download came to. `known` means the bytes' SHA-256 was already hashed (not hashed again). */
export type DownloadOutcome =
  | { kind: 'gone'; httpStatus: number }
  | { kind: 'known'; sha256: string; httpStatus: number }
  | { kind: 'hashed'; hashes: ImageHashes | VideoHashes; bytes: number; httpStatus: number };

/** Bytes needed to recognise a format from its magic numbers. */
const SNIFF_BYTES = 4_100;

/** A media download opened just far enough to tell from its bytes what it is. */
export interface SniffedDownload {
  kind: 'open';
  status: number;
  /** The final URL, after redirects. */
  url: string;
  sniff: SniffResult;
  /** The whole body from its first byte (the sniffed head, then the rest as it arrives). Read once. */
  body: AsyncIterable<Uint8Array>;
  /** Reads the whole body into memory; more than `maxBytes` is `CRAWL_TOO_LARGE`. */
  readAll(maxBytes: number): Promise<Uint8Array>;
  /**
   * Ends the download and frees its connection at once, even while a read is waiting for bytes;
   * safe to call more than once. Call it in a `finally`: a consumer that stops early (ffmpeg has
   * the frame it wanted) otherwise leaves the connection open until the fetch deadline.
   */
  cancel(): void;
}

/**
 * Opens `url` through the guarded fetcher and sniffs its first bytes (the type is decided from the
 * bytes, never from Content-Type). 404 and 410 come back as `gone`, with nothing left open.
 */
export async function openSniffed(
  fetcher: GuardedFetcher,
  url: string,
  options: FetchOptions,
): Promise<SniffedDownload | { kind: 'gone'; status: number }> {
  const res = await fetcher.fetchStream(url, options);
  if (res.status === 404 || res.status === 410) {
    res.cancel();
    return { kind: 'gone', status: res.status };
  }
  const reader = res.body[Symbol.asyncIterator]();
  const cancel = (): void => {
    // Destroying the body first makes a pending read settle, so return() below cannot hang.
    res.cancel();
    void reader.return?.().catch(() => {});
  };
  const head: Uint8Array[] = [];
  let ended = false;
  try {
    for (let headBytes = 0; headBytes < SNIFF_BYTES; ) {
      const next = await reader.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(next.value);
      headBytes += next.value.byteLength;
    }
  } catch (err) {
    cancel();
    throw err;
  }
  const sniff = await sniffMedia(Buffer.concat(head));
  const body = async function* (): AsyncGenerator<Uint8Array> {
    try {
      yield* head;
      if (ended) return;
      for (let next = await reader.next(); !next.done; next = await reader.next()) yield next.value;
    } finally {
      // However the reading ends (done, failed or abandoned), the download ends with it.
      cancel();
    }
  };
  const host = new URL(res.url).hostname;
  const stream = body();
  return {
    kind: 'open',
    status: res.status,
    url: res.url,
    sniff,
    body: stream,
    readAll: (maxBytes) => collectCapped(stream, maxBytes, host),
    cancel,
  };
}

/**
 * Downloads one media URL through the guarded fetcher and hashes it in memory: images are
 * buffered (up to the image cap) and decoded with sharp; videos, and HLS/DASH streams, are piped
 * into ffmpeg as they arrive. The type is decided from the bytes, never from Content-Type.
 * Nothing is written anywhere; the bytes are garbage once this returns.
 */
export async function downloadAndHash(
  fetcher: GuardedFetcher,
  url: string,
  opts: {
    limits: DownloadLimits;
    headers: Record<string, string>;
    signal: AbortSignal;
    isKnownSha256: (sha256: string) => Promise<boolean>;
    /** Hashes an image (a worker-thread pool in workers); may take ownership of the bytes. */
    hashImage?: (bytes: Uint8Array, options: HashImageOptions) => Promise<ImageHashes>;
  },
): Promise<DownloadOutcome> {
  const { limits, headers, signal } = opts;
  const res = await openSniffed(fetcher, url, {
    maxBytes: limits.maxVideoBytes,
    timeoutMs: limits.videoTimeoutMs,
    headers,
    signal,
  });
  if (res.kind === 'gone') return { kind: 'gone', httpStatus: res.status };
  try {
    return await hashOpened(fetcher, res, opts);
  } finally {
    res.cancel();
  }
}

async function hashOpened(
  fetcher: GuardedFetcher,
  res: SniffedDownload,
  opts: Parameters<typeof downloadAndHash>[2],
): Promise<DownloadOutcome> {
  const { limits, headers, signal } = opts;
  const { sniff } = res;
  const videoOptions: HashVideoOptions = {
    ffmpegPath: limits.ffmpegPath,
    maxFrames: limits.maxVideoSeconds,
    timeoutMs: limits.videoTimeoutMs,
    signal,
  };
  const segmentOptions = {
    maxBytes: limits.maxVideoBytes,
    maxSegments: 10_000,
    maxDurationSec: limits.maxVideoSeconds,
    headers,
    signal,
  };
  switch (sniff.kind) {
    case 'image': {
      const bytes = await res.readAll(limits.maxImageBytes);
      const sha256 = sha256Hex(bytes);
      if (await opts.isKnownSha256(sha256)) return { kind: 'known', sha256, httpStatus: res.status };
      // Read the size first: a worker-thread pool takes ownership of (and empties) the buffer.
      const size = bytes.byteLength;
      const hashes = await (opts.hashImage ?? hashImageBytes)(bytes, {
        maxInputPixels: limits.maxImagePixels,
        maxInputBytes: limits.maxImageBytes,
        dihedral: true,
      });
      return { kind: 'hashed', hashes, bytes: size, httpStatus: res.status };
    }
    case 'video': {
      let bytes = 0;
      const counted = async function* () {
        for await (const chunk of res.body) {
          bytes += chunk.byteLength;
          yield chunk;
        }
      };
      const hashes = await hashVideo({ kind: 'stream', stream: counted() }, videoOptions);
      return { kind: 'hashed', hashes, bytes, httpStatus: res.status };
    }
    case 'hls':
    case 'dash': {
      res.cancel();
      const segments =
        sniff.kind === 'hls'
          ? fetchHlsSegments(fetcher, res.url, segmentOptions)
          : fetchDashSegments(fetcher, res.url, segmentOptions);
      let bytes = 0;
      const counted = async function* () {
        for await (const chunk of segments) {
          bytes += chunk.byteLength;
          yield chunk;
        }
      };
      const hashes = await hashVideo({ kind: 'stream', stream: counted() }, videoOptions);
      return { kind: 'hashed', hashes, bytes, httpStatus: res.status };
    }
    default:
      throw unsupportedContent(DESCRIBE[sniff.kind] ?? 'this is not an image or a video');
  }
}

const DESCRIBE: Record<string, string> = {
  html: 'the address returned a web page, not an image or video',
  svg: 'SVG drawings are not hashed (they are code, not photographs)',
  unknown: 'the file is not an image or video format that can be hashed',
};

async function collectCapped(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
  host: string,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(host, maxBytes);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
