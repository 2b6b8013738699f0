import http from 'node:http';
import { ProxyAgent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, type FixtureServer, startFixtureServer } from '../../../test/helpers/fixture-server.js';
import type { Resolver } from './lookup.js';
import { startVettingProxy, type VettingProxy } from './vetting-proxy.js';

let allowed: FixtureServer;
/** A local server that is not allow-listed: stands in for the worker's private network. */
let internal: FixtureServer;
let proxy: VettingProxy;

const resolver: Resolver = async (name) => {
  if (name === 'internal.test') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
};

beforeAll(async () => {
  allowed = await startFixtureServer((_req, res) => res.end('public page'));
  internal = await startFixtureServer((_req, res) => res.end('internal secret'));
  proxy = await startVettingProxy({ allowPrivateNetworks: false, allowHosts: [allowed.authority], resolver });
});

afterAll(async () => {
  await proxy.close();
  await allowed.close();
  await internal.close();
});

/** GET through the proxy: `tunnel` uses CONNECT (as for https), otherwise an absolute-form request. */
async function viaProxy(url: string, tunnel: boolean): Promise<{ status: number; text: string }> {
  const dispatcher = new ProxyAgent({ uri: proxy.url, proxyTunnel: tunnel });
  try {
    const res = await request(url, { dispatcher });
    return { status: res.statusCode, text: await res.body.text() };
  } finally {
    await dispatcher.close();
  }
}

/** A raw CONNECT, to read the proxy's status line for a refused tunnel. */
function connectStatus(target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'CONNECT', path: target });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startVettingProxy', () => {
  it('listens on loopback only', () => {
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
  });

  it('forwards plain HTTP and tunnels CONNECT to an allowed target', async () => {
    expect(await viaProxy(allowed.url('/'), false)).toEqual({ status: 200, text: 'public page' });
    expect(await viaProxy(allowed.url('/'), true)).toEqual({ status: 200, text: 'public page' });
  });

  it('refuses plain HTTP to a private target with 403 and records the host', async () => {
    const res = await viaProxy(internal.url('/'), false);
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('internal secret');
    expect(internal.requests).toHaveLength(0);
    expect(proxy.blocked).toContain('127.0.0.1');
  });

  it('refuses a CONNECT tunnel to a private target', async () => {
    expect(await connectStatus(`127.0.0.1:${internal.port}`)).toBe(403);
    const err = await caught(() => viaProxy(internal.url('/'), true));
    expect(err.message).toMatch(/403/);
    expect(internal.requests).toHaveLength(0);
  });

  it('refuses the usual disguises of loopback and metadata addresses', async () => {
    for (const target of [
      `2130706433:${internal.port}`,
      `0x7f.1:${internal.port}`,
      `[::1]:${internal.port}`,
    ]) {
      expect(await connectStatus(target), target).toBe(403);
    }
    expect(await connectStatus('169.254.169.254:80')).toBe(403);
    expect(await connectStatus('localhost:80')).toBe(403);
    expect(internal.requests).toHaveLength(0);
  });

  it('refuses a DNS name that resolves to a private address, for HTTP and CONNECT', async () => {
    expect((await viaProxy(`http://internal.test:${internal.port}/`, false)).status).toBe(403);
    expect(await connectStatus(`internal.test:${internal.port}`)).toBe(403);
    expect(proxy.blocked).toContain('internal.test');
    expect(internal.requests).toHaveLength(0);
  });

  it('refuses at connect time a name that rebinds to a private address after the check', async () => {
    let answers = 0;
    const rebinding: Resolver = async () =>
      answers++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    const guarded = await startVettingProxy({ allowPrivateNetworks: false, resolver: rebinding });
    const dispatcher = new ProxyAgent({ uri: guarded.url, proxyTunnel: false });
    const res = await request(`http://rebind.test:${internal.port}/`, { dispatcher });
    expect(res.statusCode).not.toBe(200);
    expect(await res.body.text()).not.toContain('internal secret');
    expect(answers).toBe(2);
    expect(guarded.blocked).toEqual(['rebind.test']);
    expect(internal.requests).toHaveLength(0);
    await dispatcher.close();
    await guarded.close();
  });

  it('answers 502 for a name that does not resolve', async () => {
    expect((await viaProxy('http://nowhere.test/', false)).status).toBe(502);
  });

  it('lets everything through when private networks are allowed', async () => {
    const open = await startVettingProxy({ allowPrivateNetworks: true, resolver });
    const dispatcher = new ProxyAgent({ uri: open.url, proxyTunnel: false });
    const res = await request(`http://internal.test:${internal.port}/`, { dispatcher });
    expect(await res.body.text()).toBe('internal secret');
    await dispatcher.close();
    await open.close();
    expect(open.blocked).toEqual([]);
  });
});
