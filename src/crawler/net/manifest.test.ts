import { describe, expect, it } from 'vitest';
import { caught } from '../../../test/helpers/fixture-server.js';
import { chooseVariant, parseManifest, type Variant } from './manifest.js';

const strict = { allowPrivateNetworks: false };
const BASE = 'https://cdn.example.com/videos/42/master.m3u8';

const master = `#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720,CODECS="avc1.4d401f,mp4a.40.2"
720/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=320x180
../low/180.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360
/abs/360.m3u8?token=abc
#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS="mp4a.40.2"
audio.m3u8
`;

const media = (body: string, end = true): string =>
  `#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n${body}${end ? '#EXT-X-ENDLIST\n' : ''}`;

describe('HLS', () => {
  it('lists video variants with resolved URLs and chooses the lowest at or above 360p', async () => {
    const parsed = await parseManifest(BASE, master, strict);
    expect(parsed.kind).toBe('hls');
    expect(parsed.variants.map((v) => v.url)).toEqual([
      'https://cdn.example.com/videos/42/720/index.m3u8',
      'https://cdn.example.com/videos/low/180.m3u8',
      'https://cdn.example.com/abs/360.m3u8?token=abc',
    ]);
    expect(parsed.chosen).toMatchObject({ height: 360, width: 640, bandwidth: 800000 });
    expect(parsed.segments).toEqual([]);
  });

  it('reads a media playlist: segments, init segment, byte ranges, durations', async () => {
    const text = media(
      '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg-0.m4s\n#EXTINF:3.5,\n#EXT-X-BYTERANGE:1000@2000\nhttps://media.example.net/all.m4s\n',
    );
    const parsed = await parseManifest('https://cdn.example.com/v/360.m3u8', text, strict);
    expect(parsed).toMatchObject({
      endless: false,
      totalDurationSec: 7.5,
      mediaSequence: 7,
      targetDurationSec: 4,
    });
    expect(parsed.encryption).toBeUndefined();
    expect(parsed.segments).toEqual([
      {
        url: 'https://cdn.example.com/v/seg-0.m4s',
        durationSec: 4,
        init: { url: 'https://cdn.example.com/v/init.mp4' },
      },
      {
        url: 'https://media.example.net/all.m4s',
        durationSec: 3.5,
        byteRange: { offset: 2000, length: 1000 },
        init: { url: 'https://cdn.example.com/v/init.mp4' },
      },
    ]);
  });

  it('marks a playlist without #EXT-X-ENDLIST as endless (live)', async () => {
    const parsed = await parseManifest(BASE, media('#EXTINF:4,\na.ts\n', false), strict);
    expect(parsed.endless).toBe(true);
  });

  it('reports encryption', async () => {
    const text = media(
      '#EXT-X-KEY:METHOD=AES-128,URI="k.bin",IV=0x000102030405060708090a0b0c0d0e0f\n#EXTINF:4,\na.ts\n',
    );
    expect((await parseManifest(BASE, text, strict)).encryption).toBe('AES-128');
  });

  it.each([
    ['file:///etc/passwd', 'CRAWL_BAD_URL'],
    ['http://10.0.0.1/x.ts', 'CRAWL_BLOCKED_ADDRESS'],
    ['http://169.254.169.254/latest/meta-data/', 'CRAWL_BLOCKED_ADDRESS'],
    ['http://[::1]:8080/x.ts', 'CRAWL_BLOCKED_ADDRESS'],
    ['http://localhost/x.ts', 'CRAWL_BLOCKED_ADDRESS'],
    ['ftp://example.com/x.ts', 'CRAWL_BAD_URL'],
  ])('refuses a playlist with a segment at %s', async (uri, code) => {
    const err = await caught(() =>
      parseManifest(BASE, media(`#EXTINF:4,\nok.ts\n#EXTINF:4,\n${uri}\n`), strict),
    );
    expect(err.code).toBe(code);
  });

  it('refuses a private init segment and a private variant', async () => {
    const init = media('#EXT-X-MAP:URI="http://192.168.1.1/init.mp4"\n#EXTINF:4,\na.ts\n');
    expect((await caught(() => parseManifest(BASE, init, strict))).code).toBe('CRAWL_BLOCKED_ADDRESS');
    const variant = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://127.0.0.1:9/v.m3u8\n';
    expect((await caught(() => parseManifest(BASE, variant, strict))).code).toBe('CRAWL_BLOCKED_ADDRESS');
  });

  it('accepts private segments when private networks are allowed', async () => {
    const parsed = await parseManifest(BASE, media('#EXTINF:4,\nhttp://10.0.0.1/x.ts\n'), {
      allowPrivateNetworks: true,
    });
    expect(parsed.segments[0]?.url).toBe('http://10.0.0.1/x.ts');
  });

  it('turns malformed input into CRAWL_UNSUPPORTED_CONTENT instead of a crash', async () => {
    // m3u8-parser throws a TypeError on a short IV.
    const badIv = media('#EXT-X-KEY:METHOD=AES-128,URI="k",IV=0x01\n#EXTINF:4,\na.ts\n');
    expect((await caught(() => parseManifest(BASE, badIv, strict))).code).toBe('CRAWL_UNSUPPORTED_CONTENT');
    expect((await caught(() => parseManifest(BASE, '<html></html>', strict))).code).toBe(
      'CRAWL_UNSUPPORTED_CONTENT',
    );
  });
});

