/**
 * Which addresses the crawler may connect to. Crawled pages are hostile: any URL they hand us (an
 * <img src>, a redirect, a playlist entry) may point at the worker's own network. Only public
 * unicast addresses pass, unless the operator explicitly allows private networks (tests, labs).
 *
 * This module judges URLs and IP strings; DNS names are judged where they are resolved, at connect
 * time (see lookup.ts), so a name cannot resolve to one address when checked and another when used.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { badUrl, blockedAddress } from '../errors.js';

/** What the network layer may reach. */
export interface AddressPolicy {
  /** Allow private, loopback, link-local and other non-public addresses (tests, closed labs). */
  readonly allowPrivateNetworks: boolean;
  /**
   * TEST ONLY. Exact `ip:port` authorities (e.g. `127.0.0.1:41234`, `[::1]:8080`) that pass even
   * when private networks are not allowed, so a test can serve a first hop from 127.0.0.1 and prove
   * that a redirect to another local port is still refused. Only IP literals are honoured: DNS names
   * are vetted at connect time, where the port is not known, and always by the strict rule.
   */
  readonly allowHosts?: readonly string[];
}

/** Longest URL accepted; real media URLs are far shorter, hostile ones are not. */
export const MAX_URL_LENGTH = 8192;

// RFC 6052 well-known NAT64 prefix: the last 32 bits are an IPv4 address that a NAT64 gateway will
// reach for us, so it is as public as that IPv4 address. Networks running IPv6-only with DNS64 get
// every IPv4 site in this form, so refusing the prefix outright would break crawling there.
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number];

/**
 * ipaddr.js's name for the range `ip` is in, with `'unicast'` meaning public. Tunnelling prefixes
 * are judged on purpose:
 * - IPv4-mapped (`::ffff:a.b.c.d`) is converted by `ipaddr.process` and judged as IPv4;
 * - NAT64 `64:ff9b::/96` is judged by its embedded IPv4 (see above); the local-use NAT64 prefix
 *   `64:ff9b:1::/48` (RFC 8215) stays blocked, since where it leads is site-defined;
 * - 6to4 (`2002::/16`) and Teredo (`2001::/32`) stay blocked: both are deprecated, no real web
 *   host lives there, and a relay could deliver the packet to an embedded private IPv4;
 * - IPv4-compatible `::a.b.c.d` (deprecated, RFC 4291 §2.5.5.1) is reported as `ipv4Compatible`.
 * Unparseable input is `'invalid'`.
 */
export function addressRange(ip: string): string {
  if (!ipaddr.isValid(ip)) return 'invalid';
  const addr = ipaddr.process(ip);
  const range = addr.range();
  if (addr.kind() !== 'ipv6') return range;
  const v6 = addr as ipaddr.IPv6;
  if (v6.match(NAT64_WELL_KNOWN)) {
    const [hi = 0, lo = 0] = v6.parts.slice(6);
    const inner = addressRange(`${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`);
    return inner === 'unicast' ? 'unicast' : `nat64-${inner}`;
  }
  if (range === 'unicast' && v6.parts.slice(0, 6).every((p) => p === 0)) return 'ipv4Compatible';
  return range;
}

/** True when `ip` is a public unicast address (the only kind the crawler connects to by default). */
export function isPublicUnicast(ip: string): boolean {
  return addressRange(ip) === 'unicast';
}

/**
 * Parses and vets a URL before anything is sent: http(s) only, no user name or password, a host,
 * and — when the host is an IP literal — a public address. WHATWG URL parsing already turns
 * `http://2130706433/`, `http://0x7f.1/` and `http://0177.0.0.1/` into `127.0.0.1`, so those are
 * judged as what they are. DNS names pass here and are vetted when connecting.
 *
 * @returns a fresh URL object (the fragment removed: it is never sent and must not defeat loop checks).
 * @throws CrawlError `CRAWL_BAD_URL` or `CRAWL_BLOCKED_ADDRESS`.
 */
export function checkUrl(input: string | URL, policy: AddressPolicy): URL {
  const text = typeof input === 'string' ? input.trim() : input.href;
  if (text.length > MAX_URL_LENGTH) throw badUrl(`it is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badUrl('it is not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badUrl(`the scheme "${url.protocol.replace(/:$/, '')}" is not http or https`);
  }
  if (url.username !== '' || url.password !== '') throw badUrl('it contains a user name or password');
  if (url.hostname === '') throw badUrl('it has no host');
  url.hash = '';

  if (policy.allowPrivateNetworks) return url;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) !== 0) {
    const range = addressRange(host);
    if (range !== 'unicast' && !isAllowListed(url, policy)) throw blockedAddress(url.hostname, range);
  } else if (isLocalhostName(host)) {
    // RFC 6761: these never leave the machine; say so now rather than after a DNS round trip.
    throw blockedAddress(url.hostname, 'localhostName');
  }
  return url;
}

/** `localhost`, `*.localhost`, with or without the trailing root dot. */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

function isAllowListed(url: URL, policy: AddressPolicy): boolean {
  if (policy.allowHosts === undefined || policy.allowHosts.length === 0) return false;
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return policy.allowHosts.includes(`${url.hostname}:${port}`);
}
