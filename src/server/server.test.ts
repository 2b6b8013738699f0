import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, silentLog } from '../../test/helpers/services.js';
import { HashwatchError } from '../errors.js';
import { createRedisConnection, pingRedis } from '../queue/index.js';
import { createServer } from './app.js';

describe('HTTP server', () => {
  let app: FastifyInstance;
  const up = createRedisConnection(REDIS_URL, 'producer');
  // Port 1 on loopback has no Redis: this is what a stopped Redis looks like to the server.
  const down = createRedisConnection('redis://127.0.0.1:1', 'producer');

  beforeAll(async () => {
    app = await createServer({
      log: silentLog,
      checks: [
        { name: 'postgres', check: async () => {} },
        { name: 'redis', check: () => pingRedis(up) },
      ],
      plugins: [
        {
          prefix: '/api/v1',
          plugin: async (api) => {
            api.post(
              '/things',
              {
                schema: {
                  body: Type.Object({
                    url: Type.String({ format: 'uri' }),
                    depth: Type.Integer({ minimum: 0 }),
                  }),
                },
              },
              async (req) => ({ received: req.body }),
            );
            api.get('/teapot', async () => {
              throw new HashwatchError('HASH_INVALID', 'PDQ hash must be 64 hex characters', { status: 400 });
            });
            api.get('/boom', async () => {
              throw new Error('secret internal detail');
            });
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await app.close();
    up.disconnect();
    down.disconnect();
  });

  it('answers /healthz and /readyz when dependencies are up', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('turns /readyz into a 503 that names Redis when Redis does not answer', async () => {
    const other = await createServer({
      log: silentLog,
      checks: [
        { name: 'postgres', check: async () => {} },
        { name: 'redis', check: () => pingRedis(down, 500) },
      ],
    });
    const res = await other.inject('/readyz');
    await other.close();
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('NOT_READY');
    expect(res.json().error.message).toBe('Not ready: redis not answering.');
    expect(res.json().error.details.checks.postgres).toBe('ok');
  });

  it('serves Prometheus metrics and the OpenAPI document', async () => {
    const metrics = await app.inject('/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('hashwatch_process_cpu_seconds_total');
    const doc = (await app.inject('/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/things');
  });

  it('says which field is wrong in a malformed body', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/things', payload: { url: 'x', depth: -1 } });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('body.url');
    expect(error.message).toContain('body.depth');
    const missing = await app.inject({ method: 'POST', url: '/api/v1/things', payload: { depth: 1 } });
    expect(missing.json().error.message).toBe('body.url is required');
  });

  it('answers invalid JSON, unknown routes, coded errors and faults in the one error shape', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"url": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: { code: 'INVALID_JSON', message: 'The request body is not valid JSON.' },
    });
    expect((await app.inject('/api/v1/nothing')).json().error.code).toBe('NOT_FOUND');
    const coded = await app.inject('/api/v1/teapot');
    expect(coded.statusCode).toBe(400);
    expect(coded.json().error).toEqual({
      code: 'HASH_INVALID',
      message: 'PDQ hash must be 64 hex characters',
    });
    const fault = await app.inject('/api/v1/boom');
    expect(fault.statusCode).toBe(500);
    expect(fault.body).not.toContain('secret internal detail');
    expect(fault.json().error.code).toBe('INTERNAL');
  });
});
