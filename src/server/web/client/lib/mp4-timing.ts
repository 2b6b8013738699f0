/**
 * Frame timing of an MP4 or QuickTime file's first video track, read from its sample tables, so
 * the page can pick the same frames as ffmpeg on the server. Only box headers and the `moov` box
 * (the index: kilobytes to a few megabytes) are read; the media data is never touched.
 *
 * Other containers (WebM, Matroska, AVI) return null and the caller falls back to whole seconds.
 */

/** What the sample tables say about the first video track. */
export interface TrackTiming {
  /** Frames in the track. */
  frames: number;
  /** Frame rate as ffmpeg's demuxer states it (`r_frame_rate`): timescale over the usual frame duration. */
  rate: number;
}

/** A `moov` larger than this is not read (a multi-hour file); whole seconds are used instead. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

/** Boxes an MP4 or QuickTime file may open with; anything else (WebM's EBML header…) is another container. */
const FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot']);

const text = (b: Uint8Array, at: number): string =>
  String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);

/** Child boxes of `b[from, to)`: type, payload start and end. */
function* boxes(
  b: Uint8Array,
  from: number,
  to: number,
): Generator<{ type: string; start: number; end: number }> {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let at = from; at + 8 <= to; ) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1 && at + 16 <= to) {
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header || at + size > to) return;
    yield { type: text(b, at + 4), start: at + header, end: at + size };
    at += size;
  }
}

function child(b: Uint8Array, from: number, to: number, type: string): { start: number; end: number } | null {
  for (const box of boxes(b, from, to)) if (box.type === type) return box;
  return null;
}

/**
 * Timing of the first video track in a `moov` box's payload, or null when it has no video track
 * with sample durations (e.g. a fragmented MP4, whose samples are described elsewhere).
 */
export function parseMoov(moov: Uint8Array): TrackTiming | null {
  const view = new DataView(moov.buffer, moov.byteOffset, moov.byteLength);
  for (const trak of boxes(moov, 0, moov.length)) {
    if (trak.type !== 'trak') continue;
    const mdia = child(moov, trak.start, trak.end, 'mdia');
    const hdlr = mdia && child(moov, mdia.start, mdia.end, 'hdlr');
    if (!mdia || !hdlr || text(moov, hdlr.start + 8) !== 'vide') continue;
    const mdhd = child(moov, mdia.start, mdia.end, 'mdhd');
    const minf = child(moov, mdia.start, mdia.end, 'minf');
    const stbl = minf && child(moov, minf.start, minf.end, 'stbl');
    const stts = stbl && child(moov, stbl.start, stbl.end, 'stts');
    if (!mdhd || !stts) return null;
    const timescale = view.getUint32(mdhd.start + (moov[mdhd.start] === 1 ? 20 : 12));
    const entries = Math.min(view.getUint32(stts.start + 4), Math.floor((stts.end - stts.start - 8) / 8));
    let frames = 0;
    let usual = { count: 0, delta: 0 };
    for (let i = 0; i < entries; i++) {
      const count = view.getUint32(stts.start + 8 + i * 8);
      const delta = view.getUint32(stts.start + 12 + i * 8);
      frames += count;
      if (count > usual.count && delta > 0) usual = { count, delta };
    }
    if (frames === 0 || timescale === 0 || usual.delta === 0) return null;
    return { frames, rate: timescale / usual.delta };
  }
  return null;
}

/** Reads the top-level boxes of `file` until `moov`, and parses it. Never throws: null when unsure. */
export async function mp4Timing(file: Blob): Promise<TrackTiming | null> {
  try {
    for (let at = 0; at + 8 <= file.size; ) {
      const head = new Uint8Array(await file.slice(at, at + 16).arrayBuffer());
      const view = new DataView(head.buffer);
      let size = view.getUint32(0);
      let header = 8;
      if (size === 1 && head.length >= 16) {
        size = Number(view.getBigUint64(8));
        header = 16;
      } else if (size === 0) size = file.size - at;
      const type = text(head, 4);
      if (at === 0 && !FIRST_BOXES.has(type)) return null;
      if (size < header) return null;
      if (type === 'moov') {
        if (size > MAX_MOOV_BYTES) return null;
        return parseMoov(new Uint8Array(await file.slice(at + header, at + size).arrayBuffer()));
      }
      at += size;
    }
  } catch {
    // An unreadable index only costs exact frame timing; the decoder decides whether the file plays.
  }
  return null;
}
