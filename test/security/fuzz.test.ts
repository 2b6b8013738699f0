import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistryFile, RegistryFileError } from '../../src/cli/registry-file.js';
import { checkUrl } from '../../src/crawler/net/address-policy.js';
import { parseManifest } from '../../src/crawler/net/manifest.js';
import { sniffMedia } from '../../src/crawler/net/sniff.js';
import { isHashwatchError } from '../../src/errors.js';
import { decodeImage, hashImageBytes, hexToBytes, pdqHash, SIGNAL_TYPES } from '../../src/hashing/index.js';

/*
 * Time-boxed fuzzing of everything that reads bytes or text from outside: the image decoder and the
 * hash entry points, PDQ on raw pixels, hash parsers, HLS/DASH manifests, registry files and content
 * sniffing. The property everywhere: an input is either accepted or refused with a typed error
 * (HashwatchError; RegistryFileError for the CLI's registry file), never another exception, never a
 * hang (every call has a deadline), with memory bounded.
 *
 * FUZZ_SECONDS (default 20) is shared between the targets; FUZZ_SEED replays a run. The seed is
 * printed first; a failure prints fast-check's counterexample, seed and path.
 */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 20);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CALL_DEADLINE_MS = 15_000;
/** The most memory the whole run may add to the process (decoding is capped at 20 MP = 80 MB). */
const MAX_RSS_GROWTH = 768 * 1024 * 1024;

const SHARES = {
  hashMutated: 0.3,
  decodeRandom: 0.08,
  sniff: 0.07,
  pdq: 0.1,
  hashParsers: 0.05,
  hls: 0.12,
  dash: 0.13,
  registryFile: 0.15,
};

class Hang extends Error {}

/** `p`, or a Hang after the deadline: a call that never ends fails the property. */
async function deadline<T>(p: Promise<T>, label: string, ms = CALL_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Hang(`${label} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Fails with the error unless it is one of ours. */
function expectTyped(err: unknown, codePrefix?: string): void {
  if (err instanceof Hang) throw err;
  if (!isHashwatchError(err))
    throw new Error(`untyped ${String((err as Error)?.name)}: ${String((err as Error)?.message)}`);
  if (codePrefix && !err.code.startsWith(codePrefix))
    throw new Error(`unexpected code ${err.code}: ${err.message}`);
  if (!err.message || err.status < 400 || err.status >= 500)
    throw new Error(`${err.code} without a message or with status ${err.status}`);
}

const runs: Record<string, number> = {};

/** Runs `property` for its share of the time with its own seed; throws fast-check's report on failure. */
async function fuzz<T>(
  name: keyof typeof SHARES,
  arb: fc.Arbitrary<T>,
  property: (input: T) => Promise<void>,
) {
  const details = await fc.check(
    fc.asyncProperty(arb, async (input) => {
      await property(input);
    }),
    {
      seed: SEED + Object.keys(SHARES).indexOf(name),
      numRuns: 1_000_000,
      interruptAfterTimeLimit: Math.max(500, SECONDS * 1000 * SHARES[name]),
      markInterruptAsFailure: false,
    },
  );
  runs[name] = details.numRuns;
  if (details.failed) {
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${name}: ${fc.defaultReportMessage(details)}\nError: ${cause}`);
  }
  expect(details.numRuns, `${name} ran too few inputs`).toBeGreaterThanOrEqual(name === 'dash' ? 3 : 10);
}

// ---- inputs ---------------------------------------------------------------------------------

/** Small synthetic images in every format a crawl meets, and one real photo. */
async function imageFixtures(): Promise<Buffer[]> {
  const width = 96;
  const height = 64;
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + ((i / 3) % width) * 3 + (i % 251)) & 0xff;
  const base = () => sharp(raw, { raw: { width, height, channels: 3 } });
  return [
    await base().jpeg({ quality: 80 }).toBuffer(),
    await base().jpeg({ progressive: true }).toBuffer(),
    await base().png().toBuffer(),
    await base().webp().toBuffer(),
    await base().gif().toBuffer(),
    await readFile('test/fixtures/pdq/images/misc-images/wee.jpg'),
  ];
}

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; n: number }
  | { op: 'ff'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 48 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 48 }) }),
  // Two 0xFF bytes: in a header they make a width or height (or a length field) huge.
  fc.record({ op: fc.constant('ff' as const), at: fc.nat() }),
);

