import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { sniffMedia } from './sniff.js';

const run = promisify(execFile);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A synthetic test-pattern video, encoded by the system ffmpeg straight to memory. */
async function video(args: string[]): Promise<Uint8Array> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=d=0.5:s=64x48:r=10',
      ...args,
      'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 8 * 1024 * 1024 },
  );
  return stdout;
}

/** A 2×2 24-bit BMP, written by hand (sharp cannot encode BMP). */
function bmp(): Uint8Array {
  const pixels = 2 * 4; // two rows of 2×3 bytes padded to 4
  const out = Buffer.alloc(54 + pixels);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(2, 18);
  out.writeInt32LE(2, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(pixels, 34);
  return out;
}

const images: Record<string, Uint8Array> = {};
const videos: Record<string, Uint8Array> = {};

beforeAll(async () => {
  const base = sharp({
    create: { width: 16, height: 12, channels: 3, background: { r: 200, g: 40, b: 90 } },
  });
  const [png, jpeg, webp, gif, avif, tiff] = await Promise.all([
    base.clone().png().toBuffer(),
    base.clone().jpeg().toBuffer(),
    base.clone().webp().toBuffer(),
    base.clone().gif().toBuffer(),
    base.clone().avif({ effort: 0 }).toBuffer(),
    base.clone().tiff().toBuffer(),
  ]);
  Object.assign(images, { png, jpg: jpeg, webp, gif, avif, tif: tiff, bmp: bmp() });
  const [mp4, webm, ts, mkv] = await Promise.all([
    video(['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', 'frag_keyframe+empty_moov', '-f', 'mp4']),
    video(['-c:v', 'libvpx', '-deadline', 'realtime', '-f', 'webm']),
    video(['-c:v', 'mpeg2video', '-f', 'mpegts']),
    video(['-c:v', 'mpeg4', '-f', 'matroska']),
  ]);
  Object.assign(videos, { mp4, webm, mts: ts, mkv });
});

describe('sniffMedia', () => {
  it.each(['png', 'jpg', 'webp', 'gif', 'avif', 'tif', 'bmp'])(
    'recognises a real %s as an image',
    async (ext) => {
      const bytes = images[ext];
      if (bytes === undefined) throw new Error(`fixture ${ext} missing`);
      expect(await sniffMedia(bytes)).toMatchObject({ kind: 'image', ext });
    },
  );

  it.each(['mp4', 'webm', 'mts', 'mkv'])('recognises a real %s as a video', async (ext) => {
    const bytes = videos[ext];
    if (bytes === undefined) throw new Error(`fixture ${ext} missing`);
    expect(await sniffMedia(bytes)).toMatchObject({ kind: 'video', ext });
  });

  it('recognises HTML whatever it is served as, including a bare error fragment', async () => {
    for (const page of [
      '<!DOCTYPE html><html><body>Access denied</body></html>',
      '\n\n  <html lang="en"><head><title>404</title></head></html>',
      '\uFEFF<!doctype HTML>',
      '<!-- cache miss --><HEAD><meta charset="utf-8">',
      '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"></html>',
      '<script>location="/login"</script>',
    ]) {
      expect(await sniffMedia(text(page)), page).toMatchObject({ kind: 'html' });
    }
  });

  it('recognises SVG (for the caller to refuse), with or without a prolog', async () => {
    for (const doc of [
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- generator -->\n<svg xmlns="http://www.w3.org/2000/svg"></svg>',
      '<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg></svg>',
      '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>',
    ]) {
      expect(await sniffMedia(text(doc)), doc).toMatchObject({ kind: 'svg', mime: 'image/svg+xml' });
    }
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<svg></svg>', 'utf16le')]);
    expect((await sniffMedia(utf16)).kind).toBe('svg');
  });

  it('recognises HLS and DASH manifests', async () => {
    expect(await sniffMedia(text('#EXTM3U\n#EXT-X-VERSION:3\n'))).toMatchObject({ kind: 'hls', ext: 'm3u8' });
    expect(
      await sniffMedia(text('<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011">')),
    ).toMatchObject({
      kind: 'dash',
      ext: 'mpd',
    });
  });

  it('decides by magic bytes: a PNG that starts with markup-like bytes later is still a PNG', async () => {
    const png = images.png ?? new Uint8Array();
    const withTrailer = Buffer.concat([png, Buffer.from('<html><script>x</script></html>')]);
    expect((await sniffMedia(withTrailer)).kind).toBe('image');
  });

  it('says unknown for empty, random, plain text, other XML and audio', async () => {
    const wav = Buffer.alloc(44);
    wav.write('RIFF', 0, 'ascii');
    wav.writeUInt32LE(36, 4);
    wav.write('WAVEfmt ', 8, 'ascii');
    for (const bytes of [
      new Uint8Array(0),
      Uint8Array.from({ length: 256 }, (_, i) => (i * 37) % 251),
      text('just words'),
      text('<?xml version="1.0"?><rss version="2.0"></rss>'),
      text('<!-- a comment that never ends'),
      wav,
    ]) {
      expect((await sniffMedia(bytes)).kind).toBe('unknown');
    }
  });
});
