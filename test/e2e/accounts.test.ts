import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService, loginRoutes, requireUser, sessionPlugin } from '../../src/server/accounts/index.js';
import { createServer, type Server } from '../../src/server/index.js';
import { migratedDatabase } from '../helpers/app.js';
import { silentLog } from '../helpers/services.js';

/** `hashwatch <args>` against the test database. */
function hashwatch(
  args: string[],
  databaseUrl: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/hashwatch.js', ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('hashwatch user and audit', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let app: Server;
  let accounts: AccountService;

  beforeAll(async () => {
    env = await migratedDatabase();
    accounts = new AccountService(env.db);
    app = await createServer({
      log: silentLog,
      checks: [],
      plugins: [
        { plugin: sessionPlugin({ accounts, cookieSecure: 'auto' }) },
        {
          plugin: async (web) => {
            await web.register(loginRoutes, { attemptsPerMinute: 1000 });
            web.get(
              '/admin',
              { preHandler: requireUser('admin') },
              async (req) => `hello ${req.user?.email}`,
            );
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  const signIn = (email: string, password: string) =>
    app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email, password, next: '/admin' }).toString(),
    });

  it('creates an account whose printed password signs in; disabling it shuts it out', async () => {
    // Each spawn loads the whole CLI (a few seconds on a busy machine): keep them few and parallel.
    const [added] = await Promise.all([
      hashwatch(['user', 'add', '--role', 'admin', 'Chief@Example.org'], env.url),
      accounts.addUser('ana@example.org', 'analyst', 'test'),
    ]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const password = /^([A-Za-z0-9]{16,})$/m.exec(added.stdout)?.[1];
    expect(password, added.stdout).toBeDefined();
    const { rows } = await env.db.pool.query('SELECT password_hash FROM users WHERE email = $1', [
      'chief@example.org',
    ]);
    expect(rows[0].password_hash).toMatch(/^scrypt\$/);
    expect(rows[0].password_hash).not.toContain(password);

    const res = await signIn('chief@example.org', password ?? '');
    expect(res.statusCode).toBe(303);
    const cookie = String(res.headers['set-cookie']).split(';')[0] ?? '';
    expect((await app.inject({ url: '/admin', headers: { cookie } })).body).toBe('hello chief@example.org');

    const [again, disabled, unknown] = await Promise.all([
      hashwatch(['user', 'add', '--role', 'analyst', 'chief@example.org'], env.url),
      hashwatch(['user', 'disable', 'CHIEF@example.org'], env.url),
      hashwatch(['user', 'disable', 'nobody@example.org'], env.url),
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already an account');
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain('1 session ended');
    expect(unknown.code).toBe(1);
    expect((await app.inject({ url: '/admin', headers: { cookie } })).statusCode).toBe(303);
    expect((await signIn('chief@example.org', password ?? '')).statusCode).toBe(401);

    // Both read-only, so they run together.
    const [list, ok] = await Promise.all([
      hashwatch(['user', 'list'], env.url),
      hashwatch(['audit', 'verify'], env.url),
    ]);
    expect(list.stdout).toMatch(/chief@example\.org\tadmin\tdisabled/);
    expect(list.stdout).toMatch(/ana@example\.org\tanalyst\tactive/);
    expect(list.stdout).not.toContain('scrypt');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Audit log OK: \d+ entries, chain intact\./);
    const actions = (await env.db.pool.query('SELECT action FROM audit_log ORDER BY id')).rows.map(
      (r) => r.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining(['user.add', 'login.success', 'user.disable', 'login.failure']),
    );
    // Four CLI processes: generous under load, since each starts Node and tsx.
  }, 90_000);

  it('exits 1 from audit verify, naming the entry, once a row was edited', async () => {
    const { rows } = await env.db.pool.query(
      "SELECT id, detail FROM audit_log WHERE action = 'user.add' ORDER BY id LIMIT 1",
    );
    const id = Number(rows[0].id);
    await env.db.pool.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    try {
      await env.db.pool.query(
        `UPDATE audit_log SET detail = jsonb_set(detail, '{role}', '"owner"') WHERE id = $1`,
        [id],
      );
    } finally {
      await env.db.pool.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    }
    const broken = await hashwatch(['audit', 'verify', '--json'], env.url);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, brokenAt: id, reason: 'hash' });
  });
});
