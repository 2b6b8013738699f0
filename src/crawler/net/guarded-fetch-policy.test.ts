import { execFile } from 'node:child_process';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, type FixtureServer, startFixtureServer } from '../../../test/helpers/fixture-server.js';
import { GuardedFetcher } from './guarded-fetch.js';
import type { Resolver } from './lookup.js';

const KB = 1024;
let first: FixtureServer;
/** A second local server that is NOT allow-listed: reachable, but private. */
let other: FixtureServer;
let fetcher: GuardedFetcher;

beforeAll(async () => {
  other = await startFixtureServer((req, res) => {
    res.writeHead(200, { 'x-cookie': req.headers.cookie ?? '' }).end('other');
  });
  first = await startFixtureServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const hop = Number(url.searchParams.get('hop') ?? 0);
    const to = (location: string): void => void res.writeHead(302, { location }).end();
    switch (url.pathname) {
      case '/chain': // /chain?hop=0 → 1 → 2 → /final, with relative Locations
        return hop < 2 ? to(`chain?hop=${hop + 1}`) : to('/final');
      case '/endless':
        return to(`/endless?hop=${hop + 1}`);
      case '/loop-a':
        return to('/loop-b');
      case '/loop-b':
        return to('/loop-a#again');
      case '/to-other':
        return to(other.url('/secret'));
      case '/to-private':
        return to('http://10.0.0.1/internal');
      case '/to-metadata':
        return to('http://169.254.169.254/latest/meta-data/');
      case '/to-file':
        return to('file:///etc/passwd');
      case '/no-location':
        return void res.writeHead(302).end();
      case '/final':
        return void res.writeHead(200, { 'x-cookie': req.headers.cookie ?? '' }).end('final');
      default:
        return void res.writeHead(404).end();
    }
  });
  // The seam: the first server's exact ip:port is allowed, private networks in general are not.
  fetcher = new GuardedFetcher({ allowPrivateNetworks: false, allowHosts: [first.authority] });
});

afterAll(async () => {
  await fetcher.close();
  await first.close();
  await other.close();
});

describe('redirects', () => {
  it('follows a chain of three relative redirects and reports every hop', async () => {
    const result = await fetcher.fetchBytes(first.url('/chain'), {
      maxBytes: KB,
      headers: { cookie: 'sid=1' },
    });
    expect(Buffer.from(result.bytes).toString()).toBe('final');
    expect(result.url).toBe(first.url('/final'));
    expect(result.redirects).toEqual([
      first.url('/chain'),
      first.url('/chain?hop=1'),
      first.url('/chain?hop=2'),
    ]);
    // Same origin all the way: the cookie is still sent.
    expect(result.headers['x-cookie']).toBe('sid=1');
  });

  it('detects a loop (a fragment does not disguise the repeat)', async () => {
    const err = await caught(() => fetcher.fetchBytes(first.url('/loop-a'), { maxBytes: KB }));
    expect(err).toMatchObject({ code: 'CRAWL_REDIRECT_LOOP', retryable: false });
  });

  it('stops after five redirects by default', async () => {
    const before = first.requests.length;
    const err = await caught(() => fetcher.fetchBytes(first.url('/endless'), { maxBytes: KB }));
    expect(err).toMatchObject({ code: 'CRAWL_TOO_MANY_REDIRECTS', details: { maxRedirects: 5 } });
    expect(first.requests.length - before).toBe(6);
  });

  it('honours a smaller maxRedirects', async () => {
    const strict = new GuardedFetcher({
      allowPrivateNetworks: false,
      allowHosts: [first.authority],
      maxRedirects: 1,
    });
    const err = await caught(() => strict.fetchBytes(first.url('/chain'), { maxBytes: KB }));
    expect(err.code).toBe('CRAWL_TOO_MANY_REDIRECTS');
    await strict.close();
  });

  it('refuses a redirect to another local port although the first hop was allowed', async () => {
    const err = await caught(() => fetcher.fetchBytes(first.url('/to-other'), { maxBytes: KB }));
    expect(err).toMatchObject({
      code: 'CRAWL_BLOCKED_ADDRESS',
      retryable: false,
      details: { range: 'loopback' },
    });
    expect(other.requests).toHaveLength(0);
  });

  it('refuses redirects to private and link-local (cloud metadata) addresses', async () => {
    for (const path of ['/to-private', '/to-metadata']) {
      const err = await caught(() => fetcher.fetchBytes(first.url(path), { maxBytes: KB }));
      expect(err.code).toBe('CRAWL_BLOCKED_ADDRESS');
    }
  });

  it('refuses a redirect to a file: URL', async () => {
    const err = await caught(() => fetcher.fetchBytes(first.url('/to-file'), { maxBytes: KB }));
    expect(err.code).toBe('CRAWL_BAD_URL');
  });

  it('fails a redirect without Location as an HTTP status', async () => {
    const err = await caught(() => fetcher.fetchBytes(first.url('/no-location'), { maxBytes: KB }));
    expect(err).toMatchObject({ code: 'CRAWL_HTTP_STATUS', details: { status: 302 } });
  });

  it('drops the cookie when a redirect leaves the origin', async () => {
    const open = new GuardedFetcher({ allowPrivateNetworks: true });
    const result = await open.fetchBytes(first.url('/to-other'), {
      maxBytes: KB,
      headers: { Cookie: 'sid=1' },
    });
    expect(Buffer.from(result.bytes).toString()).toBe('other');
    expect(result.headers['x-cookie']).toBe('');
    await open.close();
  });
});

