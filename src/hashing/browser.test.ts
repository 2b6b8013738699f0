import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('./browser.ts', import.meta.url));

describe('the browser entry of hashing', () => {
  it('bundles for the browser without any Node module, sharp or ffmpeg in its graph', async () => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.startsWith('node:') || p.includes('node_modules/sharp'))).toBe(false);
    expect(inputs.some((p) => /decode-image|hash-video|video-frames|digest\.ts/.test(p))).toBe(false);
    // The pure core the page needs is really in the bundle.
    expect(inputs.some((p) => p.endsWith('hashing/pdq.ts'))).toBe(true);
    expect(inputs.some((p) => p.endsWith('hashing/variants.ts'))).toBe(true);
  });
});
