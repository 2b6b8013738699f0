import type { ScryptOptions } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { caseApi, migratedDatabase } from '../helpers/app.js';
import { consent, imageItem } from '../helpers/registration.js';

/*
 * 1,000 PIN guesses against one case. The lockout logic does not depend on how expensive scrypt is,
 * but 1,000 real checks (~110 ms each on the CI machine) would take a minute and a half, so scrypt
 * runs here at N=2^10 instead of 2^15 for both hashing and checking. That the real cost is paid
 * exactly once on every path (unknown reference, wrong PIN, paused case, right PIN) is proved with
 * the real scrypt in pin-timing.test.ts.
 */
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  type Callback = (err: Error | null, key: Buffer) => void;
  const scrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions, cb: Callback) =>
    real.scrypt(pw, salt, len, { ...opts, N: 2 ** 10 }, cb);
  return { ...real, default: { ...real, scrypt }, scrypt };
});

const MAX_ATTEMPTS = 5;
const LOOKUPS_PER_MINUTE = 20;

describe('PIN brute force', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let api: Awaited<ReturnType<typeof caseApi>>;

  beforeAll(async () => {
    env = await migratedDatabase();
    api = await caseApi(env.db, {
      pinPolicy: { maxAttempts: MAX_ATTEMPTS, lockMs: 15 * 60_000 },
      lookupsPerMinute: LOOKUPS_PER_MINUTE,
    });
  });
  afterAll(async () => {
    await api?.app.close();
    await env?.close();
  });

  const register = async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/cases',
      payload: { consent, items: [imageItem()] },
      remoteAddress: '192.0.2.1',
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { ref: string; pin: string };
  };
  const lookup = (ref: string, pin: string, remoteAddress: string) =>
    api.app.inject({
      method: 'GET',
      url: `/api/v1/cases/${ref}`,
      headers: { 'x-case-pin': pin },
      remoteAddress,
    });
  /** A wrong PIN that is never the right one. */
  const wrongPin = (pin: string, i: number) => {
    const guess = String(i).padStart(10, '0');
    return guess === pin ? '9'.repeat(11) : guess;
  };

  it('holds the lockout and the per-address limits under 1,000 parallel guesses from 50 addresses', async () => {
    const { ref, pin } = await register();
    const addresses = Array.from({ length: 50 }, (_, i) => `10.9.${i}.7`);
    // All at once, as an attacker with many addresses would send them; the right PIN is among them.
    const guesses = Array.from({ length: 1000 }, (_, i) => ({
      pin: i === 600 ? pin : wrongPin(pin, i),
      address: addresses[i % addresses.length] ?? '',
    }));
    const started = Date.now();
    const answers = await Promise.all(guesses.map((g) => lookup(ref, g.pin, g.address)));
    const windows = Math.ceil((Date.now() - started + 1) / 60_000);
    const codes = answers.map((a) => (a.statusCode === 200 ? 'OK' : String(a.json().error?.code)));
    const count = (code: string) => codes.filter((c) => c === code).length;

    // Each address gets 20 answers a minute; the other 5 of its 20 guesses are refused unseen.
    const limited = answers.map((a) => a.statusCode === 429 && a.json().error.code !== 'CASE_LOCKED');
    const answeredPerAddress = addresses.map(
      (address) => guesses.filter((g, i) => g.address === address && !limited[i]).length,
    );
    // Each address's limit is per minute; on a very slow machine the burst may span two windows.
    if (windows === 1) expect(new Set(answeredPerAddress)).toEqual(new Set([LOOKUPS_PER_MINUTE]));
    else expect(Math.max(...answeredPerAddress)).toBeLessThanOrEqual(LOOKUPS_PER_MINUTE * windows);
    const answered = limited.filter((l) => !l).length;
    // Of the 1,000 PINs, no more than MAX_ATTEMPTS were checked against the case: the right one,
    // sent after the pause began, did not get in, and every other answer is the calm pause message.
    expect(count('OK')).toBe(0);
    expect(count('CASE_PIN_MISMATCH')).toBeLessThanOrEqual(MAX_ATTEMPTS - 1);
    expect(count('CASE_PIN_MISMATCH') + count('CASE_LOCKED')).toBe(answered);
    const { rows } = await env.db.pool.query(
      'SELECT failed_pin_attempts, locked_until FROM cases WHERE ref = $1',
      [ref],
    );
    expect(rows[0].failed_pin_attempts).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(rows[0].locked_until.getTime()).toBeGreaterThan(Date.now() + 13 * 60_000);

    // The survivor, from a fresh address, with the right PIN: refused calmly until the pause ends.
    const survivor = await lookup(ref, pin, '198.51.100.20');
    expect(survivor.statusCode).toBe(429);
    expect(survivor.json().error.code).toBe('CASE_LOCKED');
    expect(survivor.json().error.message).toMatch(
      /^To keep this case safe, it is paused .* try again in 1[45] minutes/,
    );
    // …and exactly as a wrong PIN is during the pause: the answer is no oracle for the right PIN.
    const stranger = await lookup(ref, wrongPin(pin, 1), '198.51.100.21');
    expect(stranger.json().error.message).toBe(survivor.json().error.message);
  }, 180_000);

  it('lets the survivor in with the right PIN once the pause is over, and starts counting again', async () => {
    const shortPause = await caseApi(env.db, {
      pinPolicy: { maxAttempts: MAX_ATTEMPTS, lockMs: 4_000 },
      lookupsPerMinute: 1000,
    });
    try {
      const { ref, pin } = await register();
      const guess = (p: string) =>
        shortPause.app.inject({ method: 'GET', url: `/api/v1/cases/${ref}`, headers: { 'x-case-pin': p } });
      for (let i = 0; i < MAX_ATTEMPTS; i++) await guess(wrongPin(pin, i));
      expect((await guess(pin)).json().error.code).toBe('CASE_LOCKED');
      await new Promise((r) => setTimeout(r, 4_200));
      const back = await guess(pin);
      expect(back.statusCode).toBe(200);
      expect(back.json().ref).toBe(ref);
      const { rows } = await env.db.pool.query(
        'SELECT failed_pin_attempts, locked_until FROM cases WHERE ref = $1',
        [ref],
      );
      expect(rows[0]).toEqual({ failed_pin_attempts: 0, locked_until: null });
    } finally {
      await shortPause.app.close();
    }
  });

  it('never lets a PIN open another case, in either direction', async () => {
    const a = await register();
    const b = await register();
    for (const [ref, pin] of [
      [b.ref, a.pin],
      [a.ref, b.pin],
    ] as const) {
      const res = await lookup(ref, pin, '203.0.113.5');
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('CASE_PIN_MISMATCH');
      expect(Object.keys(res.json())).toEqual(['error']);
    }
    expect((await lookup(a.ref, a.pin, '203.0.113.6')).statusCode).toBe(200);
  });
});
