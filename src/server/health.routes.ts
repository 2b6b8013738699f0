import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** A named dependency check for /readyz; rejects with a short reason when the dependency is down. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;

/** `/healthz` (process up), `/readyz` (dependencies answer) and `/metrics` (Prometheus text). */
export async function healthRoutes(
  app: FastifyInstance,
  opts: { checks: ReadinessCheck[]; metrics: Registry },
): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const results = await Promise.all(
      opts.checks.map(async (c) => {
        try {
          await withTimeout(c.check(), CHECK_TIMEOUT_MS);
          return [c.name, 'ok'] as const;
        } catch (err) {
          return [c.name, `down: ${(err as Error).message || 'no answer'}`] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results);
    const down = results.filter(([, v]) => v !== 'ok').map(([k]) => k);
    if (down.length === 0) return { status: 'ready', checks };
    return reply.status(503).send({
      error: {
        code: 'NOT_READY',
        message: `Not ready: ${down.join(' and ')} not answering.`,
        details: { checks },
      },
    });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', opts.metrics.contentType);
    return opts.metrics.metrics();
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
