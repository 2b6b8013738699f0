/**
 * ffmpeg adapter: decodes a video into the RGB frames that vPDQ hashes, streamed one at a time.
 *
 * - One ffmpeg child per video, spawned without a shell; no temp files. Bytes and streams go to stdin;
 *   an MP4 whose index (`moov`) sits after its data cannot be read from a pipe, so such bytes are served
 *   to ffmpeg from a one-use HTTP server on 127.0.0.1 instead (ffmpeg seeks with Range requests).
 * - Frames are picked like vpdq: decoded frame numbers 0, k, 2k, … with k = ⌊secondsPerFrame × fps⌋
 *   (≥ 1), time = frame / fps. ffmpeg computes k itself (the `setpts` expression), so a stream of unknown
 *   rate needs no probe first. `secondsPerFrame: 0` takes every frame, as vpdq's sample files do.
 * - Colour conversion uses swscale `area+accurate_rnd`: vpdq uses SWS_AREA, and accurate rounding is
 *   what reproduces upstream's sample hashes best (median 0 bits on 13 of the 14 clips, max 4).
 * - Frames leave ffmpeg as PPM (`P6 w h 255` + raw rgb24), so each frame states its own size and nothing
 *   read from ffmpeg's log (which echoes the file's metadata) decides how bytes are cut into frames.
 * - ffmpeg applies the display rotation (like browsers do), unlike vpdq, which hashes stored pixels.
 * - Frames reach the pipe through ffmpeg's `fifo` muxer, whose own thread does the writing: decoding
 *   goes on while Node drains a frame, and ffmpeg holds at most {@link FIFO_FRAMES} encoded frames.
 * Frames are yielded as they arrive; ffmpeg stops decoding once the fifo is full and the consumer busy.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { HashwatchError } from '../errors.js';

/** Where the video comes from. A URL needs the caller's `-protocol_whitelist` (e.g. `https,tls,tcp`). */
export type VideoSource =
  | { kind: 'file'; path: string }
  | { kind: 'url'; url: string; protocolWhitelist: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'stream'; stream: AsyncIterable<Uint8Array> };

/** Limits and sampling; every field has a default. */
export interface VideoFrameOptions {
  /** ffmpeg binary. Default `ffmpeg` (from PATH). */
  ffmpegPath?: string;
  /** Seconds between sampled frames, vpdq's `secondsPerHash`. Default 1; 0 means every frame. */
  secondsPerFrame?: number;
  /** More sampled frames than this fails with `HASH_VIDEO_TOO_LONG`. Default 3600. */
  maxFrames?: number;
  /** Wall-clock limit; ffmpeg is killed and `HASH_VIDEO_TIMEOUT` thrown. Default 600 000 ms. */
  timeoutMs?: number;
  /**
   * Frames whose long side exceeds this are downscaled (area filter) to it; 0 keeps every frame at full
   * size. Default 1920: 1080p and smaller stay at full size like vPDQ's reference; 4K is halved, which
   * moved a median 2 bits (max 6) and cut the per-frame event-loop block from ~280 to ~100 ms. A cap
   * that cuts by a small odd factor costs more (720p capped at 1080: median 8 bits), hence not 1080.
   */
  maxLongSide?: number;
  /** Demuxers ffmpeg may use (`-format_whitelist`). Default: common video containers only. */
  formatWhitelist?: string;
  signal?: AbortSignal;
}

/** One sampled frame: packed rgb24 pixels, row after row, no padding. */
export interface VideoFrame {
  /** Position among the sampled frames, from 0. */
  index: number;
  /** Decoded frame number, vpdq's `frame_number`. */
  frameNumber: number;
  /** frameNumber / fps, rounded to the millisecond (vpdq's timestamp). */
  ms: number;
  width: number;
  height: number;
  pixels: Uint8Array;
  /** Frame rate used for the timing, and the container's duration when it states one. */
  fps: number;
  durationMs: number | null;
}

