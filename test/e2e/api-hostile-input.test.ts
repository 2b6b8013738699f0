import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/main.js';
import { migratedDatabase } from '../helpers/app.js';
import { createTestPrefix, REDIS_URL, silentLog } from '../helpers/services.js';

/**
 * Every API route in the OpenAPI document, fed malformed JSON, wrong types, an oversized body and
 * bad hashes: always a 4xx in the one error shape with a message, never a 500, never a stack trace.
 */
describe('API under hostile input', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let server: Awaited<ReturnType<typeof startServer>>;
  let base = '';
  const prefix = createTestPrefix();

  beforeAll(async () => {
    env = await migratedDatabase();
    const config = loadConfig({
      DATABASE_URL: env.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix.prefix,
      PORT: '0',
      MIGRATE_ON_START: 'false',
    });
    server = await startServer(config, silentLog);
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await env?.close();
    await prefix.clean();
  });

  const send = async (
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-case-pin': '12345678', ...headers },
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.status, text: await res.text() };
  };

  it('answers every route with a clean 4xx', async () => {
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{[^}]+\}/g, 'HW-2222-2222'),
      })),
    );
    expect(routes.length).toBeGreaterThanOrEqual(6);
    const bodies = [
      '{"url": ',
      '[]',
      '{"items": "not a list", "consent": 7}',
      JSON.stringify({
        consent: { version: 'x', role: 'self', adult: true, accepted: true },
        items: [{ kind: 'image', sha256: 'zz', md5: 'A'.repeat(32), pdq: '0'.repeat(63), pdqQuality: 101 }],
      }),
      `{"url": "${'x'.repeat(3 * 1024 * 1024)}"}`,
    ];
    const problems: string[] = [];
    for (const { method, path } of routes) {
      for (const body of method === 'GET' || method === 'DELETE' ? [undefined] : bodies) {
        const res = await send(method, path, body);
        let parsed: { error?: { code?: string; message?: string } } = {};
        try {
          parsed = JSON.parse(res.text);
        } catch {
          // a non-JSON answer is a problem in itself
        }
        const label = `${method} ${path} ${body?.slice(0, 30) ?? ''}`;
        if (res.status >= 500) problems.push(`${label}: ${res.status}`);
        else if (res.status >= 400 && (!parsed.error?.code || !parsed.error.message))
          problems.push(`${label}: no error shape`);
        if (/at .+\.(ts|js):\d+/.test(res.text)) problems.push(`${label}: stack trace`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('says precisely what is wrong with a bad hash', async () => {
    const res = await send(
      'POST',
      '/api/v1/cases',
      JSON.stringify({
        consent: { version: 'x', role: 'self', adult: true, accepted: true },
        items: [{ kind: 'image', sha256: 'a'.repeat(64), md5: 'b'.repeat(32), pdq: 'xyz', pdqQuality: 90 }],
      }),
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.message).toContain('body.items.0.pdq');
  });
});
