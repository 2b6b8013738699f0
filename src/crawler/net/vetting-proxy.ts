/**
 * A local forward proxy that applies the crawler's address policy to traffic we do not issue
 * ourselves: Chromium's page loads, scripts, redirects and subresources. Chromium is launched with
 * `--proxy-server=<url> --proxy-bypass-list=<-loopback>` (the `<-loopback>` rule removes Chromium's
 * implicit loopback bypass, so even `http://127.0.0.1/` goes through the proxy and is refused).
 *
 * Built on proxy-chain 3. Each request or CONNECT tunnel is vetted in `prepareRequestFunction`:
 * the target is checked like a URL (IP literals, localhost names) and its name resolved through
 * the vetting resolver; a refusal is a 403 from the proxy. The connection itself then resolves the
 * name again through the vetting `dnsLookup`, so a DNS answer that changed in between (rebinding)
 * is refused at connect time as well.
 */
import type dns from 'node:dns';
import { isIP } from 'node:net';
import { RequestError, Server } from 'proxy-chain';
import { CRAWL_ERROR_CODES, isCrawlError } from '../errors.js';
import { type AddressPolicy, checkUrl } from './address-policy.js';
import { createGuardedLookup, type Resolver, resolveVetted } from './lookup.js';

/** How the proxy judges targets. */
export interface VettingProxyOptions extends AddressPolicy {
  /** DNS resolver; tests inject one. Default: the system's. */
  resolver?: Resolver;
}

/** A running vetting proxy. */
export interface VettingProxy {
  /** `http://127.0.0.1:PORT`, for `--proxy-server` or Playwright's `proxy.server`. */
  url: string;
  port: number;
  /** Hosts refused so far, each once, in order (for the crawl record; capped at 1000 entries). */
  blocked: string[];
  /** Stops listening and drops open tunnels. */
  close(): Promise<void>;
}

const MAX_BLOCKED_RECORDED = 1000;

/** Starts a vetting proxy on 127.0.0.1 at a free port. One per browser; close it with the browser. */
export async function startVettingProxy(options: VettingProxyOptions): Promise<VettingProxy> {
  const policy: AddressPolicy = {
    allowPrivateNetworks: options.allowPrivateNetworks,
    allowHosts: options.allowHosts,
  };
  const blocked: string[] = [];
  const record = (host: string): void => {
    if (blocked.length < MAX_BLOCKED_RECORDED && !blocked.includes(host)) blocked.push(host);
  };
  const vetting = { allowPrivateNetworks: policy.allowPrivateNetworks, resolver: options.resolver };
  const dnsLookup = createGuardedLookup({ ...vetting, onBlocked: record });

  const server = new Server({
    port: 0,
    host: '127.0.0.1',
    verbose: false,
    prepareRequestFunction: async ({ hostname, port }) => {
      // proxy-chain hands over the bracketed form for IPv6 and, for CONNECT, the host as the client
      // wrote it (a `connect://` URL is not normalised); an http: URL re-parses it the WHATWG way,
      // so `2130706433` or `0x7f.1` are judged as the 127.0.0.1 they are.
      try {
        const target = checkUrl(`http://${hostname}:${port}/`, policy);
        const host = target.hostname.replace(/^\[|\]$/g, '');
        if (isIP(host) === 0) await resolveVetted(host, vetting);
      } catch (err) {
        throw refusal(err, hostname, record);
      }
      // proxy-chain types `dnsLookup` as `typeof dns.lookup` (with its `__promisify__` property), but
      // only ever passes it on as the `lookup` option of net/http, which is exactly a LookupFunction.
      return { dnsLookup: dnsLookup as unknown as typeof dns.lookup };
    },
  });
  await server.listen();
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    blocked,
    close: () => server.close(true),
  };
}

/** The proxy's answer to a target we will not reach: 403 for policy, 502 when the name does not resolve. */
function refusal(err: unknown, hostname: string, record: (host: string) => void): Error {
  if (isCrawlError(err, CRAWL_ERROR_CODES.blockedAddress) || isCrawlError(err, CRAWL_ERROR_CODES.badUrl)) {
    record(hostname);
    return new RequestError(`hashwatch: ${err.message}`, 403);
  }
  if (isCrawlError(err, CRAWL_ERROR_CODES.network)) return new RequestError(`hashwatch: ${err.message}`, 502);
  return err instanceof Error ? err : new Error(String(err));
}