/** Containers a crawled video plausibly comes in. Excludes playlists (hls, concat) that open other inputs. */
export const DEFAULT_VIDEO_FORMATS = 'mov,mp4,matroska,webm,avi,flv,mpegts,mpeg,ogg,asf,h264,hevc,m4v,gif';

/**
 * Decodes `source` and yields its sampled frames. Breaking out of the loop kills ffmpeg. Throws a
 * {@link HashwatchError}: `HASH_FFMPEG_MISSING`, `HASH_VIDEO_DECODE_FAILED` (no video, corrupt, truncated),
 * `HASH_VIDEO_TOO_LONG`, `HASH_VIDEO_TIMEOUT`, `HASH_VIDEO_ABORTED`; an error thrown by a source stream
 * is rethrown as is.
 */
export async function* readVideoFrames(
  source: VideoSource,
  options: VideoFrameOptions = {},
): AsyncGenerator<VideoFrame, void, undefined> {
  const o = resolveOptions(options);
  const aborted = (): HashwatchError =>
    videoError('ABORTED', 'video hashing was aborted', { cause: o.signal?.reason });
  if (o.signal?.aborted) throw aborted();
  const input = await openInput(source);
  const child = spawn(o.ffmpegPath, buildArgs(input.url, input.whitelist, o, input.feed !== null), {
    stdio: [input.feed ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  let failure: unknown = null;
  const halt = new AbortController(); // aborted once ffmpeg is stopped or done: ends the feeder
  const fail = (err: unknown): void => {
    failure ??= err;
    halt.abort();
    child.kill('SIGKILL');
  };
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', resolve);
    child.once('error', (err: NodeJS.ErrnoException) => {
      fail(err.code === 'ENOENT' ? videoError('FFMPEG_MISSING', `no ffmpeg at "${o.ffmpegPath}"`) : err);
      resolve(null);
    });
  });
  const timer = setTimeout(fail, o.timeoutMs, videoError('TIMEOUT', `ffmpeg ran over ${o.timeoutMs} ms`));
  const onAbort = (): void => fail(aborted());
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const log = parseFfmpegLog(child.stderr as Readable);
  const feeding = input.feed?.(child.stdin as Writable, halt.signal, fail);
  const tooLong = (): HashwatchError =>
    videoError('TOO_LONG', `video has more than ${o.maxFrames} sampled frames`, { maxFrames: o.maxFrames });
  try {
    let index = 0;
    for await (const ppm of readPpmFrames(child.stdout as Readable)) {
      const { fps, durationMs } = await log.header;
      const step = Math.max(1, Math.floor(o.secondsPerFrame * fps));
      // Fail fast on a long video rather than decode up to the cap; the margin absorbs a longer audio track.
      const expected = durationMs === null ? 0 : (durationMs / 1000) * (fps / step);
      if (index >= o.maxFrames || (index === 0 && expected > o.maxFrames * 1.1 + 1)) fail(tooLong());
      if (failure) break;
      const frameNumber = index * step;
      yield { index, frameNumber, ms: Math.round((frameNumber * 1000) / fps), fps, durationMs, ...ppm };
      index++;
    }
    const code = await exited;
    // Drain the source only after a success, and give up on it if it stalls until the time limit.
    if (code === 0 && !halt.signal.aborted) await Promise.race([feeding, once(halt.signal, 'abort')]);
    if (failure) throw failure;
    const { tail, truncated } = await log.done;
    if (code !== 0 || index === 0 || truncated) {
      const why =
        code !== 0 ? `ffmpeg exited with ${code}` : index === 0 ? 'no video frames' : 'truncated file';
      throw videoError('DECODE_FAILED', `cannot decode video: ${why}`, { ffmpeg: tail, source: source.kind });
    }
  } finally {
    halt.abort();
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    input.close();
  }
}

type Resolved = Required<Omit<VideoFrameOptions, 'signal'>> & { signal: AbortSignal | undefined };

function resolveOptions(options: VideoFrameOptions): Resolved {
  const o: Resolved = {
    ffmpegPath: options.ffmpegPath ?? 'ffmpeg',
    secondsPerFrame: options.secondsPerFrame ?? 1,
    maxFrames: options.maxFrames ?? 3600,
    timeoutMs: options.timeoutMs ?? 600_000,
    maxLongSide: options.maxLongSide ?? 1920,
    formatWhitelist: options.formatWhitelist ?? DEFAULT_VIDEO_FORMATS,
    signal: options.signal,
  };
  const valid = [
    o.secondsPerFrame >= 0 && o.secondsPerFrame <= 3600,
    Number.isInteger(o.maxFrames) && o.maxFrames >= 1,
    Number.isInteger(o.maxLongSide) && o.maxLongSide >= 0,
    o.timeoutMs > 0,
  ];
  if (valid.includes(false)) throw new RangeError('secondsPerFrame 0–3600, maxFrames ≥ 1, maxLongSide ≥ 0');
  return o;
}

function buildArgs(url: string, whitelist: string, o: Resolved, fromStdin: boolean): string[] {
  // k comes from ffmpeg's own frame rate (30 when unknown, like parseFfmpegLog's fallback): frames get
  // pts = n mod k, `select` keeps pts 0, and `settb=1,setpts=N` numbers the kept frames in seconds, so
  // their timestamps increase through the fifo muxer's checks.
  const step = `max(1,trunc(${o.secondsPerFrame}*if(gt(FRAME_RATE,0),FRAME_RATE,30)))`;
  const cap = o.maxLongSide;
  // Fit inside cap×cap, keeping the aspect ratio: caps the long side only.
  const size = cap > 0 ? `w='min(iw,${cap})':h='min(ih,${cap})':force_original_aspect_ratio=decrease:` : '';
  const filter = `setpts='mod(N,${step})',select='eq(pts,0)',settb=1,setpts=N,scale=${size}flags=area+accurate_rnd,format=rgb24`;
  const pre = `-hide_banner -nostats -loglevel info${fromStdin ? '' : ' -nostdin'}`.split(' ');
  const input = ['-protocol_whitelist', whitelist, '-format_whitelist', o.formatWhitelist, '-i', url];
  const post = `-frames:v ${o.maxFrames + 1} -map 0:v:0 -map_metadata -1 -map_chapters -1 -fps_mode passthrough`;
  const out = `-c:v ppm -pix_fmt rgb24 -f fifo -fifo_format image2pipe -queue_size ${FIFO_FRAMES} pipe:1`;
  const threads = ['-threads', String(DECODE_THREADS)];
  return [...pre, ...threads, ...input, '-vf', filter, ...`${post} ${out}`.split(' ')];
}

/**
 * Decoder threads: one per core. ffmpeg's default (cores + 1) assumes it has the machine to itself,
 * but PDQ runs beside it; on 2 cores a bare decode even ran faster with 2 threads than with 3 (0.83×
 * the time for 720p H.264, 0.85× for 1080p H.264, 0.92× for 360p VP9). The pixels are the same at any
 * thread count.
 */
const DECODE_THREADS = Math.min(availableParallelism(), 16);

/**
 * Encoded frames ffmpeg may queue for the pipe. Its `fifo` muxer writes from a thread of its own, so
 * decoding goes on while Node drains a frame (2.7 MB at 720p, through a stdout that buffers a small
 * part of one) rather than waiting for it: hashVideo on 2 cores went from 1.23× to 1.20× the time of a
 * bare decode. ffmpeg then holds at most this many frames beside the one being written.
 */
const FIFO_FRAMES = 1;

type Feed = (stdin: Writable, halt: AbortSignal, fail: (err: unknown) => void) => Promise<void>;

interface Input {
  url: string;
  whitelist: string;
  feed: Feed | null;
  close(): void;
}

async function openInput(source: VideoSource): Promise<Input> {
  const none = (): void => {};
  switch (source.kind) {
    case 'file': // `file:` keeps a path like `http:x` or `-y` from being read as a protocol or option.
      return { url: `file:${source.path}`, whitelist: 'file', feed: null, close: none };
    case 'url':
      return { url: source.url, whitelist: source.protocolWhitelist, feed: null, close: none };
    case 'bytes':
      if (moovAfterMdat(source.bytes)) return serveOnLoopback(source.bytes);
      return { url: 'pipe:0', whitelist: 'pipe', feed: feed([source.bytes]), close: none };
    case 'stream':
      return { url: 'pipe:0', whitelist: 'pipe', feed: feed(source.stream), close: none };
  }
}

/**
 * Writes the source to ffmpeg's stdin with back-pressure. If ffmpeg stops reading early but succeeds,
 * the rest is still drained so that a caller digesting the bytes as they pass sees all of them.
 */
function feed(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Feed {
  return async (stdin, halt, fail) => {
    let open = true;
    const closed = (): void => {
      open = false;
    };
    // EPIPE is expected when ffmpeg stops reading; its exit code says whether that was a failure.
    stdin.on('error', closed).once('close', closed);
    try {
      for await (const chunk of source) {
        if (halt.aborted) break;
        if (open && !stdin.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              stdin.off('drain', done).off('close', done);
              resolve();
            };
            stdin.on('drain', done).on('close', done);
          });
        }
      }
      stdin.end();
    } catch (err) {
      fail(err);
    }
  };
}