const mpd = (body: string, attrs = 'type="static" mediaPresentationDuration="PT8S"'): string =>
  `<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" ${attrs} minBufferTime="PT2S"><Period>${body}</Period></MPD>`;

const ladder = `<AdaptationSet mimeType="video/mp4">
  <SegmentTemplate timescale="1000" duration="4000" initialization="$RepresentationID$/init.mp4" media="$RepresentationID$/$Number$.m4s" startNumber="1"/>
  <Representation id="r720" bandwidth="2000000" width="1280" height="720" codecs="avc1.4d401f"/>
  <Representation id="r360" bandwidth="500000" width="640" height="360" codecs="avc1.4d401e"/>
  <Representation id="r240" bandwidth="200000" width="426" height="240" codecs="avc1.4d4015"/>
</AdaptationSet>
<AdaptationSet mimeType="audio/mp4"><Representation id="a" bandwidth="64000" codecs="mp4a.40.2"><BaseURL>audio.mp4</BaseURL></Representation></AdaptationSet>`;

describe('DASH', () => {
  it('lists representations, chooses 360p and expands its segments', async () => {
    const parsed = await parseManifest('https://cdn.example.com/d/manifest.mpd', mpd(ladder), strict);
    expect(parsed.kind).toBe('dash');
    expect(parsed.variants.map((v) => v.height)).toEqual([720, 360, 240]);
    expect(parsed.chosen?.height).toBe(360);
    expect(parsed.endless).toBe(false);
    expect(parsed.totalDurationSec).toBe(8);
    expect(parsed.segments).toEqual([
      {
        url: 'https://cdn.example.com/d/r360/1.m4s',
        durationSec: 4,
        init: { url: 'https://cdn.example.com/d/r360/init.mp4' },
      },
      {
        url: 'https://cdn.example.com/d/r360/2.m4s',
        durationSec: 4,
        init: { url: 'https://cdn.example.com/d/r360/init.mp4' },
      },
    ]);
  });

  it('treats a single BaseURL representation as one segment, and refuses a file: BaseURL', async () => {
    const single = (url: string): string =>
      mpd(
        `<AdaptationSet mimeType="video/mp4"><Representation id="v" bandwidth="1" width="640" height="360"><BaseURL>${url}</BaseURL></Representation></AdaptationSet>`,
      );
    const parsed = await parseManifest('https://cdn.example.com/m.mpd', single('video.mp4'), strict);
    expect(parsed.segments).toEqual([{ url: 'https://cdn.example.com/video.mp4', durationSec: 8 }]);
    const err = await caught(() =>
      parseManifest('https://cdn.example.com/m.mpd', single('file:///etc/passwd'), strict),
    );
    expect(err.code).toBe('CRAWL_BAD_URL');
  });

  it('refuses a segment template that expands to billions of segments, without harming this process', async () => {
    const bomb = mpd(
      '<AdaptationSet mimeType="video/mp4"><SegmentTemplate timescale="1000" duration="1" media="s$Number$.m4s"/><Representation id="a" bandwidth="1" width="640" height="360"/></AdaptationSet>',
      'type="static" mediaPresentationDuration="PT100000H"',
    );
    const err = await caught(() => parseManifest('https://cdn.example.com/m.mpd', bomb, strict));
    expect(err.code).toBe('CRAWL_UNSUPPORTED_CONTENT');
  });
});

describe('chooseVariant', () => {
  const v = (height: number | undefined, bandwidth: number | undefined): Variant => ({
    url: `https://x.example/${height}-${bandwidth}`,
    width: undefined,
    height,
    bandwidth,
  });

  it('prefers the lowest rendition at or above 360p, then the lower bandwidth', () => {
    expect(chooseVariant([v(1080, 5e6), v(480, 1e6), v(360, 9e5), v(360, 7e5), v(240, 3e5)])).toEqual(
      v(360, 7e5),
    );
  });

  it('falls back to the lowest available when nothing reaches 360p or heights are unknown', () => {
    expect(chooseVariant([v(240, 3e5), v(144, 1e5)])).toEqual(v(144, 1e5));
    expect(chooseVariant([v(undefined, 3e6), v(undefined, 8e5)])).toEqual(v(undefined, 8e5));
    expect(chooseVariant([])).toBeUndefined();
  });
});
