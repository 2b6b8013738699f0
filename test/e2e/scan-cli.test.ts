import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureSite, startFixtureSite } from '../fixtures/site/index.js';

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/hashwatch.js', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** `hashwatch scan`: the whole pipeline in one process, with no Redis and no Postgres. */
describe('hashwatch scan', () => {
  let site: FixtureSite;
  let dir: string;

  beforeAll(async () => {
    site = await startFixtureSite();
    dir = await mkdtemp(join(tmpdir(), 'hw-test-inputs-scan-'));
  }, 60_000);
  afterAll(async () => {
    await site?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one line per media item with its matches against a registry file, then a summary', async () => {
    // The registry is made the way an advocate would: `hashwatch hash --json` on their own file.
    const photo = join(dir, 'my-photo.jpg');
    await writeFile(photo, site.mediaBytes('lazy-1'));
    const registry = join(dir, 'registry.jsonl');
    const hashed = await run(['hash', '--json', photo]);
    expect(hashed.code).toBe(0);
    await writeFile(registry, hashed.stdout);

    const out = await run(['scan', site.listingUrl, '--registry', registry, '--json'], {
      CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
      CRAWL_SCROLL_SECONDS: '6',
      // Unreachable database and Redis: the command needs neither.
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(out.stderr).not.toContain('cannot be used');
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.at(-1).summary).toMatchObject({ pages: 1, failed: 0, matched: 1 });
    const lazy = site.media.find((m) => m.id === 'lazy-1');
    const hit = lines.find((l) => l.url === lazy?.url);
    expect(hit.matches).toEqual([expect.objectContaining({ file: photo, signal: 'sha256', distance: 0 })]);
    expect(hit.pdq).toBe(JSON.parse(hashed.stdout).pdq);
    expect(out.code).toBe(0);
  }, 120_000);
});
