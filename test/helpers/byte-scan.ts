import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/**
 * Probes for media bytes: windows taken at spread offsets of each file, searched for as raw bytes,
 * as lowercase hex (bytea text form) and as base64 (JSON, Redis job data). Headers are skipped so
 * that common file-format magic does not count as a hit.
 */
export function probes(files: Buffer[], perFile = 8, size = 48): Buffer[] {
  const out: Buffer[] = [];
  for (const f of files) {
    for (let i = 1; i <= perFile; i++) {
      const at = Math.floor((f.length * i) / (perFile + 1));
      if (at + size <= f.length) out.push(f.subarray(at, at + size));
    }
  }
  return out;
}

/** The probes that occur in `haystack` in any of the three forms. */
function found(haystack: Buffer, needles: Buffer[]): number {
  const text = haystack.toString('latin1');
  let hits = 0;
  for (const n of needles) {
    if (
      haystack.includes(n) ||
      text.includes(n.toString('hex')) ||
      // base64 of a window depends on its alignment: check the three shifts of its middle part
      [0, 1, 2].some((s) => text.includes(n.subarray(s, s + 36).toString('base64')))
    )
      hits++;
  }
  return hits;
}

/** Every row of every table in the public schema, as text, searched for the probes. */
export async function scanPostgres(pool: pg.Pool, needles: Buffer[]): Promise<Record<string, number>> {
  const { rows: tables } = await pool.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
  const hits: Record<string, number> = {};
  for (const { tablename } of tables) {
    const { rows } = await pool.query(`SELECT t::text AS row FROM "${tablename}" t`);
    const n = found(Buffer.from(rows.map((r) => r.row).join('\n'), 'latin1'), needles);
    if (n) hits[tablename] = n;
  }
  return hits;
}

/** Every key under a prefix, whatever its type, searched for the probes. */
export async function scanRedis(
  redis: Redis,
  prefix: string,
  needles: Buffer[],
): Promise<Record<string, number>> {
  const hits: Record<string, number> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const dump = await redis.dumpBuffer(key);
      const n = dump ? found(dump, needles) : 0;
      if (n) hits[key] = n;
    }
  } while (cursor !== '0');
  return hits;
}

/**
 * Files under `dir` changed since `since`, searched for the probes (unreadable ones skipped).
 * Folders named `hw-test-inputs-*` hold files other tests wrote on purpose as inputs; they are skipped.
 */
export async function scanFiles(
  dir: string,
  since: number,
  needles: Buffer[],
): Promise<Record<string, number>> {
  const hits: Record<string, number> = {};
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > 4) return;
    for (const name of await readdir(d).catch(() => [] as string[])) {
      const p = join(d, name);
      const s = await stat(p).catch(() => undefined);
      if (!s) continue;
      if (s.isDirectory()) {
        if (!name.startsWith('hw-test-inputs-')) await walk(p, depth + 1);
      } else if (s.isFile() && s.mtimeMs >= since && s.size < 64 * 1024 * 1024) {
        const n = found(await readFile(p).catch(() => Buffer.alloc(0)), needles);
        if (n) hits[p] = n;
      }
    }
  };
  await walk(dir, 0);
  return hits;
}

/** Searches a captured log for the probes. */
export function scanText(text: string, needles: Buffer[]): number {
  return found(Buffer.from(text, 'latin1'), needles);
}
