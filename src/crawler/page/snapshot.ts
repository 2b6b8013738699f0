/**
 * What the page script collects from the rendered DOM: raw attribute values only, no judgement.
 * The pure extractors turn it into media candidates and links. Kept as plain data so extraction
 * is unit-tested without a browser.
 */
export interface DomSnapshot {
  url: string;
  title: string;
  images: {
    src: string | null;
    currentSrc: string | null;
    srcset: string | null;
    lazy: Record<string, string>;
  }[];
  pictureSources: { srcset: string; type: string | null }[];
  backgrounds: string[];
  videos: {
    src: string | null;
    currentSrc: string | null;
    poster: string | null;
    sources: string[];
    lazy: Record<string, string>;
  }[];
  meta: { property: string; content: string }[];
  jsonLd: string[];
  links: { href: string; rel: string | null; text: string }[];
  /** blob: URLs created for MediaSource objects (MSE players), from the init-script hook. */
  mseBlobs: { blobUrl: string; mimeTypes: string[] }[];
}

/** Attributes lazy loaders use for the real URL before an image scrolls into view. */
export const LAZY_ATTRIBUTES = [
  'data-src',
  'data-srcset',
  'data-original',
  'data-lazy',
  'data-lazy-src',
  'data-url',
  'data-thumb',
  'data-poster',
  'data-bg',
  'data-background',
  'data-hi-res',
] as const;

/**
 * Runs in the page (serialised by Playwright): collects the snapshot. No closures over Node
 * values; only DOM reads.
 */
export function collectSnapshot(lazyAttributes: readonly string[]): DomSnapshot {
  const lazyOf = (el: Element): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const a of lazyAttributes) {
      const v = el.getAttribute(a);
      if (v) out[a] = v;
    }
    return out;
  };
  const images = [...document.querySelectorAll('img')].map((img) => ({
    src: img.getAttribute('src'),
    currentSrc: img.currentSrc || null,
    srcset: img.getAttribute('srcset'),
    lazy: lazyOf(img),
  }));
  const pictureSources = [...document.querySelectorAll('picture source[srcset]')].map((s) => ({
    srcset: s.getAttribute('srcset') ?? '',
    type: s.getAttribute('type'),
  }));
  const backgrounds: string[] = [];
  for (const el of document.querySelectorAll('*')) {
    const bg = getComputedStyle(el).backgroundImage;
    if (bg && bg !== 'none') backgrounds.push(bg);
    const lazyBg = el.getAttribute('data-bg') ?? el.getAttribute('data-background');
    if (lazyBg) backgrounds.push(lazyBg.includes('url(') ? lazyBg : `url("${lazyBg}")`);
  }
  const videos = [...document.querySelectorAll('video')].map((v) => ({
    src: v.getAttribute('src'),
    currentSrc: v.currentSrc || null,
    poster: v.getAttribute('poster'),
    sources: [...v.querySelectorAll('source[src]')].map((s) => s.getAttribute('src') ?? ''),
    lazy: lazyOf(v),
  }));
  const meta = [...document.querySelectorAll('meta[property], meta[name]')].map((m) => ({
    property: m.getAttribute('property') ?? m.getAttribute('name') ?? '',
    content: m.getAttribute('content') ?? '',
  }));
  const jsonLd = [...document.querySelectorAll('script[type="application/ld+json"]')].map(
    (s) => s.textContent ?? '',
  );
  const links = [...document.querySelectorAll('a[href]')].map((a) => ({
    href: (a as HTMLAnchorElement).href,
    rel: a.getAttribute('rel'),
    text: (a.textContent ?? '').trim().slice(0, 80),
  }));
  const w = window as unknown as { __hwMse?: { blobUrl: string; mimeTypes: string[] }[] };
  return {
    url: location.href,
    title: document.title,
    images,
    pictureSources,
    backgrounds,
    videos,
    meta,
    jsonLd,
    links,
    mseBlobs: w.__hwMse ?? [],
  };
}
