import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { FastifyInstance } from 'fastify';

const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url));
const STATIC_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Bundles the browser scripts (`client/*.client.ts`, which import the same pure hashing code the
 * server runs) with esbuild at start-up, in memory, and serves them with the static files under
 * `/assets`. Nothing is written to disk.
 */
export async function loadAssets(): Promise<Map<string, { body: Buffer; type: string }>> {
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const name of await readdir(STATIC_DIR)) {
    const ext = name.slice(name.lastIndexOf('.'));
    assets.set(name, {
      body: await readFile(`${STATIC_DIR}${name}`),
      type: TYPES[ext] ?? 'application/octet-stream',
    });
  }
  const entries = (await readdir(CLIENT_DIR).catch(() => [])).filter((f) => f.endsWith('.client.ts'));
  if (entries.length === 0) return assets;
  const result = await build({
    entryPoints: entries.map((f) => `${CLIENT_DIR}${f}`),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: true,
    write: false,
    outdir: '/assets',
    entryNames: '[name]',
    logLevel: 'silent',
  });
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1).replace('.client.js', '.js');
    assets.set(name, { body: Buffer.from(file.contents), type: TYPES['.js'] as string });
  }
  return assets;
}

/** Serves `/assets/<name>` from the in-memory map, cacheable for an hour. */
export async function assetRoutes(
  app: FastifyInstance,
  opts: { assets: Map<string, { body: Buffer; type: string }> },
): Promise<void> {
  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async (req, reply) => {
    const asset = opts.assets.get(req.params.name);
    if (!asset) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such asset' } });
    return reply
      .header('content-type', asset.type)
      .header('cache-control', 'public, max-age=3600')
      .send(asset.body);
  });
}
