import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, type FixtureServer, startFixtureServer } from '../../../test/helpers/fixture-server.js';
import { GuardedFetcher } from './guarded-fetch.js';
import { fetchDashSegments, fetchHlsSegments, type SegmentStreamOptions } from './segment-stream.js';

/** Segment bodies are synthetic: `name` repeated to `size` bytes, so order is visible in the output. */
const body = (name: string, size = 1000): Buffer => Buffer.alloc(size, name);
const caps: SegmentStreamOptions = { maxBytes: 1_000_000, maxSegments: 100, maxDurationSec: 3600 };

let server: FixtureServer;
let fetcher: GuardedFetcher;
let liveLoads = 0;

const playlists: Record<string, string> = {
  '/master.m3u8':
    '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720\nhi/media.m3u8\n' +
    '#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360\nmid/media.m3u8\n',
  '/mid/media.m3u8':
    '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="init.mp4"\n' +
    '#EXTINF:4,\ns0.m4s\n#EXTINF:4,\ns1.m4s\n#EXTINF:4,\n/mid/s2.m4s\n#EXTINF:4,\ns3.m4s\n#EXT-X-ENDLIST\n',
  '/ranges.m3u8':
    '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n#EXT-X-BYTERANGE:4@2\nwhole.bin\n' +
    '#EXTINF:4,\n#EXT-X-BYTERANGE:3@10\nno-range-support.bin\n#EXT-X-ENDLIST\n',
  '/evil-file.m3u8': '#EXTM3U\n#EXTINF:4,\ns0.m4s\n#EXTINF:4,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n',
  '/evil-private.m3u8': '#EXTM3U\n#EXTINF:4,\ns0.m4s\n#EXTINF:4,\nhttp://10.0.0.1/x.ts\n#EXT-X-ENDLIST\n',
  '/encrypted.m3u8':
    '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="k.bin",IV=0x000102030405060708090a0b0c0d0e0f\n#EXTINF:4,\ns0.m4s\n#EXT-X-ENDLIST\n',
};

const mpd = `<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT8S" minBufferTime="PT2S"><Period>
<AdaptationSet mimeType="video/mp4">
  <SegmentTemplate timescale="1" duration="4" initialization="$RepresentationID$/init.mp4" media="$RepresentationID$/$Number$.m4s" startNumber="1"/>
  <Representation id="v720" bandwidth="2000000" width="1280" height="720"/>
  <Representation id="v360" bandwidth="500000" width="640" height="360"/>
</AdaptationSet></Period></MPD>`;

function live(res: ServerResponse): void {
  // First load: segments 0–1; every later load slides the window by one, as a live encoder would.
  const first = liveLoads++;
  const lines = [0, 1].map((i) => `#EXTINF:1,\nlive${first + i}.ts`).join('\n');
  res.end(`#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:${first}\n${lines}\n`);
}

beforeAll(async () => {
  server = await startFixtureServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const playlist = playlists[path];
    if (playlist !== undefined) return void res.end(playlist);
    if (path === '/live.m3u8') return live(res);
    if (path === '/manifest.mpd') return void res.end(mpd);
    if (path === '/whole.bin' || path === '/no-range-support.bin') {
      const bytes = Buffer.from('0123456789abcdef');
      const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
      if (path === '/whole.bin' && range) {
        res.writeHead(206);
        return void res.end(bytes.subarray(Number(range[1]), Number(range[2]) + 1));
      }
      return void res.end(bytes);
    }
    const segment = /\/([\w-]+)\.(?:m4s|mp4|ts)$/.exec(path);
    if (segment?.[1] !== undefined)
      return void res.end(body(segment[1].slice(0, 1) + segment[1].slice(-1), 1000));
    res.writeHead(404).end();
  });
  fetcher = new GuardedFetcher({ allowPrivateNetworks: false, allowHosts: [server.authority] });
});

afterAll(async () => {
  await fetcher.close();
  await server.close();
});

async function drain(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

const requested = (): string[] => server.requests.map((r) => r.url);

describe('fetchHlsSegments', () => {
  it('follows master → 360p media playlist → init + segments, in order', async () => {
    const before = server.requests.length;
    const out = await drain(fetchHlsSegments(fetcher, server.url('/master.m3u8'), caps));
    expect(out.toString()).toBe(['it', 's0', 's1', 's2', 's3'].map((n) => body(n).toString()).join(''));
    const urls = requested().slice(before);
    expect(urls).toContain('/mid/media.m3u8');
    expect(urls.some((u) => u.startsWith('/hi/'))).toBe(false);
  });

  it('stops quietly at maxSegments, maxDurationSec and maxBytes', async () => {
    const url = server.url('/mid/media.m3u8');
    expect((await drain(fetchHlsSegments(fetcher, url, { ...caps, maxSegments: 2 }))).length).toBe(3000);
    expect((await drain(fetchHlsSegments(fetcher, url, { ...caps, maxDurationSec: 5 }))).length).toBe(3000);
    const capped = await drain(fetchHlsSegments(fetcher, url, { ...caps, maxBytes: 2500 }));
    expect(capped.length).toBeLessThanOrEqual(2500);
    expect(capped.length).toBeGreaterThanOrEqual(2000);
  });

  it('fetches byte ranges, cutting them out itself when the server ignores Range', async () => {
    const out = await drain(fetchHlsSegments(fetcher, server.url('/ranges.m3u8'), caps));
    expect(out.toString()).toBe('2345abc');
  });

  it('reloads a live playlist for new segments until a cap', async () => {
    liveLoads = 0;
    const out = await drain(fetchHlsSegments(fetcher, server.url('/live.m3u8'), { ...caps, maxSegments: 3 }));
    expect(out.toString()).toBe(['l0', 'l1', 'l2'].map((n) => body(n).toString()).join(''));
    expect(liveLoads).toBe(2);
  });

  it.each([
    ['/evil-file.m3u8', 'CRAWL_BAD_URL'],
    ['/evil-private.m3u8', 'CRAWL_BLOCKED_ADDRESS'],
    ['/encrypted.m3u8', 'CRAWL_UNSUPPORTED_CONTENT'],
    ['/manifest.mpd', 'CRAWL_UNSUPPORTED_CONTENT'],
    ['/gone.m3u8', 'CRAWL_HTTP_STATUS'],
  ])('refuses %s before fetching any segment (%s)', async (path, code) => {
    const before = server.requests.length;
    const err = await caught(() => drain(fetchHlsSegments(fetcher, server.url(path), caps)));
    expect(err.code).toBe(code);
    expect(requested().slice(before)).toEqual([path]);
  });
});

describe('fetchDashSegments', () => {
  it('streams the 360p representation: init, then its segments', async () => {
    const out = await drain(fetchDashSegments(fetcher, server.url('/manifest.mpd'), caps));
    expect(out.toString()).toBe(['it', '11', '22'].map((n) => body(n).toString()).join(''));
    expect(requested()).toContain('/v360/init.mp4');
    expect(requested().some((u) => u.startsWith('/v720/'))).toBe(false);
  });
});
