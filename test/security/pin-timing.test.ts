import type { ScryptOptions } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { caseApi, migratedDatabase } from '../helpers/app.js';
import { consent, imageItem } from '../helpers/registration.js';

/*
 * Whether a PIN was right, the case exists or the case is paused must not show in how long the
 * answer takes. The dominant cost is scrypt (~110 ms at N=2^15 on the CI machine; the database
 * round trips are a few ms), so the CI test proves that every path pays it exactly once with the
 * same parameters, using the real scrypt, counted. Wall-clock medians are a measurement, not a unit
 * test (a loaded 2-core machine makes them noisy): set PIN_TIMING_SAMPLES=200 to take them; the
 * figures are in docs/RELIABILITY.md.
 */
const calls: { N: number | undefined; r: number | undefined; len: number }[] = [];
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  type Callback = (err: Error | null, key: Buffer) => void;
  const scrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions, cb: Callback) => {
    calls.push({ N: opts.N ?? opts.cost, r: opts.r ?? opts.blockSize, len });
    return real.scrypt(pw, salt, len, opts, cb);
  };
  return { ...real, default: { ...real, scrypt }, scrypt };
});

const SAMPLES = Number(process.env.PIN_TIMING_SAMPLES ?? 0);

describe('PIN checks cost the same on every path', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let api: Awaited<ReturnType<typeof caseApi>>;

  beforeAll(async () => {
    env = await migratedDatabase();
    api = await caseApi(env.db, { pinPolicy: { maxAttempts: 3, lockMs: 60_000 }, lookupsPerMinute: 100_000 });
  });
  afterAll(async () => {
    await api?.app.close();
    await env?.close();
  });

  const register = async () =>
    (
      await api.app.inject({
        method: 'POST',
        url: '/api/v1/cases',
        payload: { consent, items: [imageItem()] },
      })
    ).json() as {
      ref: string;
      pin: string;
    };
  const lookup = (ref: string, pin: string, method: 'GET' | 'DELETE' = 'GET') =>
    api.app.inject({
      method,
      url: `/api/v1/cases/${encodeURIComponent(ref)}`,
      headers: { 'x-case-pin': pin },
    });
  /** The scrypt calls one request makes, and its answer. */
  const scryptCalls = async (send: () => Promise<{ statusCode: number; json(): unknown }>) => {
    calls.length = 0;
    const res = await send();
    return {
      status: res.statusCode,
      code: (res.json() as { error?: { code: string } }).error?.code,
      calls: [...calls],
    };
  };

  it('does one full-cost scrypt for an unknown or malformed reference, a wrong or right PIN, a paused or withdrawn case', async () => {
    const open = await register();
    const paused = await register();
    const gone = await register();
    expect((await lookup(gone.ref, gone.pin, 'DELETE')).statusCode).toBe(200);
    for (const pin of ['1000000001', '1000000002', '1000000003'])
      expect((await lookup(paused.ref, pin)).statusCode).toBeGreaterThanOrEqual(400);

    const paths = {
      unknownRef: await scryptCalls(() => lookup('HW-2222-2222', '1234567890')),
      malformedRef: await scryptCalls(() => lookup('not-a-ref', '1234567890')),
      wrongPin: await scryptCalls(() =>
        lookup(open.ref, open.pin === '1234567890' ? '1234567891' : '1234567890'),
      ),
      rightPin: await scryptCalls(() => lookup(open.ref, open.pin)),
      pausedWrongPin: await scryptCalls(() => lookup(paused.ref, '1000000004')),
      pausedRightPin: await scryptCalls(() => lookup(paused.ref, paused.pin)),
      withdrawnRightPin: await scryptCalls(() => lookup(gone.ref, gone.pin)),
      withdrawWrongPin: await scryptCalls(() => lookup(open.ref, '1000000005', 'DELETE')),
    };
    const fullCost = [{ N: 2 ** 15, r: 8, len: 32 }];
    expect(paths).toEqual({
      unknownRef: { status: 401, code: 'CASE_PIN_MISMATCH', calls: fullCost },
      malformedRef: { status: 401, code: 'CASE_PIN_MISMATCH', calls: fullCost },
      wrongPin: { status: 401, code: 'CASE_PIN_MISMATCH', calls: fullCost },
      rightPin: { status: 200, code: undefined, calls: fullCost },
      pausedWrongPin: { status: 429, code: 'CASE_LOCKED', calls: fullCost },
      pausedRightPin: { status: 429, code: 'CASE_LOCKED', calls: fullCost },
      withdrawnRightPin: { status: 200, code: undefined, calls: fullCost },
      withdrawWrongPin: { status: 401, code: 'CASE_PIN_MISMATCH', calls: fullCost },
    });
  });

  it.runIf(SAMPLES > 0)(
    'measures wall-clock medians of right PINs, wrong PINs and unknown references (PIN_TIMING_SAMPLES)',
    async () => {
      const lenient = await caseApi(env.db, {
        pinPolicy: { maxAttempts: 1_000_000, lockMs: 1 },
        lookupsPerMinute: 1_000_000,
      });
      try {
        const { ref, pin } = await register();
        const wrong = pin === '1234567890' ? '1234567891' : '1234567890';
        const kinds = {
          right: () => lenient.app.inject({ url: `/api/v1/cases/${ref}`, headers: { 'x-case-pin': pin } }),
          wrong: () => lenient.app.inject({ url: `/api/v1/cases/${ref}`, headers: { 'x-case-pin': wrong } }),
          unknown: () =>
            lenient.app.inject({ url: '/api/v1/cases/HW-2222-2222', headers: { 'x-case-pin': pin } }),
        };
        const times: Record<keyof typeof kinds, number[]> = { right: [], wrong: [], unknown: [] };
        // Interleaved, one at a time, so load on the machine falls on all three alike.
        for (let i = 0; i < SAMPLES; i++) {
          for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) {
            const t = process.hrtime.bigint();
            await kinds[kind]();
            times[kind].push(Number(process.hrtime.bigint() - t) / 1e6);
          }
        }
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
        const m = { right: median(times.right), wrong: median(times.wrong), unknown: median(times.unknown) };
        const spread =
          (Math.max(m.right, m.wrong, m.unknown) - Math.min(m.right, m.wrong, m.unknown)) / m.wrong;
        console.log(
          `PIN timing, ${SAMPLES} each: median right ${m.right.toFixed(1)} ms, wrong ${m.wrong.toFixed(1)} ms, ` +
            `unknown ${m.unknown.toFixed(1)} ms; largest difference ${(spread * 100).toFixed(1)}% of a wrong PIN`,
        );
        expect(spread).toBeLessThan(0.15);
      } finally {
        await lenient.app.close();
      }
    },
    600_000,
  );
});
