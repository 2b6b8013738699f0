import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/services.js';
import { loadMigrations, MIGRATIONS_DIR, migrate } from './migrate.js';
import { createDb, type Db } from './pool.js';

describe('migrate', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, 4);
  });
  afterAll(async () => {
    await db.pool.end();
    await database.drop();
  });

  it('applies every migration once, and nothing the second time', async () => {
    const known = await loadMigrations();
    const first = await migrate(db.pool);
    expect(first.applied.map((m) => m.version)).toEqual(known.map((m) => m.version));
    const second = await migrate(db.pool);
    expect(second.applied).toEqual([]);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows[0].n).toBe(known.length);
  });

  it('applies each migration exactly once when two processes migrate at the same time', async () => {
    const fresh = await createTestDatabase();
    try {
      const run = () =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, ['bin/hashwatch.js', 'migrate'], {
            env: { ...process.env, DATABASE_URL: fresh.url, LOG_LEVEL: 'warn' },
            stdio: 'ignore',
          });
          child.on('exit', (code) => resolve(code ?? 1));
        });
      expect(await Promise.all([run(), run(), run()])).toEqual([0, 0, 0]);
      const check = createDb(fresh.url, 1);
      const { rows } = await check.pool.query(
        'SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version',
      );
      await check.pool.end();
      expect(rows.length).toBe((await loadMigrations()).length);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      await fresh.drop();
    }
  });

  it('refuses a database that has a migration this build does not know', async () => {
    await db.pool.query(
      "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'x')",
    );
    try {
      await expect(migrate(db.pool)).rejects.toMatchObject({ code: 'DB_MIGRATION_UNKNOWN' });
    } finally {
      await db.pool.query('DELETE FROM schema_migrations WHERE version = 9999');
    }
  });

  it('refuses when an applied migration file was edited', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hw-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const [first] = await loadMigrations(dir);
      const path = join(dir, `${String(first?.version).padStart(4, '0')}_${first?.name}.sql`);
      await writeFile(path, `${first?.sql}\n-- edited\n`);
      await expect(migrate(db.pool, { dir })).rejects.toMatchObject({ code: 'DB_MIGRATION_CHANGED' });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('rolls back a failing migration and names it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hw-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await writeFile(
        join(dir, '9000_broken.sql'),
        'CREATE TABLE half_done (id int); SELECT * FROM no_such_table;',
      );
      await expect(migrate(db.pool, { dir })).rejects.toThrow(/9000_broken failed/);
      const { rows } = await db.pool.query("SELECT to_regclass('half_done') AS t");
      expect(rows[0].t).toBeNull();
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('keeps the audit log append-only', async () => {
    await db.pool.query(
      "INSERT INTO audit_log (actor, action, prev_hash, hash) VALUES ('test', 'login', '', 'h1')",
    );
    await expect(db.pool.query("UPDATE audit_log SET actor = 'someone else'")).rejects.toThrow(/append-only/);
    await expect(db.pool.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
  });
});
