import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/registry/index.js';
import { insertToken, type Server } from '../../src/server/index.js';
import { caseApi, migratedDatabase } from '../helpers/app.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const line = (i: number) =>
  JSON.stringify({
    file: `/private/photo-${i}.jpg`,
    kind: 'image',
    sha256: hex(32),
    md5: hex(16),
    pdq: hex(32),
    pdqQuality: 88,
    blockhash: hex(32),
    width: 10,
    height: 10,
  });

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/hashwatch.js', 'register', ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('hashwatch register', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let app: Server;
  let url: string;
  let dir: string;
  let token: string;

  beforeAll(async () => {
    env = await migratedDatabase();
    ({ app } = await caseApi(env.db));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'hw-register-'));
    const t = generateToken();
    await insertToken(env.db.pool, { name: 'advocate', tokenHash: t.tokenHash, scopes: ['register'] });
    token = t.token;
  });
  afterAll(async () => {
    await app.close();
    await env.close();
    await rm(dir, { recursive: true });
  });

  it('sends thousands of hashes in batches as one case and prints the reference and PIN once', async () => {
    const file = join(dir, 'hashes.jsonl');
    await writeFile(file, `${Array.from({ length: 2500 }, (_, i) => line(i)).join('\n')}\n`);
    const res = await run(
      [file, '--role', 'representative', '--adult', '--accept-consent', '--batch-size', '1000'],
      {
        HASHWATCH_URL: url,
        HASHWATCH_TOKEN: token,
      },
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const ref = /Case reference: (HW-\S+)/.exec(res.stdout)?.[1];
    expect(res.stdout).toMatch(/PIN: \d{10}/);
    const { rows } = await env.db.pool.query(
      `SELECT count(*)::int AS n, bool_and(c.source = 'cli') AS cli FROM registered_items i JOIN cases c ON c.id = i.case_id WHERE c.ref = $1`,
      [ref],
    );
    expect(rows[0]).toEqual({ n: 2500, cli: true });
    // Local file names never leave the machine.
    const names = await env.db.pool.query(
      "SELECT count(*)::int AS n FROM cases WHERE consent::text LIKE '%photo-%'",
    );
    expect(names.rows[0].n).toBe(0);
  });

  it('sends nothing when a line is bad, and says which line and field', async () => {
    const file = join(dir, 'bad.jsonl');
    await writeFile(file, [line(1), '{"kind":"image","sha256":"xyz"}', 'not json'].join('\n'));
    const before = await env.db.pool.query('SELECT count(*)::int AS n FROM cases');
    const res = await run([file, '--role', 'self', '--adult', '--accept-consent'], { HASHWATCH_URL: url });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Nothing was sent');
    expect(res.stderr).toMatch(/line 2: .*sha256/);
    expect(res.stderr).toContain('line 3: not valid JSON');
    const after = await env.db.pool.query('SELECT count(*)::int AS n FROM cases');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('shows the consent statement and stops until it is accepted', async () => {
    const file = join(dir, 'one.jsonl');
    await writeFile(file, line(1));
    const res = await run([file, '--role', 'self', '--adult'], { HASHWATCH_URL: url });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Only fingerprints (hashes) of the files are sent');
  });
});
