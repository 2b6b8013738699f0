import { createHash, randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: object,
) => Promise<Buffer>;

/** Letters and digits that cannot be confused when read aloud or written down (no 0/O, 1/I/L, U). */
const REF_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A case reference such as `HW-7K3M-9Q2P`: random, easy to read aloud (about 39 bits). */
export function generateCaseRef(): string {
  const pick = () => REF_ALPHABET[randomInt(REF_ALPHABET.length)];
  const group = () => Array.from({ length: 4 }, pick).join('');
  return `HW-${group()}-${group()}`;
}

/**
 * Normalises what a person typed (`hw 7k3m 9q2p`, `HW7K3M9Q2P`) to `HW-7K3M-9Q2P`; undefined when
 * it cannot be a case reference.
 */
export function normaliseCaseRef(input: string): string | undefined {
  const chars = input
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .replace(/^HW/, '');
  if (chars.length !== 8 || [...chars].some((c) => !REF_ALPHABET.includes(c))) return undefined;
  return `HW-${chars.slice(0, 4)}-${chars.slice(4)}`;
}

/** A 10-digit PIN from a CSPRNG. */
export function generatePin(): string {
  return Array.from({ length: 10 }, () => String(randomInt(10))).join('');
}

// scrypt at N=2^15, r=8 costs ~32 MB and tens of milliseconds: slow for guessing, fine for a login.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LEN = 32;

/** Hashes a PIN (or password) as `scrypt$N$r$p$salt$key`, all base64url. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, KEY_LEN, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/**
 * Checks a secret against a stored hash in constant time. Pass `undefined` as the stored hash for
 * an unknown account: the same work is done, so timing does not reveal whether it exists.
 */
export async function verifySecret(secret: string, stored: string | undefined): Promise<boolean> {
  const parts = (stored ?? DUMMY_HASH).split('$');
  const [scheme, n, r, p, saltB64, keyB64] = parts;
  if (scheme !== 'scrypt' || !saltB64 || !keyB64) return false;
  const expected = Buffer.from(keyB64, 'base64url');
  const actual = await scrypt(secret, Buffer.from(saltB64, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(actual, expected) && stored !== undefined;
}

const DUMMY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_LEN).toString('base64url')}`;

/** A new API token (shown once) and the SHA-256 that is stored. */
export function generateToken(): { token: string; tokenHash: string } {
  const token = `hwt_${randomBytes(24).toString('base64url')}`;
  return { token, tokenHash: hashToken(token) };
}

/** Tokens are 192-bit random strings, so a fast hash suffices and allows lookup by hash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
