/**
 * HLS and DASH manifests, reduced to what the crawler needs: the video renditions on offer, one
 * modest rendition to hash, and that rendition's segments. Every URL in a manifest is resolved
 * against the manifest's (final) URL and vetted with the address policy before it is returned — a
 * playlist is just another list of URLs chosen by a hostile site.
 */
import { unsupportedContent } from '../errors.js';
import { type AddressPolicy, checkUrl } from './address-policy.js';
import {
  parseM3u8,
  parseMpd,
  type RawByteRange,
  type RawPlaylist,
  type RawSegment,
} from './manifest-parsers.js';

/** A video rendition on offer. */
export interface Variant {
  url: string;
  bandwidth: number | undefined;
  width: number | undefined;
  height: number | undefined;
}

/** Part of a file, for `Range` requests (`#EXT-X-BYTERANGE`, DASH `indexRange`/`mediaRange`). */
export interface ByteRange {
  offset: number;
  length: number;
}

/** One media segment; `init` is the initialisation segment (`#EXT-X-MAP`) that must precede it. */
export interface Segment {
  url: string;
  durationSec: number;
  byteRange?: ByteRange;
  init?: { url: string; byteRange?: ByteRange };
}

/** A manifest, parsed and vetted. */
export interface ParsedManifest {
  kind: 'hls' | 'dash';
  /** Video renditions (audio-only ones left out). Empty for an HLS media playlist. */
  variants: Variant[];
  /** The rendition to fetch (see {@link chooseVariant}); undefined for an HLS media playlist. */
  chosen: Variant | undefined;
  /** Segments in play order: of this media playlist (HLS) or of the chosen representation (DASH). */
  segments: Segment[];
  /** Live: HLS without `#EXT-X-ENDLIST`, or a dynamic MPD. The caller caps by time. */
  endless: boolean;
  totalDurationSec: number;
  /** HLS `#EXT-X-MEDIA-SEQUENCE` (0 when absent), to follow a live playlist across reloads. */
  mediaSequence: number;
  targetDurationSec: number | undefined;
  /** Set when segments are encrypted (`AES-128`, `SAMPLE-AES`…): we cannot hand those to ffmpeg. */
  encryption: string | undefined;
}

/** Preferred height: enough detail for perceptual hashes, few bytes. */
export const PREFERRED_MIN_HEIGHT = 360;

/**
 * Parses manifest `text` fetched from `manifestUrl` (use the URL after redirects).
 *
 * @throws CrawlError `CRAWL_UNSUPPORTED_CONTENT` (not a manifest, malformed), `CRAWL_BAD_URL` or
 * `CRAWL_BLOCKED_ADDRESS` when the manifest points anywhere the policy forbids.
 */
export async function parseManifest(
  manifestUrl: string,
  text: string,
  policy: AddressPolicy,
): Promise<ParsedManifest> {
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('#EXTM3U')) return parseHls(manifestUrl, text, policy);
  if (/<(?:[\w-]+:)?MPD[\s>]/.test(head.slice(0, 4096))) return parseDash(manifestUrl, text, policy);
  throw unsupportedContent('this is neither an HLS playlist nor a DASH manifest');
}

/** Parses an HLS master or media playlist. */
export function parseHls(manifestUrl: string, text: string, policy: AddressPolicy): ParsedManifest {
  const resolve = resolver(checkUrl(manifestUrl, policy).href, policy);
  const raw = parseM3u8(text);
  const playlists = raw.playlists ?? [];
  if (playlists.length > 0) {
    const variants = playlists.filter(isVideo).map((p) => toVariant(p, resolve(p.uri)));
    return { ...empty('hls'), variants, chosen: chooseVariant(variants) };
  }
  const segments = (raw.segments ?? []).map((s) => toSegment(s, resolve(s.uri), resolve));
  return {
    ...empty('hls'),
    segments,
    endless: raw.endList !== true,
    totalDurationSec: sum(segments),
    mediaSequence: raw.mediaSequence ?? 0,
    targetDurationSec: raw.targetDuration,
    encryption: encryptionOf(raw.segments ?? []),
  };
}