/** Applies mutations; `headers` aims them at the first 64 bytes, where sizes and lengths live. */
function mutate(input: Buffer, mutations: Mutation[], headers: boolean): Buffer {
  let b = Buffer.from(input);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % (headers ? Math.min(b.length, 64) : b.length);
    if (m.op === 'flip') b[at] = (b[at] ?? 0) ^ (1 << m.bit);
    else if (m.op === 'set') b[at] = m.value;
    else if (m.op === 'truncate') b = b.subarray(0, at);
    else if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
    else b.fill(0xff, at, Math.min(at + 2, b.length));
  }
  return b;
}

const mutatedImage = (fixtures: () => Buffer[]) =>
  fc
    .record({
      fixture: fc.nat(),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 6 }),
      headers: fc.boolean(),
    })
    .map(({ fixture, mutations, headers }) => {
      const all = fixtures();
      return mutate(all[fixture % all.length] ?? Buffer.alloc(0), mutations, headers);
    });

/** Magic numbers and text starts of every format the sniffer and decoder tell apart. */
const MAGIC = [
  [0xff, 0xd8, 0xff],
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  [0x47, 0x49, 0x46, 0x38, 0x39, 0x61],
  [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
  [0, 0, 0, 0x1c, 0x66, 0x74, 0x79, 0x70, 0x61, 0x76, 0x69, 0x66],
  [0x49, 0x49, 0x2a, 0],
  [0x1a, 0x45, 0xdf, 0xa3],
  [0x25, 0x50, 0x44, 0x46],
  ...[
    '<svg',
    '<?xml version="1.0"?><svg',
    '#EXTM3U',
    '<MPD',
    '<!DOCTYPE html>',
    '\uFEFF  <html',
    '<!--x--><svg',
  ].map((s) => [...Buffer.from(s)]),
];
const randomBytes = fc
  .record({ magic: fc.option(fc.constantFrom(...MAGIC)), rest: fc.uint8Array({ maxLength: 2048 }) })
  .map(({ magic, rest }) => Buffer.concat([Buffer.from(magic ?? []), rest]));

/** Hex digits (fast-check 4 has no hexaString). */
const hexString = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength, maxLength });

