import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  caught,
  type FixtureServer,
  sleep,
  startFixtureServer,
} from '../../../test/helpers/fixture-server.js';
import { GuardedFetcher } from './guarded-fetch.js';

const KB = 1024;
let server: FixtureServer;
let fetcher: GuardedFetcher;
const closedSockets: string[] = [];

beforeAll(async () => {
  server = await startFixtureServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    req.socket.once('close', () => closedSockets.push(url.pathname));
    switch (url.pathname) {
      case '/image':
        res.writeHead(200, {
          'content-type': 'image/jpeg; charset=binary',
          'x-echo-cookie': req.headers.cookie ?? '',
        });
        res.end(Buffer.alloc(3000, 7));
        return;
      case '/gone':
        res.writeHead(410).end('deleted');
        return;
      case '/missing':
        res.writeHead(404).end('not here');
        return;
      case '/busy':
        res.writeHead(503, { 'retry-after': '7' }).end();
        return;
      case '/forbidden':
        res.writeHead(403).end();
        return;
      case '/announced-big':
        // Announces 10 MB and sends nothing: the client must refuse on the header alone.
        res.writeHead(200, { 'content-length': String(10 * KB * KB) });
        res.flushHeaders();
        return;
      case '/chunked': {
        const chunks = Number(url.searchParams.get('n'));
        res.writeHead(200, { 'content-type': 'video/mp4' });
        let sent = 0;
        const timer = setInterval(() => {
          if (sent++ >= chunks || res.destroyed) {
            clearInterval(timer);
            res.end();
            return;
          }
          res.write(Buffer.alloc(64 * KB, sent));
        }, 2);
        return;
      }
      case '/drip': {
        res.writeHead(200, { 'content-type': 'image/png' });
        const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('x')), 100);
        return;
      }
      case '/silent':
        return; // never answers
      default:
        res.writeHead(500).end();
    }
  });
  fetcher = new GuardedFetcher({ allowPrivateNetworks: false, allowHosts: [server.authority] });
});

afterAll(async () => {
  await fetcher.close();
  await server.close();
});

afterEach(() => {
  closedSockets.length = 0;
});

