/**
 * Adapter over `m3u8-parser` and `mpd-parser` (video.js). Both ship CommonJS without type
 * declarations, so they are loaded with `createRequire` and described by the narrow shapes below —
 * only the fields we read, all optional, because a hostile manifest can omit anything.
 *
 * DASH is parsed in a child process with a memory limit and a time limit: mpd-parser expands
 * `SegmentTemplate`/`SegmentTimeline` into one object per segment in a synchronous loop, so a
 * three-line MPD with `duration="1"` and a hundred-hour presentation (or `<S r="1000000000">`)
 * would otherwise freeze or exhaust the crawler's process. A worker thread is not enough: its
 * `resourceLimits` are best-effort, and one array grown by `push()` — exactly what mpd-parser's
 * `range()` does — aborts the whole process (nodejs/node#47224, documented in nodejs/node#65019).
 */

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { unsupportedContent } from '../errors.js';

/** Byte range of a segment, as both parsers report it. */
export interface RawByteRange {
  length?: number;
  offset?: number;
}

/** A segment as m3u8-parser / mpd-parser report it. */
export interface RawSegment {
  uri?: string;
  resolvedUri?: string;
  duration?: number;
  byterange?: RawByteRange;
  map?: { uri?: string; resolvedUri?: string; byterange?: RawByteRange };
  key?: { method?: string };
}

/** A variant (HLS master entry) or representation (DASH). */
export interface RawPlaylist {
  uri?: string;
  resolvedUri?: string;
  attributes?: {
    BANDWIDTH?: number;
    RESOLUTION?: { width?: number; height?: number };
    CODECS?: string;
  };
  segments?: RawSegment[];
  endList?: boolean;
  targetDuration?: number;
  sidx?: { resolvedUri?: string };
  contentProtection?: Record<string, unknown>;
}

/** The part of either parser's output we read. */
export interface RawManifest {
  playlists?: RawPlaylist[];
  segments?: RawSegment[];
  endList?: boolean;
  targetDuration?: number;
  mediaSequence?: number;
  duration?: number;
}

interface M3u8ParserModule {
  Parser: new () => { push(chunk: string): void; end(): void; manifest: RawManifest };
}

const require = createRequire(import.meta.url);
const m3u8 = require('m3u8-parser') as M3u8ParserModule;
const MPD_PARSER_PATH = require.resolve('mpd-parser');

/** Parses HLS text. m3u8-parser throws TypeErrors on some malformed tags (a short `IV=`), hence the wrap. */
export function parseM3u8(text: string): RawManifest {
  try {
    const parser = new m3u8.Parser();
    parser.push(text);
    parser.end();
    return parser.manifest;
  } catch (err) {
    throw unsupportedContent('the HLS playlist is malformed', undefined, err);
  }
}

/** Limits for the DASH parsing child process. */
export const DASH_PARSE_LIMITS = {
  timeoutMs: 5_000,
  maxOldSpaceMb: 128,
  maxOutputBytes: 32 * 1024 * 1024,
} as const;

// Plain CommonJS run by `node -e`: reads {modulePath, text, manifestUri} as JSON on stdin, answers
// JSON on stdout. The module path is passed in so it resolves from this package, not from the cwd.
const CHILD_SOURCE = `
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  let reply;
  try {
    const { modulePath, text, manifestUri } = JSON.parse(input);
    reply = { ok: true, manifest: require(modulePath).parse(text, { manifestUri }) };
  } catch (err) {
    reply = { ok: false, message: String((err && err.message) || err) };
  }
  process.stdout.write(JSON.stringify(reply));
});`;

type ChildReply = { ok: true; manifest: RawManifest } | { ok: false; message: string };

/**
 * Parses an MPD with mpd-parser in a short-lived child process. URLs come back resolved against
 * `manifestUri` (as `resolvedUri`), unchecked.
 *
 * @throws CrawlError `CRAWL_UNSUPPORTED_CONTENT` when the MPD is malformed or exceeds the limits.
 */
export function parseMpd(text: string, manifestUri: string): Promise<RawManifest> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${DASH_PARSE_LIMITS.maxOldSpaceMb}`, '-e', CHILD_SOURCE],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
        env: {}, // no NODE_OPTIONS loaders, nothing of ours
      },
    );
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), DASH_PARSE_LIMITS.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > DASH_PARSE_LIMITS.maxOutputBytes) {
        overflow = true;
        child.kill('SIGKILL');
      } else chunks.push(chunk);
    });
    child.stdin.on('error', () => {}); // EPIPE when the child already died; 'close' reports it
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(unsupportedContent('the DASH manifest could not be parsed', undefined, err));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 || overflow) {
        reject(
          unsupportedContent('the DASH manifest is too large or too slow to expand', { exitCode: code }),
        );
        return;
      }
      try {
        const reply = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChildReply;
        if (reply.ok) resolve(reply.manifest);
        else
          reject(
            unsupportedContent('the DASH manifest is malformed', { reason: reply.message.slice(0, 200) }),
          );
      } catch (err) {
        reject(unsupportedContent('the DASH manifest could not be parsed', undefined, err));
      }
    });
    child.stdin.end(JSON.stringify({ modulePath: MPD_PARSER_PATH, text, manifestUri }));
  });
}