/** URLs a hostile manifest points at. */
const hostileUri = fc.oneof(
  fc.constantFrom(
    'seg-1.ts',
    '../../../etc/passwd',
    'https://cdn.example/v/1.ts',
    'file:///etc/passwd',
    'http://127.0.0.1:6379/',
    'http://[::1]/a.ts',
    'http://[::ffff:127.0.0.1]/a.ts',
    'http://0x7f.0.0.1/a.ts',
    'http://2130706433/a.ts',
    'http://0177.0.0.1/a.ts',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/a.ts',
    'http://localhost./a.ts',
    'javascript:alert(1)',
    'data:video/mp2t;base64,AAAA',
    '//evil.example/x.ts',
    'gopher://evil.example/',
    'https://user:pw@cdn.example/a.ts',
    `https://cdn.example/${'a'.repeat(9000)}`,
    '',
  ),
  fc.webUrl(),
  fc.string({ maxLength: 40 }),
);
const number = fc.oneof(
  fc.integer({ min: -5, max: 100_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom('NaN', '-1', '1e309', '', '0x10', '٣'),
);
const hlsLine = fc.oneof(
  fc.tuple(number, fc.string({ maxLength: 10 })).map(([n, t]) => `#EXTINF:${n},${t}`),
  fc
    .tuple(number, number, number)
    .map(([b, w, h]) => `#EXT-X-STREAM-INF:BANDWIDTH=${b},RESOLUTION=${w}x${h},CODECS="avc1.4d401f"`),
  fc.tuple(hostileUri, hexString(0, 40)).map(([u, iv]) => `#EXT-X-KEY:METHOD=AES-128,URI="${u}",IV=0x${iv}`),
  hostileUri.map((u) => `#EXT-X-MAP:URI="${u}"`),
  fc.tuple(number, number).map(([a, b]) => `#EXT-X-BYTERANGE:${a}@${b}`),
  number.map((n) => `#EXT-X-TARGETDURATION:${n}`),
  number.map((n) => `#EXT-X-MEDIA-SEQUENCE:${n}`),
  fc.constantFrom('#EXT-X-ENDLIST', '#EXT-X-DISCONTINUITY', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-VERSION:7'),
  hostileUri,
  fc.string({ maxLength: 30 }),
);
const hlsText = fc
  .record({ bom: fc.boolean(), lines: fc.array(hlsLine, { maxLength: 40 }), crlf: fc.boolean() })
  .map(
    ({ bom, lines, crlf }) =>
      `${bom ? '\uFEFF' : ''}#EXTM3U${crlf ? '\r\n' : '\n'}${lines.join(crlf ? '\r\n' : '\n')}`,
  );

const xmlAttr = (s: string, escaped: boolean) =>
  escaped ? s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;') : s;
const dashText = fc
  .record({
    dynamic: fc.boolean(),
    duration: number,
    escape: fc.boolean(),
    base: fc.option(hostileUri),
    reps: fc.array(
      fc.record({
        bandwidth: number,
        width: number,
        height: number,
        base: fc.option(hostileUri),
        segments: fc.array(hostileUri, { maxLength: 6 }),
        protected: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
    garbage: fc.option(fc.string({ maxLength: 30 })),
  })
  .map(
    (d) =>
      `<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="${d.dynamic ? 'dynamic' : 'static'}" mediaPresentationDuration="PT${d.duration}S">` +
      (d.base === null ? '' : `<BaseURL>${xmlAttr(d.base, d.escape)}</BaseURL>`) +
      '<Period><AdaptationSet mimeType="video/mp4" contentType="video">' +
      d.reps
        .map(
          (r, i) =>
            `<Representation id="${i}" bandwidth="${r.bandwidth}" width="${r.width}" height="${r.height}" codecs="avc1.4d401f">` +
            (r.protected
              ? '<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc"/>'
              : '') +
            (r.base === null ? '' : `<BaseURL>${xmlAttr(r.base, d.escape)}</BaseURL>`) +
            (r.segments.length
              ? `<SegmentList duration="${r.bandwidth}">${r.segments.map((s) => `<SegmentURL media="${xmlAttr(s, d.escape)}"/>`).join('')}</SegmentList>`
              : '') +
            '</Representation>',
        )
        .join('') +
      `</AdaptationSet></Period>${d.garbage ?? ''}</MPD>`,
  );

const hex = (n: number) => hexString(n, n).map((h) => h.toLowerCase());
const validItem = fc.record({
  kind: fc.constant('image'),
  sha256: hex(64),
  md5: hex(32),
  pdq: hex(64),
  pdqQuality: fc.integer({ min: 0, max: 100 }),
  blockhash: hex(64),
  width: fc.integer({ min: 1, max: 10_000 }),
  height: fc.integer({ min: 1, max: 10_000 }),
  file: fc.string({ maxLength: 20 }),
});
const jsonlLine = fc.oneof(
  validItem.map((v) => JSON.stringify(v)),
  fc
    .tuple(validItem, fc.constantFrom('sha256', 'md5', 'pdq', 'pdqQuality', 'kind', 'width'), fc.jsonValue())
    .map(([v, k, bad]) => JSON.stringify({ ...v, [k]: bad })),
  fc.constantFrom(
    '{"__proto__": {"polluted": true}, "kind": "image"}',
    '{"constructor": {"prototype": {"polluted": true}}}',
    '{"file": "x.jpg", "error": {"code": "HASH_DECODE_FAILED", "message": "no"}}',
    '{"file": "x.jpg", "error": null}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    '1e999999',
    'null',
    '"just a string"',
    '{"kind": "video", "sha256": "0", "frames": [{"ms": -1, "pdq": "zz"}]}',
  ),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
);

// ---- the run -----------------------------------------------------------------------------

describe(`fuzzing decoders, hash entry points and parsers (seed ${SEED}, ${SECONDS} s)`, () => {
  let fixtures: Buffer[] = [];
  let dir = '';
  let baseline = 0;
  let peak = 0;
  let sampler: NodeJS.Timeout | undefined;
  const policy = { allowPrivateNetworks: false };

  beforeAll(async () => {
    console.log(
      `fuzz seed ${SEED}, ${SECONDS} s: replay with FUZZ_SEED=${SEED} FUZZ_SECONDS=${SECONDS} npx vitest run test/security/fuzz.test.ts`,
    );
    fixtures = await imageFixtures();
    // Named so the media-byte scans (test/helpers/byte-scan.ts) know these files are test inputs.
    dir = await mkdtemp(join(tmpdir(), 'hw-test-inputs-fuzz-'));
    sharp.cache(false);
    baseline = process.memoryUsage().rss;
    peak = baseline;
    sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 25);
  });
  afterAll(async () => {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
    console.log(
      `fuzz inputs per target: ${JSON.stringify(runs)}; peak RSS +${Math.round((peak - baseline) / 2 ** 20)} MB`,
    );
  });

  const timeout = (share: number) => Math.max(30_000, SECONDS * 1000 * share * 3 + 20_000);

  it(
    'hashes or refuses mutated JPEG, PNG, WebP and GIF bytes with a HASH_* error',
    async () => {
      const limits = { maxInputPixels: 20_000_000, timeoutSeconds: 10 };
      await fuzz(
        'hashMutated',
        mutatedImage(() => fixtures),
        async (bytes) => {
          try {
            const h = await deadline(hashImageBytes(bytes, limits), 'hashImageBytes');
            expect(h.pdq).toMatch(/^[0-9a-f]{64}$/);
            expect(h.blockhash).toMatch(/^[0-9a-f]{64}$/);
            expect(h.sha256).toMatch(/^[0-9a-f]{64}$/);
            expect(h.pdqQuality).toBeGreaterThanOrEqual(0);
            expect(h.pdqQuality).toBeLessThanOrEqual(100);
          } catch (err) {
            expectTyped(err, 'HASH_');
          }
        },
      );
    },
    timeout(SHARES.hashMutated),
  );

  it(
    'decodes or refuses random bytes behind every magic number',
    async () => {
      await fuzz('decodeRandom', randomBytes, async (bytes) => {
        try {
          const d = await deadline(
            decodeImage(bytes, { maxInputPixels: 20_000_000, timeoutSeconds: 10 }),
            'decode',
          );
          expect(d.pixels.length).toBe(d.width * d.height * 4);
        } catch (err) {
          expectTyped(err, 'HASH_');
        }
      });
    },
    timeout(SHARES.decodeRandom),
  );

  it(
    'sniffs any bytes without throwing',
    async () => {
      const kinds = new Set(['image', 'video', 'hls', 'dash', 'html', 'svg', 'unknown']);
      await fuzz(
        'sniff',
        fc.oneof(
          randomBytes,
          mutatedImage(() => fixtures),
        ),
        async (bytes) => {
          const r = await deadline(sniffMedia(bytes), 'sniffMedia');
          expect(kinds.has(r.kind)).toBe(true);
        },
      );
    },
    timeout(SHARES.sniff),
  );

  it(
    'hashes raw grey, RGB and RGBA buffers of any size; a short buffer is a RangeError',
    async () => {
      const input = fc.record({
        // Mostly small (the edge cases live below PDQ's 64×64 working size), sometimes large.
        width: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 400 })),
        height: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 400 })),
        channels: fc.constantFrom(1 as const, 3 as const, 4 as const),
        pattern: fc.constantFrom('noise', 'flat', 'gradient', 'stripes'),
        short: fc.boolean(),
        seed: fc.nat(),
      });
      await fuzz('pdq', input, async ({ width, height, channels, pattern, short, seed }) => {
        const n = width * height * channels;
        const pixels = new Uint8Array(short && n > 0 ? n - 1 : n);
        let x = seed | 1;
        for (let i = 0; i < pixels.length; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          pixels[i] =
            pattern === 'noise'
              ? x & 0xff
              : pattern === 'flat'
                ? seed & 0xff
                : pattern === 'gradient'
                  ? (i / channels) % 256
                  : ((i / channels / 4) | 0) % 2
                    ? 255
                    : 0;
        }
        if (short && n > 0) {
          expect(() => pdqHash(pixels, width, height, channels)).toThrow(RangeError);
          return;
        }
        const r = pdqHash(pixels, width, height, channels);
        expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(r.quality).toBeGreaterThanOrEqual(0);
        expect(r.quality).toBeLessThanOrEqual(100);
      });
    },
    timeout(SHARES.pdq),
  );

  it(
    'parses hashes of every signal type, or refuses them with HASH_INVALID',
    async () => {
      const text = fc.oneof(
        fc.string({ maxLength: 80 }),
        hexString(0, 70),
        fc
          .tuple(hexString(30, 66), fc.constantFrom(' ', '\t', '\n', '٣', 'Ａ', 'g', '\u0000', ''))
          .map(([h, c]) => `${c}${h}${c}`),
      );
      const input = fc.record({
        text,
        type: fc.constantFrom(...SIGNAL_TYPES),
        bits: fc.constantFrom(128, 256, 64),
      });
      await fuzz('hashParsers', input, async ({ text: s, type, bits }) => {
        for (const parse of [() => type.parse(s), () => hexToBytes(s, bits)]) {
          try {
            const bytes = parse();
            expect(/^[0-9a-fA-F]+$/.test(s.trim())).toBe(true);
            expect(Buffer.from(bytes).toString('hex')).toBe(s.trim().toLowerCase());
          } catch (err) {
            expectTyped(err, 'HASH_INVALID');
          }
        }
      });
    },
    timeout(SHARES.hashParsers),
  );

  /** Every URL a parsed manifest would fetch passes the address policy (no file:, no private hosts). */
  const fetchable = (manifest: unknown): string[] => {
    const urls: string[] = [];
    const walk = (v: unknown, key: string) => {
      if (typeof v === 'string' && /url|uri/i.test(key)) urls.push(v);
      else if (Array.isArray(v)) for (const x of v) walk(x, key);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    walk(manifest, '');
    for (const u of urls) checkUrl(u, policy); // throws CRAWL_BAD_URL / CRAWL_BLOCKED_ADDRESS
    return urls;
  };

  it(
    'parses or refuses hostile HLS playlists, and never yields a URL the address policy blocks',
    async () => {
      let withUrls = 0;
      await fuzz('hls', hlsText, async (text) => {
        try {
          const m = await deadline(parseManifest('https://cdn.example/live/index.m3u8', text, policy), 'HLS');
          expect(m.kind).toBe('hls');
          if (fetchable(m).length > 0) withUrls++;
        } catch (err) {
          expectTyped(err, 'CRAWL_');
        }
      });
      // The generator reaches accepted playlists with addresses in them, not only refusals.
      expect(withUrls).toBeGreaterThan(0);
    },
    timeout(SHARES.hls),
  );

  it(
    'parses or refuses hostile DASH manifests, and never yields a URL the address policy blocks',
    async () => {
      await fuzz('dash', dashText, async (text) => {
        try {
          const m = await deadline(parseManifest('https://cdn.example/v/manifest.mpd', text, policy), 'DASH');
          expect(m.kind).toBe('dash');
          fetchable(m);
        } catch (err) {
          expectTyped(err, 'CRAWL_');
        }
      });
    },
    timeout(SHARES.dash),
  );

  it(
    'loads or refuses registry files line by line, and nothing pollutes Object.prototype',
    async () => {
      let n = 0;
      await fuzz('registryFile', fc.array(jsonlLine, { maxLength: 12 }), async (lines) => {
        const path = join(dir, `registry-${++n}.jsonl`);
        await writeFile(path, lines.join('\n'));
        try {
          const r = await deadline(loadRegistryFile(path, {}), 'loadRegistryFile');
          expect(r.files.size).toBeGreaterThan(0);
        } catch (err) {
          if (err instanceof Hang) throw err;
          if (!(err instanceof RegistryFileError))
            throw new Error(`untyped ${(err as Error)?.name}: ${(err as Error)?.message}`);
          expect(err.problems.length).toBeGreaterThan(0);
        } finally {
          await rm(path, { force: true });
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });
    },
    timeout(SHARES.registryFile),
  );

  it('kept memory bounded while fuzzing', () => {
    expect(peak - baseline).toBeLessThan(MAX_RSS_GROWTH);
  });
});
