import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createGuardedLookup, type Resolver, resolveVetted } from './lookup.js';

const table: Record<string, { address: string; family: 4 | 6 }[]> = {
  'public.test': [
    { address: '2606:4700::1', family: 6 },
    { address: '93.184.215.14', family: 4 },
  ],
  'evil.test': [{ address: '127.0.0.1', family: 4 }],
  'rebind.test': [
    { address: '93.184.215.14', family: 4 },
    { address: '::ffff:192.168.1.1', family: 6 },
  ],
  'empty.test': [],
};
const resolver: Resolver = async (name) => {
  const found = table[name];
  if (found === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return found;
};

type Outcome = {
  err: (Error & { code?: string }) | null;
  address: string | LookupAddress[];
  family?: number;
};

function run(lookup: LookupFunction, name: string, options: Parameters<LookupFunction>[1]): Promise<Outcome> {
  return new Promise((resolve) =>
    lookup(name, options, (err, address, family) => resolve({ err, address, family })),
  );
}

describe('createGuardedLookup', () => {
  const lookup = createGuardedLookup({ allowPrivateNetworks: false, resolver });

  it('returns every vetted address for Happy Eyeballs (all: true)', async () => {
    const out = await run(lookup, 'public.test', { all: true });
    expect(out.err).toBeNull();
    expect(out.address).toEqual([
      { address: '2606:4700::1', family: 6 },
      { address: '93.184.215.14', family: 4 },
    ]);
  });

  it('returns one address of the requested family otherwise', async () => {
    expect(await run(lookup, 'public.test', { family: 4 })).toMatchObject({
      err: null,
      address: '93.184.215.14',
      family: 4,
    });
    expect(await run(lookup, 'public.test', {})).toMatchObject({ address: '2606:4700::1', family: 6 });
  });

  it('refuses a name that resolves to loopback', async () => {
    const out = await run(lookup, 'evil.test', { all: true });
    expect(out.err?.code).toBe('CRAWL_BLOCKED_ADDRESS');
  });

  it('refuses a name if any of its addresses is private, whichever family is asked for', async () => {
    // Asking for IPv4 only would pick the public one; the name is refused all the same.
    const out = await run(lookup, 'rebind.test', { family: 4 });
    expect(out.err?.code).toBe('CRAWL_BLOCKED_ADDRESS');
  });

  it('reports DNS failure and empty answers as network errors', async () => {
    expect((await run(lookup, 'missing.test', {})).err?.code).toBe('CRAWL_NETWORK');
    expect((await run(lookup, 'empty.test', {})).err?.code).toBe('CRAWL_NETWORK');
    expect((await run(lookup, 'evil.test', { family: 6 })).err?.code).toBe('CRAWL_BLOCKED_ADDRESS');
  });

  it('lets private addresses through when allowed', async () => {
    const open = createGuardedLookup({ allowPrivateNetworks: true, resolver });
    expect(await run(open, 'evil.test', {})).toMatchObject({ err: null, address: '127.0.0.1', family: 4 });
  });
});

describe('resolveVetted', () => {
  it('names the refused host to onBlocked, and refuses localhost names without asking DNS', async () => {
    const blocked: string[] = [];
    let asked = 0;
    const counting: Resolver = async (name) => {
      asked++;
      return resolver(name);
    };
    const options = {
      allowPrivateNetworks: false,
      resolver: counting,
      onBlocked: (h: string) => blocked.push(h),
    };
    await expect(resolveVetted('evil.test', options)).rejects.toMatchObject({
      code: 'CRAWL_BLOCKED_ADDRESS',
    });
    await expect(resolveVetted('db.localhost', options)).rejects.toMatchObject({
      code: 'CRAWL_BLOCKED_ADDRESS',
    });
    expect(blocked).toEqual(['evil.test', 'db.localhost']);
    expect(asked).toBe(1);
  });

  it('uses the system resolver by default (localhost resolves and is refused)', async () => {
    await expect(resolveVetted('localhost', { allowPrivateNetworks: false })).rejects.toMatchObject({
      code: 'CRAWL_BLOCKED_ADDRESS',
    });
    const found = await resolveVetted('localhost', { allowPrivateNetworks: true });
    expect(found.length).toBeGreaterThan(0);
  });
});
