import type { DomSnapshot } from './snapshot.js';

/** A media URL found on a page, and how it was found (shown to analysts, used in tests). */
export interface MediaCandidate {
  url: string;
  kind: 'image' | 'video' | 'hls' | 'dash' | 'unknown';
  via: string;
}

const VIDEO_EXT = /\.(mp4|m4v|webm|mov|mkv|ogv|ts)(\?|#|$)/i;
const IMAGE_EXT = /\.(jpe?g|png|webp|gif|avif|bmp|heic|heif)(\?|#|$)/i;

/** Every URL of a `srcset` value (`a.jpg 1x, b.jpg 2x`, `c.jpg 480w`), not just the chosen one. */
export function parseSrcset(srcset: string): string[] {
  // Candidates are separated by commas followed by whitespace; URLs may contain commas themselves.
  return srcset
    .split(/,\s+/)
    .map((c) => c.trim().split(/\s+/)[0] ?? '')
    .map((u) => u.replace(/,$/, ''))
    .filter(Boolean);
}

/** `url("a.jpg"), url(b.png)` → the URLs inside `url(...)`. */
export function parseCssUrls(value: string): string[] {
  return [...value.matchAll(/url\(\s*(['"]?)(.*?)\1\s*\)/g)].map((m) => m[2] ?? '').filter(Boolean);
}

/** Resolves against the page; only http(s) (and blob: is dropped: its bytes come from the network). */
export function absoluteUrl(raw: string, base: string): string | undefined {
  try {
    const u = new URL(raw.trim(), base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    u.hash = '';
    return u.toString();
  } catch {
    return undefined;
  }
}

/** Guess from the URL alone; the downloader decides from the bytes. */
export function kindFromUrl(url: string): MediaCandidate['kind'] {
  const path = url.split('?')[0] ?? url;
  if (/\.m3u8$/i.test(path)) return 'hls';
  if (/\.mpd$/i.test(path)) return 'dash';
  if (VIDEO_EXT.test(url)) return 'video';
  if (IMAGE_EXT.test(url)) return 'image';
  return 'unknown';
}

/** Every media candidate in a DOM snapshot, deduplicated by URL (first `via` wins). */
export function extractMedia(snap: DomSnapshot): MediaCandidate[] {
  const found = new Map<string, MediaCandidate>();
  const add = (raw: string | null | undefined, via: string, kind?: MediaCandidate['kind']) => {
    if (!raw || raw.startsWith('data:') || raw.startsWith('blob:')) return;
    const url = absoluteUrl(raw, snap.url);
    if (!url || found.has(url)) return;
    found.set(url, { url, kind: kind ?? kindFromUrl(url), via });
  };
  for (const img of snap.images) {
    add(img.currentSrc, 'img', 'image');
    add(img.src, 'img', 'image');
    if (img.srcset) for (const u of parseSrcset(img.srcset)) add(u, 'srcset', 'image');
    for (const [attr, v] of Object.entries(img.lazy)) {
      if (attr.endsWith('srcset')) for (const u of parseSrcset(v)) add(u, 'srcset-lazy', 'image');
      else add(v, `img-${attr}`, 'image');
    }
  }
  for (const s of snap.pictureSources) for (const u of parseSrcset(s.srcset)) add(u, 'picture', 'image');
  for (const bg of snap.backgrounds) for (const u of parseCssUrls(bg)) add(u, 'css-bg', 'image');
  for (const v of snap.videos) {
    add(v.currentSrc, 'video');
    add(v.src, 'video');
    for (const s of v.sources) add(s, 'video-source');
    add(v.poster, 'poster', 'image');
    for (const [attr, val] of Object.entries(v.lazy)) add(val, `video-${attr}`);
  }
  for (const m of snap.meta) {
    const p = m.property.toLowerCase();
    if (p === 'og:image' || p === 'og:image:url' || p === 'og:image:secure_url' || p === 'twitter:image')
      add(m.content, p, 'image');
    if (
      p === 'og:video' ||
      p === 'og:video:url' ||
      p === 'og:video:secure_url' ||
      p === 'twitter:player:stream'
    )
      add(m.content, p);
  }
  for (const text of snap.jsonLd)
    for (const { url, key } of jsonLdUrls(text))
      add(url, `json-ld:${key}`, key === 'thumbnailUrl' ? 'image' : undefined);
  return [...found.values()];
}

const JSON_LD_KEYS = new Set(['contentUrl', 'thumbnailUrl', 'embedUrl', 'image']);

/** `contentUrl`, `thumbnailUrl` and `image` values anywhere in a JSON-LD block (bad JSON is skipped). */
export function jsonLdUrls(text: string): { url: string; key: string }[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  const out: { url: string; key: string }[] = [];
  const walk = (v: unknown, key: string, depth: number) => {
    if (depth > 8) return;
    if (typeof v === 'string') {
      if (JSON_LD_KEYS.has(key) && key !== 'embedUrl') out.push({ url: v, key });
    } else if (Array.isArray(v)) for (const x of v) walk(x, key, depth + 1);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k, depth + 1);
  };
  walk(data, '', 0);
  return out;
}

/** Registrable-ish site key: the host without a leading `www.` (so www and bare domain are one site). */
export function siteOf(url: string): string {
  return new URL(url).hostname.replace(/^www\./, '');
}

/** Same-site links to follow (no fragments, no non-http schemes, no logout or delete links). */
export function extractLinks(snap: DomSnapshot, allowedSites: readonly string[]): string[] {
  const out = new Set<string>();
  for (const l of snap.links) {
    const url = absoluteUrl(l.href, snap.url);
    if (!url || !allowedSites.includes(siteOf(url))) continue;
    if (/logout|signout|sign-out|delete|unsubscribe/i.test(url)) continue;
    out.add(url);
  }
  out.delete(absoluteUrl(snap.url, snap.url) ?? '');
  return [...out];
}