/** Top-level ISO-BMFF boxes: true when `moov` (the sample index) comes after `mdat` (the samples). */
function moovAfterMdat(b: Uint8Array): boolean {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let sawMdat = false;
  for (let off = 0; off + 8 <= b.length; ) {
    let size = view.getUint32(off);
    const type = String.fromCharCode(b[off + 4] ?? 0, b[off + 5] ?? 0, b[off + 6] ?? 0, b[off + 7] ?? 0);
    if (type === 'moov') return sawMdat;
    if (type === 'mdat') sawMdat = true;
    if (size === 1 && off + 16 <= b.length) size = Number(view.getBigUint64(off + 8));
    if (size < 8) return false;
    off += size;
  }
  return false;
}

/** Serves the bytes once, on 127.0.0.1 under a random path, with Range support so ffmpeg can seek. */
async function serveOnLoopback(bytes: Uint8Array): Promise<Input> {
  const path = `/${randomBytes(16).toString('hex')}`;
  const server = createServer((req, res) => {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = Math.min(range?.[2] ? Number(range[2]) : Number.POSITIVE_INFINITY, bytes.length - 1);
    if (req.url !== path || req.method !== 'GET') return void res.writeHead(404).end();
    if (start >= bytes.length)
      return void res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
    const headers = { 'accept-ranges': 'bytes', 'content-length': String(end - start + 1) };
    const partial = range ? { 'content-range': `bytes ${start}-${end}/${bytes.length}` } : {};
    res.writeHead(range ? 206 : 200, { ...headers, ...partial }).end(bytes.subarray(start, end + 1));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const close = (): void => {
    server.closeAllConnections();
    server.close();
  };
  return { url: `http://127.0.0.1:${port}${path}`, whitelist: 'http,tcp', feed: null, close };
}

type VideoErrorKind = 'FFMPEG_MISSING' | 'DECODE_FAILED' | 'TOO_LONG' | 'TIMEOUT' | 'ABORTED';
const STATUS = { FFMPEG_MISSING: 500, DECODE_FAILED: 400, TOO_LONG: 413, TIMEOUT: 503, ABORTED: 503 };

function videoError(
  kind: VideoErrorKind,
  message: string,
  extra: Record<string, unknown> = {},
): HashwatchError {
  const { cause, ...details } = extra;
  const code = kind === 'FFMPEG_MISSING' ? 'HASH_FFMPEG_MISSING' : `HASH_VIDEO_${kind}`;
  // A time limit or an abort (shutdown, cancelled job) says nothing about the video: try again later.
  const retryable = kind === 'TIMEOUT' || kind === 'ABORTED';
  return new HashwatchError(code, message, { status: STATUS[kind], retryable, details, cause });
}

/** 8K UHD is 33 M pixels; anything much larger is refused rather than allocated. */
const MAX_FRAME_PIXELS = 40_000_000;
/** What ffmpeg's PPM encoder writes before each frame: `P6\n<w> <h>\n255\n`. */
const PPM_HEADER = /^P6\s(\d{1,5})\s(\d{1,5})\s255\s/;

async function* readPpmFrames(
  out: AsyncIterable<Buffer>,
): AsyncGenerator<{ width: number; height: number; pixels: Uint8Array }> {
  let pending: Buffer = Buffer.alloc(0);
  let frame: Uint8Array | null = null;
  let filled = 0;
  let width = 0;
  let height = 0;
  for await (const chunk of out) {
    let data: Buffer = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (frame === null) {
        const m = PPM_HEADER.exec(data.subarray(0, 32).toString('latin1'));
        if (!m) {
          if (data.length >= 32) throw videoError('DECODE_FAILED', 'unexpected bytes in the frame stream');
          pending = data;
          break;
        }
        width = Number(m[1]);
        height = Number(m[2]);
        if (width * height > MAX_FRAME_PIXELS) {
          throw videoError('DECODE_FAILED', `frame of ${width}×${height} is too large`, { width, height });
        }
        frame = new Uint8Array(width * height * 3);
        filled = 0;
        data = data.subarray(m[0].length);
        continue;
      }
      const n = Math.min(frame.length - filled, data.length);
      frame.set(data.subarray(0, n), filled);
      filled += n;
      data = data.subarray(n);
      if (filled === frame.length) {
        yield { width, height, pixels: frame };
        frame = null;
      }
    }
  }
}

interface FfmpegLog {
  /** Frame rate of the output stream and container duration; settles once ffmpeg printed them. */
  header: Promise<{ fps: number; durationMs: number | null }>;
  /** Settles when stderr closes: the last lines, and whether the demuxer reported a partial file. */
  done: Promise<{ tail: string; truncated: boolean }>;
}

/**
 * Reads ffmpeg's log. It echoes the file's metadata, so nothing parsed here sizes or cuts frames: a forged
 * line could at worst skew the reported times. `-map_metadata -1` keeps the output section clean.
 */
function parseFfmpegLog(stderr: Readable): FfmpegLog {
  let head = '';
  let tail = '';
  let truncated = false;
  let settle: ((h: { fps: number; durationMs: number | null }) => void) | null = null;
  const header = new Promise<{ fps: number; durationMs: number | null }>((resolve) => {
    settle = resolve;
  });
  const tryHeader = (final: boolean): void => {
    const out = head.slice(head.lastIndexOf('\nOutput #0,') + 1);
    const stream = out.startsWith('Output #0,') ? /^\s+Stream #0:0.*: Video: .*\n/m.exec(out) : null;
    if (!stream && !final) return;
    const rate = stream ? /, ([\d.]+)(k?) fps\b/.exec(stream[0]) : null;
    const d = /^\s+Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/m.exec(head);
    settle?.({
      fps: rate ? snapNtsc(Number(rate[1]) * (rate[2] ? 1000 : 1)) : 30,
      durationMs: d ? Math.round((Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3])) * 1000) : null,
    });
    settle = null;
  };
  stderr.setEncoding('latin1');
  stderr.on('data', (text: string) => {
    truncated ||= /partial file/.test(tail.slice(-32) + text);
    if (head.length < 65_536) head += text.slice(0, 65_536 - head.length);
    tail = (tail + text).slice(-4096);
    if (settle) tryHeader(false);
  });
  const done = new Promise<{ tail: string; truncated: boolean }>((resolve) => {
    stderr.once('close', () => {
      if (settle) tryHeader(true);
      const lines = tail.trim().split('\n').slice(-3).join(' | ');
      resolve({ tail: lines.slice(-300), truncated });
    });
  });
  return { header, done };
}

/** ffmpeg prints rates with two decimals; 29.97 means 30000/1001, and so on. */
function snapNtsc(fps: number): number {
  const ntsc = Math.round(fps * 1.001) / 1.001;
  return Number.isInteger(fps) || Math.abs(ntsc - fps) > 0.006 || fps <= 0 ? fps || 30 : ntsc;
}
