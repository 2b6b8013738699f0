import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { HashwatchError } from '../errors.js';

/** Where the SQL migrations live: `<repo>/migrations`, from both `src/db` and `dist/db`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Arbitrary but fixed: every hashwatch process serialises migrations on this advisory lock. */
const LOCK_KEY = 7_424_151_337;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: Migration[];
  alreadyApplied: number;
}

/** Reads `NNNN_name.sql` files in version order; anything else in the folder is an error. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) {
      throw new HashwatchError('DB_MIGRATION_NAME', `Migration file "${file}" must be named NNNN_name.sql`);
    }
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    const version = Number(m[1]);
    if (migrations.some((x) => x.version === version)) {
      throw new HashwatchError('DB_MIGRATION_NAME', `Two migration files share version ${m[1]}`);
    }
    migrations.push({ version, name: m[2] ?? file, sql, checksum: sha256(sql) });
  }
  return migrations;
}

/**
 * Applies pending migrations exactly once, each in its own transaction, under a session advisory
 * lock so that concurrent processes wait for each other. Refuses to run when the ledger holds a
 * migration this build does not know (the database is newer than the code) or when an applied
 * migration's file changed (migrations are append-only).
 */
export async function migrate(
  pool: pg.Pool,
  options: { dir?: string; onApply?: (m: Migration) => void } = {},
): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.dir);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    checkLedger(rows, migrations);
    const done = new Set(rows.map((r) => r.version));
    const applied: Migration[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new HashwatchError(
          'DB_MIGRATION_FAILED',
          `Migration ${pad(m.version)}_${m.name} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
      options.onApply?.(m);
      applied.push(m);
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    client.release();
  }
}

function checkLedger(rows: { version: number; name: string; checksum: string }[], known: Migration[]): void {
  const byVersion = new Map(known.map((m) => [m.version, m]));
  for (const row of rows) {
    const m = byVersion.get(row.version);
    if (!m) {
      throw new HashwatchError(
        'DB_MIGRATION_UNKNOWN',
        `The database has migration ${pad(row.version)}_${row.name}, which this version of hashwatch does not know. ` +
          'Run a newer hashwatch, or point DATABASE_URL at the right database.',
      );
    }
    if (m.checksum !== row.checksum) {
      throw new HashwatchError(
        'DB_MIGRATION_CHANGED',
        `Migration ${pad(row.version)}_${row.name} was changed after it was applied. ` +
          'Migrations are append-only: restore the file and add a new migration instead.',
      );
    }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function pad(v: number): string {
  return String(v).padStart(4, '0');
}
