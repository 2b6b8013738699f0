/**
 * What a downloaded file really is, decided from its bytes. Crawled sites lie in Content-Type (an
 * HTML error page served as image/jpeg, a playlist served as text/plain, an SVG served as a PNG),
 * so the header is never consulted. Binary formats are recognised by `file-type`'s magic numbers;
 * the text formats that matter here (HLS, DASH, SVG, HTML) by their first tag or line.
 */
import { fileTypeFromBuffer } from 'file-type';

/** What a file is, as far as the crawler cares. `svg` is an image the caller must refuse. */
export type MediaKind = 'image' | 'video' | 'hls' | 'dash' | 'html' | 'svg' | 'unknown';

/** The verdict: a kind, and the detected type when there is one. */
export interface SniffResult {
  kind: MediaKind;
  mime?: string;
  ext?: string;
}

// file-type extensions we decode: images go to sharp, videos to ffmpeg.
const IMAGE_EXTS = new Set(['jpg', 'png', 'apng', 'webp', 'gif', 'avif', 'heic', 'bmp', 'tif']);
const VIDEO_EXTS = new Set([
  'mp4',
  'm4v',
  'mov',
  'webm',
  'mkv',
  'mts',
  'flv',
  'f4v',
  'avi',
  'ogv',
  'mpg',
  '3gp',
  '3g2',
]);

const TEXT_KINDS = {
  hls: { kind: 'hls', mime: 'application/vnd.apple.mpegurl', ext: 'm3u8' },
  dash: { kind: 'dash', mime: 'application/dash+xml', ext: 'mpd' },
  svg: { kind: 'svg', mime: 'image/svg+xml', ext: 'svg' },
  html: { kind: 'html', mime: 'text/html', ext: 'html' },
} as const satisfies Record<string, SniffResult>;

// Tags that start an HTML document, after the WHATWG MIME Sniffing standard §7.1 ("text/html"
// patterns). Pages that fail return one of these, whatever Content-Type they claim.
const HTML_TAGS = new Set(
  'html head body script iframe h1 div font table a style title b br p meta link'.split(' '),
);

// Enough for any real prolog (XML declaration, comments, DOCTYPE); a longer one is not media.
const TEXT_HEAD_BYTES = 64 * 1024;

/**
 * Sniffs `bytes` (the whole file, or at least its first few KB).
 *
 * @returns `image`/`video` for formats we decode; `hls`/`dash` for manifests; `html` for pages;
 * `svg` (refuse: a script-capable document); `unknown` for anything else, including empty input.
 */
export async function sniffMedia(bytes: Uint8Array): Promise<SniffResult> {
  if (bytes.byteLength === 0) return { kind: 'unknown' };
  const text = sniffText(bytes);
  if (text !== undefined) return { ...text };
  const type = await fileTypeFromBuffer(bytes);
  if (type === undefined) return { kind: 'unknown' };
  const kind: MediaKind = IMAGE_EXTS.has(type.ext) ? 'image' : VIDEO_EXTS.has(type.ext) ? 'video' : 'unknown';
  return { kind, mime: type.mime, ext: type.ext };
}

/** HLS, DASH, SVG or HTML from the start of the text, or undefined when it is not one of those. */
function sniffText(bytes: Uint8Array): SniffResult | undefined {
  if (!mayBeMarkup(bytes)) return undefined;
  const head = decodeHead(bytes).trimStart();
  if (head.startsWith('#EXTM3U')) return TEXT_KINDS.hls;
  if (!head.startsWith('<')) return undefined;
  const root = firstTag(head);
  if (root === undefined) return undefined;
  if (root === '!doctype html') return TEXT_KINDS.html;
  if (root === '!doctype svg' || root === 'svg' || root.endsWith(':svg')) return TEXT_KINDS.svg;
  if (root === 'mpd' || root.endsWith(':mpd')) return TEXT_KINDS.dash;
  if (HTML_TAGS.has(root)) return TEXT_KINDS.html;
  return undefined;
}

/**
 * The lowercased name of the first element (or `!doctype <name>`), skipping the XML declaration,
 * processing instructions and comments.
 */
function firstTag(text: string): string | undefined {
  let rest = text;
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith('<?')) rest = after(rest, '?>');
    else if (rest.startsWith('<!--')) rest = after(rest, '-->');
    else break;
    if (rest === '') return undefined;
  }
  const doctype = /^<!doctype\s+([a-z][\w:.-]*)/i.exec(rest);
  if (doctype?.[1] !== undefined) {
    const name = doctype[1].toLowerCase();
    // An XML DOCTYPE names the root element; skip it when it is not one we know by the DOCTYPE.
    return name === 'html' || name === 'svg' ? `!doctype ${name}` : firstTag(after(rest, '>'));
  }
  const tag = /^<([a-z][\w:.-]*)(?=[\s/>]|$)/i.exec(rest);
  return tag?.[1]?.toLowerCase();
}

function after(text: string, marker: string): string {
  const at = text.indexOf(marker);
  return at < 0 ? '' : text.slice(at + marker.length);
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Cheap gate so binary files are not decoded as text: a UTF-16 BOM, or `<`/`#` after whitespace. */
function mayBeMarkup(bytes: Uint8Array): boolean {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return true;
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && WHITESPACE.has(bytes[i] ?? 0)) i++;
  return bytes[i] === 0x3c || bytes[i] === 0x23;
}

/** The first {@link TEXT_HEAD_BYTES} as text, honouring a UTF-8 or UTF-16 byte order mark. */
function decodeHead(bytes: Uint8Array): string {
  const head = bytes.subarray(0, TEXT_HEAD_BYTES);
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder('utf-16le').decode(head.subarray(2));
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder('utf-16be').decode(head.subarray(2));
  // TextDecoder drops a UTF-8 BOM itself; invalid bytes become U+FFFD, which match no pattern.
  return new TextDecoder('utf-8').decode(head);
}
