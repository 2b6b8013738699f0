import pg from 'pg';
import { HashwatchError } from '../errors.js';

/** A pg pool plus the name of the database it points at (for messages, never credentials). */
export interface Db {
  pool: pg.Pool;
  database: string;
}

/** Creates the pool. Connections are lazy: nothing is contacted until the first query. */
export function createDb(url: string, poolSize: number): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection (Postgres restart) must not crash the process;
  // the next checkout gets a fresh connection.
  pool.on('error', () => {});
  return { pool, database: databaseName(url) };
}

/** The database name in a postgres:// URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new HashwatchError('DB_URL_INVALID', 'DATABASE_URL must name a database, e.g. /hashwatch');
  return name;
}

/**
 * Creates the database named in `url` when it does not exist yet, connecting to the server's
 * `postgres` maintenance database. Safe when two processes race to create it.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    } catch (err) {
      // 42P04 duplicate_database, 23505 unique_violation: another process created it first.
      const code = (err as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw err;
    }
  } finally {
    await client.end();
  }
}

/** Drops a database (tests only clean up their own databases with this). */
export async function dropDatabase(url: string): Promise<void> {
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(databaseName(url))} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Node socket errors that mean the server could not be reached or went away. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Whether `err` means Postgres is not answering (down, restarting, unreachable) rather than that a
 * query was wrong: socket errors, pg's "connection terminated" and connect timeouts, and the
 * server's own SQLSTATEs for it (class 08 connection exception, 57P01–57P03 shutdown/starting up).
 * Callers answer 503 or retry later instead of recording a failure.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (UNREACHABLE.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code)) return true;
  // net.connect to several addresses fails with an AggregateError of the individual errors.
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.every(isDatabaseUnavailable);
  const message = typeof e.message === 'string' ? e.message : '';
  return /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
    message,
  );
}

/** Answers whether Postgres responds to a trivial query within the pool's connect timeout. */
export async function pingDb(db: Db): Promise<void> {
  await db.pool.query('SELECT 1');
}

/** Runs `fn` in one transaction on one client: COMMIT on success, ROLLBACK on any error. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
