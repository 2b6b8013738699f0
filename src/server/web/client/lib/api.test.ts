import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, callApi, OFFLINE_MESSAGE, UNEXPECTED_MESSAGE } from './api.js';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('callApi', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('returns the data of a successful answer and sends JSON with the given headers', async () => {
    const fetch = vi.fn(async () => json(201, { ref: 'HW-AAAA-BBBB', pin: '0123456789', items: 1 }));
    vi.stubGlobal('fetch', fetch);
    const result = await callApi('POST', '/api/v1/cases', { body: { a: 1 }, headers: { 'x-case-pin': '1' } });
    expect(result).toEqual({ ok: true, data: { ref: 'HW-AAAA-BBBB', pin: '0123456789', items: 1 } });
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(init.body).toBe('{"a":1}');
    expect(init.headers).toMatchObject({ 'content-type': 'application/json', 'x-case-pin': '1' });
  });

  it("passes on the API's own message, which is written for people", async () => {
    const message = 'That case reference and PIN do not match. Please check both and try again.';
    vi.stubGlobal('fetch', async () => json(401, { error: { code: 'CASE_PIN_MISMATCH', message } }));
    await expect(callApi('GET', '/api/v1/cases/x')).resolves.toEqual({
      ok: false,
      code: 'CASE_PIN_MISMATCH',
      message,
    });
  });

  it('says calmly that nothing was lost when the server cannot be reached or answers oddly', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(callApi('GET', '/x')).resolves.toMatchObject({ ok: false, message: OFFLINE_MESSAGE });
    vi.stubGlobal('fetch', async () => new Response('<html>bad gateway</html>', { status: 502 }));
    await expect(callApi('GET', '/x')).resolves.toMatchObject({ ok: false, message: UNEXPECTED_MESSAGE });
  });
});

describe('apiError', () => {
  it('accepts only the API error shape', () => {
    expect(apiError({ error: { code: 'X', message: 'm' } })).toEqual({ code: 'X', message: 'm' });
    expect(apiError({ error: 'X' })).toBeNull();
    expect(apiError({ error: { code: 1, message: 'm' } })).toBeNull();
    expect(apiError(null)).toBeNull();
  });
});
