import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseApi, migratedDatabase } from '../../../test/helpers/app.js';
import { consent, hex, imageItem as image } from '../../../test/helpers/registration.js';
import { generateToken } from '../../registry/index.js';
import type { Server } from '../app.js';
import { insertToken } from '../token.store.js';

describe('/api/v1/cases', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let app: Server;

  beforeAll(async () => {
    env = await migratedDatabase();
    ({ app } = await caseApi(env.db, { pinPolicy: { maxAttempts: 3, lockMs: 60_000 } }));
  });
  afterAll(async () => {
    await app.close();
    await env.close();
  });

  const register = (body: unknown) =>
    app.inject({ method: 'POST', url: '/api/v1/cases', payload: body as object });
  const status = (ref: string, pin: string) =>
    app.inject({ method: 'GET', url: `/api/v1/cases/${ref}`, headers: { 'x-case-pin': pin } });

  it('registers hashes and answers with a readable reference and a PIN of at least 8 digits', async () => {
    const res = await register({ consent, items: [image(), image()] });
    expect(res.statusCode).toBe(201);
    const { ref, pin, items } = res.json();
    expect(ref).toMatch(/^HW-[2-9A-HJ-NP-TV-Z]{4}-[2-9A-HJ-NP-TV-Z]{4}$/);
    expect(pin).toMatch(/^\d{8,}$/);
    expect(items).toBe(2);
    expect(res.headers['cache-control']).toBe('no-store');
    const { rows } = await env.db.pool.query('SELECT pin_hash FROM cases WHERE ref = $1', [ref]);
    expect(rows[0].pin_hash).toMatch(/^scrypt\$/);
    expect(rows[0].pin_hash).not.toContain(pin);
  });

  it('shows the status to the holder of the PIN, however the reference is typed', async () => {
    const { ref, pin } = (
      await register({
        consent,
        items: [
          image(),
          { ...image(), kind: 'video', durationMs: 3000, frames: [{ ms: 0, pdq: hex(32), pdqQuality: 80 }] },
        ],
      })
    ).json();
    const res = await status(ref.toLowerCase().replaceAll('-', ' '), pin);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      ref,
      status: 'active',
      items: { images: 1, videos: 1 },
      withdrawnAt: null,
    });
  });

  it('refuses a bad hash with a 400 that says which field and what is expected', async () => {
    const res = await register({ consent, items: [{ ...image(), pdq: 'abc' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(res.json().error.message).toContain('body.items.0.pdq');
    const upper = await register({ consent, items: [{ ...image(), md5: hex(16).toUpperCase() }] });
    expect(upper.json().error.message).toContain('body.items.0.md5');
  });

  it('refuses media bytes smuggled in an item, and registration without accepted consent', async () => {
    const smuggled = await register({
      consent,
      items: [{ ...image(), data: Buffer.alloc(100).toString('base64') }],
    });
    expect(smuggled.statusCode).toBe(400);
    const noConsent = await register({ consent: { ...consent, accepted: false }, items: [image()] });
    expect(noConsent.statusCode).toBe(400);
    const minor = await register({ consent: { ...consent, adult: false }, items: [image()] });
    expect(minor.json().error.code).toBe('CASE_CONSENT_INVALID');
  });

  it('gives one answer for a wrong PIN and an unknown case, then pauses the case after repeated wrong PINs', async () => {
    const { ref, pin } = (await register({ consent, items: [image()] })).json();
    const unknown = await status('HW-2222-2222', '0000000000');
    const wrong = await status(ref, '0000000000');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    await status(ref, '0000000001');
    const locked = await status(ref, '0000000002');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('CASE_LOCKED');
    expect(locked.json().error.message).toMatch(/try again in 1 minute/);
    // Even the right PIN waits until the pause ends.
    expect((await status(ref, pin)).statusCode).toBe(429);
  });

  it('withdraws: every fingerprint is deleted, the contact is forgotten and a change is announced', async () => {
    const { ref, pin } = (
      await register({ consent, contactEmail: 'survivor@example.org', items: [image(), image()] })
    ).json();
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/cases/${ref}`,
      headers: { 'x-case-pin': pin },
    });
    expect(res.json()).toEqual({ ref, status: 'withdrawn' });
    const { rows } = await env.db.pool.query(
      `SELECT c.status, c.contact_email, (SELECT count(*)::int FROM registered_hashes h WHERE h.case_id = c.id) AS hashes,
              (SELECT op FROM registry_changes r WHERE r.case_id = c.id ORDER BY id DESC LIMIT 1) AS last_op
         FROM cases c WHERE ref = $1`,
      [ref],
    );
    expect(rows[0]).toEqual({
      status: 'withdrawn',
      contact_email: null,
      hashes: 0,
      last_op: 'withdraw-case',
    });
    expect((await status(ref, pin)).json()).toMatchObject({
      status: 'withdrawn',
      items: { images: 0, videos: 0 },
    });
  });

  it('lets an advocate add items in batches only with a token that has the register scope', async () => {
    const { ref } = (await register({ consent, items: [image()] })).json();
    const add = (auth?: string) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/cases/${ref}/items`,
        payload: { items: [image(), image(), image()] },
        ...(auth ? { headers: { authorization: `Bearer ${auth}` } } : {}),
      });
    expect((await add()).statusCode).toBe(401);
    const reportOnly = generateToken();
    await insertToken(env.db.pool, { name: 'hotline', tokenHash: reportOnly.tokenHash, scopes: ['report'] });
    expect((await add(reportOnly.token)).statusCode).toBe(403);
    const advocate = generateToken();
    await insertToken(env.db.pool, { name: 'advocate', tokenHash: advocate.tokenHash, scopes: ['register'] });
    const ok = await add(advocate.token);
    expect(ok.json()).toEqual({ items: 3 });
  });

  it('tells the survivor what was confirmed, noticed and removed per platform, addresses only on request', async () => {
    const { ref, pin } = (await register({ consent, items: [image(), image()] })).json();
    const db = env.db.pool;
    const caseId = (await db.query('SELECT id FROM cases WHERE ref = $1', [ref])).rows[0].id;
    const media = async (url: string) =>
      (
        await db.query(
          "INSERT INTO media (url, normalized_url, host, status) VALUES ($1, $1, 'tube.example', 'hashed') RETURNING id",
          [url],
        )
      ).rows[0].id;
    const match = async (mediaId: number, state: string) =>
      (
        await db.query(
          "INSERT INTO matches (media_id, case_id, signal, distance, score, variant, state, decided_at) VALUES ($1, $2, 'pdq', 4, 0.9, 'original', $3, now()) RETURNING id",
          [mediaId, caseId, state],
        )
      ).rows[0].id;
    const [m1, m2, m3] = [
      await media('https://tube.example/a.jpg'),
      await media('https://tube.example/b.jpg'),
      await media('https://tube.example/c.jpg'),
    ];
    const confirmedRemoved = await match(m1, 'confirmed');
    const confirmedUp = await match(m2, 'confirmed');
    await match(m3, 'pending'); // not yet confirmed by an analyst: not shown
    const platform = (
      await db.query(
        "INSERT INTO platforms (name, jurisdictions) VALUES ('Tube Example', '{US}') RETURNING id",
      )
    ).rows[0].id;
    const notice = (
      await db.query(
        "INSERT INTO notices (ref, platform_id, status, body, deadline_hours, sent_at) VALUES ('HWN-TEST-1', $1, 'sent', '{}', 48, now()) RETURNING id",
        [platform],
      )
    ).rows[0].id;
    await db.query(
      'INSERT INTO notice_items (notice_id, match_id, media_id, level, removed_at) VALUES ($1, $2, $3, 1, now()), ($1, $4, $5, 1, NULL)',
      [notice, confirmedRemoved, m1, confirmedUp, m2],
    );

    const res = await status(ref, pin);
    expect(res.json().totals).toEqual({ confirmed: 2, noticed: 2, removed: 1, pendingRemoval: 1 });
    expect(res.json().platforms).toEqual([
      { platform: 'Tube Example', confirmed: 2, noticed: 2, removed: 1 },
    ]);
    expect(res.json().timeline.map((t: { event: string }) => t.event)).toEqual(
      expect.arrayContaining(['registered', 'confirmed', 'notice-sent', 'removed']),
    );
    expect(res.body).not.toContain('tube.example/a.jpg');
    const withUrls = await app.inject({
      method: 'GET',
      url: `/api/v1/cases/${ref}?urls=true`,
      headers: { 'x-case-pin': pin },
    });
    expect(withUrls.json().platforms[0].urls.sort()).toEqual([
      'https://tube.example/a.jpg',
      'https://tube.example/b.jpg',
    ]);
  });
});

describe('/api/v1/cases rate limits', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let app: Server;

  beforeAll(async () => {
    env = await migratedDatabase();
    ({ app } = await caseApi(env.db, { lookupsPerMinute: 2 }));
  });
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  it('answers a lookup past the per-address limit with RATE_LIMITED, a calm message and when to retry', async () => {
    const lookup = () =>
      app.inject({ method: 'GET', url: '/api/v1/cases/HW-2222-2222', headers: { 'x-case-pin': '00000000' } });
    expect((await lookup()).statusCode).toBe(401);
    expect((await lookup()).statusCode).toBe(401);
    const limited = await lookup();
    expect(limited.statusCode).toBe(429);
    const { error } = limited.json();
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.message).toMatch(/^There have been many requests from this address .* Please wait a little/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(error.details.retryAfterSeconds).toBe(Number(limited.headers['retry-after']));
  });
});
