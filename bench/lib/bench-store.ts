/**
 * A throwaway Postgres database (migrated) and Redis queue prefix for one benchmark run, so runs
 * never see each other's media and nothing is left behind.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createDb, type Db, dropDatabase, ensureDatabase, migrate } from '../../src/db/index.js';

/** A fresh database and queue prefix; `close()` drops the one and deletes the other's keys. */
export interface BenchStore {
  url: string;
  db: Db;
  prefix: string;
  close(): Promise<void>;
}

/** Creates and migrates `hashwatch_bench_<random>` on `pgBase` and picks `hwbench_<random>`. */
export async function freshStore(pgBase: string, redisUrl: string): Promise<BenchStore> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const url = `${pgBase.replace(/\/$/, '')}/hashwatch_bench_${suffix}`;
  const prefix = `hwbench_${suffix}`;
  await ensureDatabase(url);
  const db = createDb(url, 4);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await db.pool.end().catch(() => {});
    try {
      // WITH (FORCE) inside: a worker killed mid-query cannot keep the database alive.
      await dropDatabase(url);
    } finally {
      // A load run can leave thousands of jobs waiting: they go even if the drop failed.
      await deleteKeys(redisUrl, prefix);
    }
  };
  try {
    await migrate(db.pool);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, db, prefix, close };
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
