/**
 * Streaming an HLS or DASH video as one byte stream for ffmpeg's stdin: manifest → chosen
 * rendition → init segment → media segments in order, each through the guarded fetcher, so
 * ffmpeg itself never opens a URL. Bounded by total bytes, segment count and media duration;
 * reaching a cap ends the stream quietly (what was read is still worth hashing).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CRAWL_ERROR_CODES, httpStatus, isCrawlError, unsupportedContent } from '../errors.js';
import type { GuardedFetcher } from './guarded-fetch.js';
import { type ByteRange, type ParsedManifest, parseManifest } from './manifest.js';

/** Caps and request details for one video. */
export interface SegmentStreamOptions {
  /** Total bytes of init and media segments (manifests have their own small cap). */
  maxBytes: number;
  maxSegments: number;
  /** Media seconds to fetch; the cap that ends a live (endless) stream. */
  maxDurationSec: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Deadline per request (manifest or segment); the fetcher's default otherwise. */
  timeoutMs?: number;
}

/** Largest manifest we read; real ones are a few KB, long VOD playlists a few hundred. */
export const MANIFEST_MAX_BYTES = 2 * 1024 * 1024;
/** Live playlist reloads that bring nothing new before we give up on the stream. */
const MAX_IDLE_RELOADS = 3;
/** Extra bytes read past a byte range when the server ignores Range (at least one network chunk). */
const RANGE_SLACK_BYTES = 256 * 1024;

/**
 * Bytes of an HLS video: a master playlist's chosen rendition, or a media playlist as it is. Live
 * playlists are reloaded every target duration until a cap is reached.
 *
 * @throws CrawlError from the fetcher (a 404/410 manifest or segment is `CRAWL_HTTP_STATUS`, not
 * retryable), `CRAWL_UNSUPPORTED_CONTENT` for encrypted or video-less playlists.
 */
export async function* fetchHlsSegments(
  fetcher: GuardedFetcher,
  manifestUrl: string,
  options: SegmentStreamOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  let url = manifestUrl;
  let manifest = await loadManifest(fetcher, url, options, 'hls');
  if (manifest.segments.length === 0 && manifest.variants.length > 0) {
    if (manifest.chosen === undefined) throw unsupportedContent('the playlist offers no video rendition');
    url = manifest.chosen.url;
    manifest = await loadManifest(fetcher, url, options, 'hls');
    if (manifest.variants.length > 0)
      throw unsupportedContent('a master playlist points to another master playlist');
  }
  yield* pump(fetcher, manifest, options, () => loadManifest(fetcher, url, options, 'hls'));
}

/** Bytes of a DASH video: the chosen representation's init and media segments. Live MPDs are not reloaded. */
export async function* fetchDashSegments(
  fetcher: GuardedFetcher,
  manifestUrl: string,
  options: SegmentStreamOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const manifest = await loadManifest(fetcher, manifestUrl, options, 'dash');
  if (manifest.chosen === undefined) throw unsupportedContent('the manifest offers no video representation');
  yield* pump(fetcher, manifest, options, undefined);
}

async function loadManifest(
  fetcher: GuardedFetcher,
  url: string,
  options: SegmentStreamOptions,
  kind: ParsedManifest['kind'],
): Promise<ParsedManifest> {
  const { headers, signal, timeoutMs } = options;
  const maxBytes = Math.min(MANIFEST_MAX_BYTES, options.maxBytes);
  const res = await fetcher.fetchBytes(url, { maxBytes, headers, signal, timeoutMs });
  if (res.status === 404 || res.status === 410) throw httpStatus(new URL(res.url).hostname, res.status);
  // Resolve against the URL after redirects: that is where relative entries live.
  const manifest = await parseManifest(res.url, new TextDecoder().decode(res.bytes), fetcher.policy);
  if (manifest.kind !== kind) {
    throw unsupportedContent(`expected ${kind.toUpperCase()}, got ${manifest.kind.toUpperCase()}`);
  }
  if (manifest.encryption !== undefined) {
    throw unsupportedContent('the video is encrypted', { encryption: manifest.encryption });
  }
  return manifest;
}

/** Feeds segments (and, for live playlists, the ones that appear on reload) until a cap. */
async function* pump(
  fetcher: GuardedFetcher,
  first: ParsedManifest,
  options: SegmentStreamOptions,
  reload: (() => Promise<ParsedManifest>) | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const budget = { bytes: options.maxBytes, segments: options.maxSegments, seconds: options.maxDurationSec };
  let manifest = first;
  let nextSequence = manifest.mediaSequence;
  let lastInit: string | undefined;
  let idleReloads = 0;
  const spent = (): boolean => budget.segments <= 0 || budget.seconds <= 0;
  for (;;) {
    for (const [index, segment] of manifest.segments.entries()) {
      const sequence = manifest.mediaSequence + index;
      if (sequence < nextSequence) continue;
      if (spent()) return;
      if (segment.init !== undefined) {
        const initKey = `${segment.init.url}#${segment.init.byteRange?.offset ?? ''}`;
        if (initKey !== lastInit) {
          if (!(yield* fetchPart(fetcher, segment.init.url, segment.init.byteRange, budget, options))) return;
          lastInit = initKey;
        }
      }
      if (!(yield* fetchPart(fetcher, segment.url, segment.byteRange, budget, options))) return;
      budget.segments--;
      budget.seconds -= segment.durationSec;
      nextSequence = sequence + 1;
    }
    if (!manifest.endless || reload === undefined || spent()) return;
    const waitSec = Math.min(Math.max(manifest.targetDurationSec ?? 2, 1), 10);
    await sleep(waitSec * 1000, undefined, { signal: options.signal });
    manifest = await reload();
    const fresh = manifest.mediaSequence + manifest.segments.length > nextSequence;
    idleReloads = fresh ? 0 : idleReloads + 1;
    if (idleReloads >= MAX_IDLE_RELOADS) return;
  }
}

/**
 * Streams one segment (or a byte range of one) into the output. Returns false when the byte budget
 * ran out, which ends the whole stream.
 */
async function* fetchPart(
  fetcher: GuardedFetcher,
  url: string,
  range: ByteRange | undefined,
  budget: { bytes: number },
  options: SegmentStreamOptions,
): AsyncGenerator<Uint8Array, boolean, undefined> {
  if (budget.bytes <= 0) return false;
  const headers =
    range === undefined
      ? options.headers
      : { ...options.headers, range: `bytes=${range.offset}-${range.offset + range.length - 1}` };
  // With a range, a server that ignores Range answers 200 with the whole file: allow reading up to
  // the end of the range (plus a chunk's slack) and cut the range out ourselves.
  const maxBytes = range === undefined ? budget.bytes : range.offset + range.length + RANGE_SLACK_BYTES;
  let keep = range === undefined ? budget.bytes : Math.min(range.length, budget.bytes);
  try {
    const res = await fetcher.fetchStream(url, {
      maxBytes,
      headers,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    if (res.status === 404 || res.status === 410) throw httpStatus(new URL(res.url).hostname, res.status);
    let skip = range !== undefined && res.status === 200 ? range.offset : 0;
    for await (const chunk of res.body) {
      const from = Math.min(skip, chunk.byteLength);
      skip -= from;
      const part = chunk.subarray(from, from + Math.min(keep, chunk.byteLength - from));
      keep -= part.byteLength;
      budget.bytes -= part.byteLength;
      if (part.byteLength > 0) yield part;
      if (keep <= 0) break;
    }
  } catch (err) {
    if (isCrawlError(err, CRAWL_ERROR_CODES.tooLarge)) return false;
    throw err;
  }
  return budget.bytes > 0;
}