/** Parses an MPD: every video representation is a variant; segments are the chosen one's. */
export async function parseDash(
  manifestUrl: string,
  text: string,
  policy: AddressPolicy,
): Promise<ParsedManifest> {
  const base = checkUrl(manifestUrl, policy).href;
  const raw = await parseMpd(text, base);
  const resolve = resolver(base, policy);
  const representations = (raw.playlists ?? []).filter(isVideo);
  const variants = representations.map((p) => toVariant(p, resolve(p.resolvedUri ?? p.uri)));
  const chosen = chooseVariant(variants);
  const playlist = chosen === undefined ? undefined : representations[variants.indexOf(chosen)];
  if (playlist === undefined) return { ...empty('dash'), variants };
  const rawSegments = playlist.segments ?? [];
  const segments =
    rawSegments.length > 0
      ? rawSegments.map((s) => toSegment(s, resolve(s.resolvedUri ?? s.uri), resolve))
      : // SegmentBase or a bare BaseURL: the representation is one self-contained file.
        [
          {
            url: resolve(playlist.sidx?.resolvedUri ?? playlist.resolvedUri),
            durationSec: raw.duration ?? 0,
          },
        ];
  return {
    ...empty('dash'),
    variants,
    chosen,
    segments,
    endless: playlist.endList === false,
    totalDurationSec: sum(segments),
    targetDurationSec: playlist.targetDuration,
    // DASH DRM (Widevine, PlayReady, ClearKey…) is declared per representation.
    encryption: playlist.contentProtection !== undefined ? 'ContentProtection' : encryptionOf(rawSegments),
  };
}

/**
 * One modest rendition: the lowest at or above {@link PREFERRED_MIN_HEIGHT} (by height, then
 * bandwidth); failing that, the lowest available (by bandwidth, then height).
 */
export function chooseVariant(variants: readonly Variant[]): Variant | undefined {
  const tall = variants.filter((v) => (v.height ?? 0) >= PREFERRED_MIN_HEIGHT);
  const pool = tall.length > 0 ? tall : variants;
  const key = (v: Variant): [number, number] =>
    tall.length > 0
      ? [v.height ?? Number.POSITIVE_INFINITY, v.bandwidth ?? Number.POSITIVE_INFINITY]
      : [v.bandwidth ?? Number.POSITIVE_INFINITY, v.height ?? Number.POSITIVE_INFINITY];
  let best: Variant | undefined;
  for (const v of pool) {
    if (best === undefined) best = v;
    else {
      const [a1, a2] = key(v);
      const [b1, b2] = key(best);
      if (a1 < b1 || (a1 === b1 && a2 < b2)) best = v;
    }
  }
  return best;
}

type Resolve = (uri: string | undefined) => string;

/** Resolves a manifest URI against `base` and vets it; an absent URI is a malformed manifest. */
function resolver(base: string, policy: AddressPolicy): Resolve {
  return (uri) => {
    if (uri === undefined || uri.trim() === '')
      throw unsupportedContent('the manifest has an entry without a URL');
    let url: URL;
    try {
      url = new URL(uri.trim(), base);
    } catch {
      return checkUrl(uri, policy).href; // throws CRAWL_BAD_URL with the usual wording
    }
    return checkUrl(url, policy).href;
  };
}

function toVariant(p: RawPlaylist, url: string): Variant {
  const res = p.attributes?.RESOLUTION;
  return { url, bandwidth: p.attributes?.BANDWIDTH, width: res?.width, height: res?.height };
}

function toSegment(s: RawSegment, url: string, resolve: Resolve): Segment {
  const segment: Segment = { url, durationSec: Number.isFinite(s.duration) ? (s.duration ?? 0) : 0 };
  const range = byteRange(s.byterange);
  if (range !== undefined) segment.byteRange = range;
  if (s.map !== undefined) {
    const initRange = byteRange(s.map.byterange);
    segment.init = { url: resolve(s.map.resolvedUri ?? s.map.uri) };
    if (initRange !== undefined) segment.init.byteRange = initRange;
  }
  return segment;
}

function byteRange(r: RawByteRange | undefined): ByteRange | undefined {
  if (r?.length === undefined || !Number.isSafeInteger(r.length) || r.length <= 0) return undefined;
  const offset = r.offset ?? 0;
  return Number.isSafeInteger(offset) && offset >= 0 ? { offset, length: r.length } : undefined;
}

// Audio-only renditions say so in CODECS; without CODECS we cannot tell and keep the entry.
const AUDIO_CODEC = /^(?:mp4a|ac-3|ec-3|opus|flac|mp3|vorbis|alac|dtsc|dtse)/i;

function isVideo(p: RawPlaylist): boolean {
  const codecs = p.attributes?.CODECS;
  if (codecs === undefined || codecs.trim() === '') return true;
  return !codecs.split(',').every((c) => AUDIO_CODEC.test(c.trim()));
}

function encryptionOf(segments: readonly RawSegment[]): string | undefined {
  const method = segments.find((s) => s.key?.method !== undefined && s.key.method !== 'NONE')?.key?.method;
  return method;
}

function sum(segments: readonly Segment[]): number {
  return segments.reduce((total, s) => total + s.durationSec, 0);
}

function empty(kind: 'hls' | 'dash'): ParsedManifest {
  return {
    kind,
    variants: [],
    chosen: undefined,
    segments: [],
    endless: false,
    totalDurationSec: 0,
    mediaSequence: 0,
    targetDurationSec: undefined,
    encryption: undefined,
  };
}
