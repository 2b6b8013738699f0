import type { FastifyInstance } from 'fastify';
import { assetRoutes, type loadAssets } from './assets.js';
import { casePage } from './pages/case.page.js';
import { homePage } from './pages/home.page.js';
import { registerPage } from './pages/register.page.js';
import { securityHeaders } from './security.js';

/** Options of {@link webRoutes}. */
export interface WebRoutesOptions {
  /** The bundled scripts and static files, from `loadAssets()` (built once at start-up). */
  assets: Awaited<ReturnType<typeof loadAssets>>;
}

/**
 * The public web pages: `/` (what this is), `/register` (fingerprints computed in the browser) and
 * `/case` (status and withdrawal), with their assets under `/assets`. Mount at the root prefix.
 *
 * The security headers (strict CSP, no framing, no referrer) are installed on this plugin's own
 * instance, so they cover every page and asset registered here and leave the JSON API as it is.
 * The pages hold nothing personal (results are shown by the page script), so they are rendered once.
 */
export async function webRoutes(app: FastifyInstance, opts: WebRoutesOptions): Promise<void> {
  // Called, not registered: `app.register` would scope helmet's hooks to a child without routes.
  await securityHeaders(app);
  await app.register(assetRoutes, { assets: opts.assets });
  const pages: Record<string, string> = {
    '/': homePage(),
    '/register': registerPage(),
    '/case': casePage(),
  };
  // Browsers ask for it on every page; an empty answer keeps it out of the 404s.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_req, reply) => reply.status(204).send());
  for (const [path, body] of Object.entries(pages)) {
    app.get(path, { schema: { hide: true } }, async (_req, reply) =>
      reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(body),
    );
  }
}
