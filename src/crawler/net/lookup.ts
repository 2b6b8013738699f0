/**
 * A `dns.lookup` replacement that vets what it resolves. It is handed to undici's connector and to
 * proxy-chain, so the address a socket connects to is the very address that was checked: a DNS
 * name cannot pass a check with a public address and then connect to a private one (DNS
 * rebinding). If any resolved address is not public, the whole name is refused, because the socket
 * layer may try the addresses in any order (Happy Eyeballs).
 */

import type { LookupAddress, LookupOptions } from 'node:dns';
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { blockedAddress, isCrawlError, network } from '../errors.js';
import { addressRange, isLocalhostName } from './address-policy.js';

/** One resolved address, as `dns.lookup({ all: true })` returns it. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a DNS name to all its addresses. Inject one in tests to map names to chosen addresses. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The operating system's resolver (getaddrinfo: /etc/hosts, then DNS), all addresses, as returned. */
export const systemResolver: Resolver = async (hostname) => {
  const found = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** How names are resolved and judged. */
export interface GuardedLookupOptions {
  /** Skip the address check (tests, closed labs). */
  allowPrivateNetworks: boolean;
  /** Defaults to {@link systemResolver}. */
  resolver?: Resolver;
  /** Told about every refused name (for the crawl record); must not throw. */
  onBlocked?: (hostname: string, range: string) => void;
}

/**
 * Resolves `hostname` and returns its addresses if every one is allowed.
 *
 * @throws CrawlError `CRAWL_BLOCKED_ADDRESS` if any address is not public unicast (unless private
 * networks are allowed), `CRAWL_NETWORK` if the name does not resolve.
 */
export async function resolveVetted(
  hostname: string,
  options: GuardedLookupOptions,
): Promise<readonly ResolvedAddress[]> {
  if (!options.allowPrivateNetworks && isLocalhostName(hostname)) {
    options.onBlocked?.(hostname, 'localhostName');
    throw blockedAddress(hostname, 'localhostName');
  }
  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await (options.resolver ?? systemResolver)(hostname);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'resolution failed';
    throw network(hostname, `DNS lookup failed (${code})`, err);
  }
  if (addresses.length === 0) throw network(hostname, 'DNS lookup returned no address');
  if (!options.allowPrivateNetworks) {
    for (const { address } of addresses) {
      const range = addressRange(address);
      if (range !== 'unicast') {
        options.onBlocked?.(hostname, range);
        throw blockedAddress(hostname, range);
      }
    }
  }
  return addresses;
}

/**
 * Builds a `lookup` for `net.connect` (undici `Agent({ connect: { lookup } })`, proxy-chain's
 * `dnsLookup`). Honours `family` and both callback shapes (`all: true` is what Node's Happy
 * Eyeballs uses). Errors are {@link CrawlError}s, which Node and undici pass through unchanged.
 */
export function createGuardedLookup(options: GuardedLookupOptions): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    // Node always passes an options object here, but the public dns.lookup signature allows a bare
    // family number; accept it rather than crash on a future caller.
    const opts: LookupOptions =
      typeof lookupOptions === 'number' ? { family: lookupOptions } : (lookupOptions ?? {});
    resolveVetted(hostname, options).then(
      (addresses) => {
        const wanted = familyOf(opts.family);
        const usable = wanted === 0 ? addresses : addresses.filter((a) => a.family === wanted);
        const first = usable[0];
        if (first === undefined) {
          callback(network(hostname, `no IPv${wanted} address`), '');
        } else if (opts.all === true) {
          callback(
            null,
            usable.map((a): LookupAddress => ({ address: a.address, family: a.family })),
          );
        } else {
          callback(null, first.address, first.family);
        }
      },
      (err: unknown) => {
        const error = isCrawlError(err) ? err : network(hostname, 'DNS lookup failed', err);
        callback(error, '');
      },
    );
  };
}

function familyOf(family: LookupOptions['family']): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}
