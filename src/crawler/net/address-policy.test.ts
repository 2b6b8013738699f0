import { describe, expect, it } from 'vitest';
import { isCrawlError } from '../errors.js';
import { addressRange, checkUrl, isPublicUnicast } from './address-policy.js';

const strict = { allowPrivateNetworks: false };
const open = { allowPrivateNetworks: true };

describe('isPublicUnicast', () => {
  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'linkLocal'], // cloud metadata
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'], // Linux connects this to the local host
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['::ffff:127.0.0.1', 'loopback'], // IPv4-mapped, judged as the IPv4 inside
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['64:ff9b::a00:1', 'nat64-private'], // NAT64 to 10.0.0.1
    ['64:ff9b::7f00:1', 'nat64-loopback'],
    ['64:ff9b:1::a00:1', 'rfc6052'], // local-use NAT64 prefix: destination is site-defined
    ['2002:7f00:1::1', '6to4'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['::7f00:1', 'ipv4Compatible'],
    ['not-an-ip', 'invalid'],
    ['', 'invalid'],
  ])('blocks %s (%s)', (ip, range) => {
    expect(addressRange(ip)).toBe(range);
    expect(isPublicUnicast(ip)).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '2606:4700::1',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8', // mapped public IPv4: the same host as 8.8.8.8
    '64:ff9b::808:808', // NAT64 to 8.8.8.8, what DNS64 networks return for IPv4-only sites
  ])('allows public %s', (ip) => {
    expect(isPublicUnicast(ip)).toBe(true);
  });
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isCrawlError(err) ? err.code : 'not a CrawlError';
  }
  return undefined;
}

describe('checkUrl', () => {
  it.each([
    'http://2130706433/', // decimal
    'http://0177.0.0.1/', // octal
    'http://0x7f.0.0.1/', // hex
    'http://0x7f000001/',
    'http://127.1/', // short form
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]:8080/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.1.1/',
    'http://10.0.0.1/x.ts',
    'http://0.0.0.0:6379/',
    'https://[fd00::1]/',
    'http://localhost/',
    'http://LOCALHOST./',
    'http://app.localhost:3000/',
  ])('blocks %s', (url) => {
    expect(codeOf(() => checkUrl(url, strict))).toBe('CRAWL_BLOCKED_ADDRESS');
    expect(codeOf(() => checkUrl(url, open))).toBeUndefined();
  });

  it.each([
    'file:///etc/passwd',
    'ftp://example.com/a.jpg',
    'javascript:alert(1)',
    'data:image/png;base64,AAAA',
    'gopher://127.0.0.1:6379/_',
    'http://user:secret@example.com/a.jpg',
    'http://:secret@example.com/',
    '/relative/path.jpg',
    'http://',
    `https://example.com/${'a'.repeat(9000)}`,
  ])('rejects %s as a bad URL, whatever the policy', (url) => {
    expect(codeOf(() => checkUrl(url, strict))).toBe('CRAWL_BAD_URL');
    expect(codeOf(() => checkUrl(url, open))).toBe('CRAWL_BAD_URL');
  });

  it('passes public hosts and DNS names (names are vetted at connect time) and drops the fragment', () => {
    expect(checkUrl('https://cdn.example.com/a.jpg?x=1#frag', strict).href).toBe(
      'https://cdn.example.com/a.jpg?x=1',
    );
    expect(checkUrl('http://8.8.8.8/', strict).hostname).toBe('8.8.8.8');
    expect(checkUrl(new URL('http://[2606:4700::1]:8080/v.mp4'), strict).port).toBe('8080');
  });

  it('returns a copy, so the caller cannot change what was vetted', () => {
    const input = new URL('https://example.com/a');
    const vetted = checkUrl(input, strict);
    input.hostname = '127.0.0.1';
    expect(vetted.hostname).toBe('example.com');
  });

  it('allows exactly the allow-listed ip:port and nothing next to it (test seam)', () => {
    const seam = { allowPrivateNetworks: false, allowHosts: ['127.0.0.1:4000', '[::1]:4001'] };
    expect(codeOf(() => checkUrl('http://127.0.0.1:4000/a', seam))).toBeUndefined();
    expect(codeOf(() => checkUrl('http://[::1]:4001/a', seam))).toBeUndefined();
    expect(codeOf(() => checkUrl('http://127.0.0.1:4001/a', seam))).toBe('CRAWL_BLOCKED_ADDRESS');
    expect(codeOf(() => checkUrl('http://127.0.0.1/a', seam))).toBe('CRAWL_BLOCKED_ADDRESS');
    expect(codeOf(() => checkUrl('http://localhost:4000/a', seam))).toBe('CRAWL_BLOCKED_ADDRESS');
  });

  it('words the refusal calmly, naming the host and the kind of range', () => {
    try {
      checkUrl('http://192.168.0.10/cam.jpg', strict);
    } catch (err) {
      expect((err as Error).message).toBe(
        '192.168.0.10 points to a private-network address, which the crawler does not visit.',
      );
      return;
    }
    throw new Error('expected a refusal');
  });
});