describe('GuardedFetcher.fetchBytes', () => {
  it('downloads bytes with headers, sending the caller cookie and a user agent', async () => {
    const result = await fetcher.fetchBytes(server.url('/image'), {
      maxBytes: 10 * KB,
      headers: { Cookie: 'age_verified=1', Host: 'evil.example' },
    });
    expect(result.status).toBe(200);
    expect(result.bytes.byteLength).toBe(3000);
    expect(result.contentType).toBe('image/jpeg');
    expect(result.headers['x-echo-cookie']).toBe('age_verified=1');
    expect(result.redirects).toEqual([]);
    const sent = server.requests.at(-1)?.headers;
    expect(sent?.host).toBe(server.authority);
    expect(sent?.['user-agent']).toMatch(/hashwatch/);
  });

  it('returns 404 and 410 as a status with no bytes, for the caller to record as gone', async () => {
    for (const [path, status] of [
      ['/gone', 410],
      ['/missing', 404],
    ] as const) {
      const result = await fetcher.fetchBytes(server.url(path), { maxBytes: KB });
      expect(result.status).toBe(status);
      expect(result.bytes.byteLength).toBe(0);
    }
  });

  it('fails a 503 as retryable, with the Retry-After it announced', async () => {
    const err = await caught(() => fetcher.fetchBytes(server.url('/busy'), { maxBytes: KB }));
    expect(err).toMatchObject({ code: 'CRAWL_HTTP_STATUS', retryable: true });
    expect(err.details).toMatchObject({ status: 503, retryAfterSeconds: 7 });
  });

  it('fails a 403 as not retryable', async () => {
    const err = await caught(() => fetcher.fetchBytes(server.url('/forbidden'), { maxBytes: KB }));
    expect(err).toMatchObject({ code: 'CRAWL_HTTP_STATUS', retryable: false, details: { status: 403 } });
  });

  it('refuses at once when Content-Length is above the cap', async () => {
    const started = Date.now();
    const err = await caught(() => fetcher.fetchBytes(server.url('/announced-big'), { maxBytes: 100 * KB }));
    expect(err.code).toBe('CRAWL_TOO_LARGE');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops a chunked body without Content-Length as soon as it crosses the cap', async () => {
    const err = await caught(() => fetcher.fetchBytes(server.url('/chunked?n=40'), { maxBytes: 200 * KB }));
    expect(err).toMatchObject({ code: 'CRAWL_TOO_LARGE', retryable: false });
    // The server had far more to send; it learns we hung up rather than reading it all.
    await expect.poll(() => closedSockets).toContain('/chunked');
  });

  it('accepts a body of exactly the cap', async () => {
    const result = await fetcher.fetchBytes(server.url('/chunked?n=3'), { maxBytes: 192 * KB });
    expect(result.bytes.byteLength).toBe(192 * KB);
  });

  it('ends a slow drip at the whole-request deadline although bytes keep coming', async () => {
    const started = Date.now();
    const err = await caught(() =>
      fetcher.fetchBytes(server.url('/drip'), { maxBytes: 10 * KB, timeoutMs: 600 }),
    );
    expect(err).toMatchObject({ code: 'CRAWL_TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('ends a server that never answers at the deadline', async () => {
    const err = await caught(() =>
      fetcher.fetchBytes(server.url('/silent'), { maxBytes: KB, timeoutMs: 300 }),
    );
    expect(err.code).toBe('CRAWL_TIMEOUT');
  });

  it('ends a silent server at the idle (headers) timeout when that comes first', async () => {
    const impatient = new GuardedFetcher({
      allowPrivateNetworks: false,
      allowHosts: [server.authority],
      idleTimeoutMs: 200,
    });
    const err = await caught(() =>
      impatient.fetchBytes(server.url('/silent'), { maxBytes: KB, timeoutMs: 5000 }),
    );
    expect(err).toMatchObject({ code: 'CRAWL_TIMEOUT', details: { phase: 'headers' } });
    await impatient.close();
  });

  it('rejects with the caller abort reason when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('job cancelled')), 100);
    const err = await caught(() =>
      fetcher.fetchBytes(server.url('/drip'), { maxBytes: KB, timeoutMs: 5000, signal: controller.signal }),
    );
    expect(err.message).toBe('job cancelled');
  });

  it('reports a refused connection as a retryable network error', async () => {
    const open = new GuardedFetcher({ allowPrivateNetworks: true });
    const idle = await startFixtureServer(() => {});
    const port = idle.port;
    await idle.close();
    const err = await caught(() => open.fetchBytes(`http://127.0.0.1:${port}/`, { maxBytes: KB }));
    expect(err).toMatchObject({ code: 'CRAWL_NETWORK', retryable: true });
    await open.close();
  });
});

describe('GuardedFetcher.fetchStream', () => {
  it('streams chunks and releases the connection when the consumer stops early', async () => {
    const stream = await fetcher.fetchStream(server.url('/chunked?n=40'), { maxBytes: 10 * KB * KB });
    let received = 0;
    for await (const chunk of stream.body) {
      received += chunk.byteLength;
      if (received >= 128 * KB) break;
    }
    expect(received).toBeGreaterThanOrEqual(128 * KB);
    await expect.poll(() => closedSockets).toContain('/chunked');
  });

  it('enforces the cap while the consumer reads', async () => {
    const stream = await fetcher.fetchStream(server.url('/chunked?n=40'), { maxBytes: 100 * KB });
    const err = await caught(async () => {
      for await (const _ of stream.body) {
        // read everything
      }
    });
    expect(err.code).toBe('CRAWL_TOO_LARGE');
  });

  it('enforces the deadline while the consumer reads', async () => {
    const stream = await fetcher.fetchStream(server.url('/drip'), { maxBytes: 10 * KB, timeoutMs: 400 });
    const err = await caught(async () => {
      for await (const _ of stream.body) await sleep(1);
    });
    expect(err.code).toBe('CRAWL_TIMEOUT');
  });

  it('releases the connection on cancel() without reading', async () => {
    const stream = await fetcher.fetchStream(server.url('/drip'), { maxBytes: KB, timeoutMs: 5000 });
    stream.cancel();
    await expect.poll(() => closedSockets).toContain('/drip');
  });
});
