import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every response: a strict CSP (same-origin scripts only; WebAssembly for the
 * in-browser MD5/SHA-256; blob: media for local video previews), no framing, no referrer, nosniff;
 * and `cache-control: no-store` on every response whose route did not choose its own caching, so
 * nothing with case data (now or in a route added later) lands in a shared or browser cache.
 * `createServer` installs them on the root; calling this again on a child instance does nothing.
 */
export async function securityHeaders(app: FastifyInstance): Promise<void> {
  if (app.hasReplyDecorator('helmet')) return;
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
    hsts: false,
  });
}
