import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { installErrorHandling } from './errors.js';
import { healthRoutes, type ReadinessCheck } from './health.routes.js';
import { createMetrics, type QueueDepthSource, type RemovalStatsSource } from './metrics.js';
import { securityHeaders } from './web/security.js';

export interface ServerDeps {
  log: Logger;
  checks: ReadinessCheck[];
  queues?: QueueDepthSource;
  /** Removal statistics for `/metrics`, read from Postgres at scrape time. */
  stats?: RemovalStatsSource;
  /** Route plugins contributed by the stages (registry, reports, …), mounted under `/api/v1` or `/`. */
  plugins?: { prefix?: string; plugin: FastifyPluginAsync }[];
  /** Largest accepted request body; registrations carry many hashes, never media. */
  bodyLimit?: number;
  version?: string;
}

export type Server = FastifyInstance;

/** Builds the HTTP server: health, metrics, OpenAPI document and every stage's routes. */
export async function createServer(deps: ServerDeps): Promise<Server> {
  const app = Fastify({
    // pino's Logger and fastify's FastifyBaseLogger differ only in typing (msgPrefix).
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 2 * 1024 * 1024,
    trustProxy: false,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandling(app);
  // On the root, so every page, API route, error and 404 carries them (routes added later too).
  await securityHeaders(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'hashwatch API',
        version: deps.version ?? '0.1.0',
        description:
          'Register hashes (never media), report URLs, triage matches and follow takedown notices. ' +
          'Every error is `{"error": {"code", "message"}}`.',
      },
      servers: [{ url: '/' }],
    },
  });
  await app.register(healthRoutes, { checks: deps.checks, metrics: createMetrics(deps.queues, deps.stats) });
  for (const p of deps.plugins ?? []) await app.register(p.plugin, { prefix: p.prefix ?? '' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