describe('address policy at connect time', () => {
  const resolver: Resolver = async (name) => {
    if (name === 'evil.test') return [{ address: '127.0.0.1', family: 4 }];
    if (name === 'mixed.test')
      return [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.8', family: 4 },
      ];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };

  it('refuses a DNS name that resolves to a private address, even with its ip:port allow-listed', async () => {
    const guarded = new GuardedFetcher({
      allowPrivateNetworks: false,
      allowHosts: [first.authority],
      resolver,
    });
    const err = await caught(() =>
      guarded.fetchBytes(`http://evil.test:${first.port}/final`, { maxBytes: KB }),
    );
    expect(err).toMatchObject({
      code: 'CRAWL_BLOCKED_ADDRESS',
      details: { host: 'evil.test', range: 'loopback' },
    });
    await guarded.close();
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const blocked: string[] = [];
    const guarded = new GuardedFetcher({
      allowPrivateNetworks: false,
      resolver,
      onBlocked: (h) => blocked.push(h),
    });
    const err = await caught(() => guarded.fetchBytes('http://mixed.test/x', { maxBytes: KB }));
    expect(err.code).toBe('CRAWL_BLOCKED_ADDRESS');
    expect(blocked).toEqual(['mixed.test']);
    await guarded.close();
  });

  it('connects to the address the injected resolver returned when private networks are allowed', async () => {
    const open = new GuardedFetcher({ allowPrivateNetworks: true, resolver });
    const result = await open.fetchBytes(`http://evil.test:${first.port}/final`, { maxBytes: KB });
    expect(Buffer.from(result.bytes).toString()).toBe('final');
    await open.close();
  });

  it('reports an unknown name as a retryable network error', async () => {
    const guarded = new GuardedFetcher({ allowPrivateNetworks: false, resolver });
    const err = await caught(() => guarded.fetchBytes('http://nowhere.test/', { maxBytes: KB }));
    expect(err).toMatchObject({ code: 'CRAWL_NETWORK', retryable: true });
    await guarded.close();
  });

  it('refuses bad URLs before connecting', async () => {
    const cases = [
      ['ftp://example.com/a.jpg', 'CRAWL_BAD_URL'],
      ['http://user:pw@example.com/', 'CRAWL_BAD_URL'],
      ['not a url', 'CRAWL_BAD_URL'],
      ['http://2130706433/', 'CRAWL_BLOCKED_ADDRESS'],
    ] as const;
    for (const [url, code] of cases) {
      const err = await caught(() => fetcher.fetchBytes(url, { maxBytes: KB }));
      expect(err.code, url).toBe(code);
    }
  });
});

describe('GuardedFetcher over TLS', () => {
  it('resolves https names through the vetting lookup and reports a bad certificate as a network error', async () => {
    const { stdout } = await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=tls.test',
      '-days',
      '1',
      '-keyout',
      '-',
      '-out',
      '-',
    ]);
    const tlsServer = https.createServer({ key: stdout, cert: stdout }, (_req, res) => res.end('secure'));
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const { port } = tlsServer.address() as AddressInfo;
    const resolver: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const strict = new GuardedFetcher({ allowPrivateNetworks: false, resolver });
    const open = new GuardedFetcher({ allowPrivateNetworks: true, resolver });
    try {
      const blocked = await caught(() => strict.fetchBytes(`https://tls.test:${port}/`, { maxBytes: KB }));
      expect(blocked.code).toBe('CRAWL_BLOCKED_ADDRESS');
      const untrusted = await caught(() => open.fetchBytes(`https://tls.test:${port}/`, { maxBytes: KB }));
      expect(untrusted).toMatchObject({ code: 'CRAWL_NETWORK', retryable: true });
      expect(untrusted.message).toMatch(/TLS|certificate/i);
    } finally {
      await strict.close();
      await open.close();
      tlsServer.closeAllConnections();
      tlsServer.close();
    }
  });
});
