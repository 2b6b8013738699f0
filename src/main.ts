import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { createDb, type Db, ensureDatabase, migrate, pingDb } from './db/index.js';
import type { Logger } from './logger.js';
import {
  createRedisConnection,
  type JobDefinition,
  JobRegistry,
  Producer,
  pingRedis,
  WorkerHost,
} from './queue/index.js';
import { CaseService, type MatchPolicy, RegistrySync } from './registry/index.js';
import { caseRoutes, createServer, type Server } from './server/index.js';

/**
 * The composition root: the only place that builds pools, Redis connections and the stages, and
 * wires them together. Each `start*` returns a handle whose `close()` releases exactly what it made.
 */
export interface Running {
  close(): Promise<void>;
}

/** Every job kind of the system. Stages contribute their definitions here as they are built. */
export function jobDefinitions(): JobDefinition[] {
  return [];
}

/** Creates the database if needed and applies pending migrations. */
export async function runMigrations(config: Readonly<Config>, log: Logger): Promise<void> {
  if (await ensureDatabase(config.db.url))
    log.info({ database: config.db.url.split('/').pop() }, 'database created');
  const db = createDb(config.db.url, 1);
  try {
    const result = await migrate(db.pool, {
      onApply: (m) => log.info({ version: m.version, name: m.name }, 'migration applied'),
    });
    log.info(
      { applied: result.applied.length, alreadyApplied: result.alreadyApplied },
      'database is up to date',
    );
  } finally {
    await db.pool.end();
  }
}

/** Starts the HTTP API and web pages. */
export async function startServer(config: Readonly<Config>, log: Logger): Promise<Running & { app: Server }> {
  if (config.db.migrateOnStart) await runMigrations(config, log);
  const db = createDb(config.db.url, config.db.poolSize);
  const redis = createRedisConnection(config.redis.url, 'producer', 'hashwatch-serve');
  const producer = new Producer(new JobRegistry(jobDefinitions()), redis, config.redis.prefix);
  const cases = new CaseService(
    db,
    { maxAttempts: config.cases.pinMaxAttempts, lockMs: config.cases.pinLockMs },
    config.matching.pdqThreshold,
  );
  const app = await createServer({
    log: log.child({ component: 'server' }),
    queues: producer,
    checks: [
      { name: 'postgres', check: () => pingDb(db) },
      { name: 'redis', check: () => pingRedis(redis) },
    ],
    plugins: [
      {
        prefix: '/api/v1',
        plugin: (api) =>
          caseRoutes(api, {
            cases,
            pool: db.pool,
            lookupsPerMinute: config.cases.lookupsPerMinute,
            registrationsPerHour: config.cases.registrationsPerHour,
          }),
      },
    ],
  });
  await app.listen({ host: config.server.host, port: config.server.port });
  return {
    app,
    async close() {
      await app.close();
      await producer.close();
      await closeAll(db, redis);
    },
  };
}

/** Starts queue workers for the given queues (default: all). */
export async function startWorker(
  config: Readonly<Config>,
  log: Logger,
  options: { queues?: string[] } = {},
): Promise<Running> {
  if (config.db.migrateOnStart) await runMigrations(config, log);
  const db = createDb(config.db.url, config.db.poolSize);
  const redis = createRedisConnection(config.redis.url, 'worker', 'hashwatch-worker');
  const registrySync = new RegistrySync({
    db,
    databaseUrl: config.db.url,
    log: log.child({ component: 'registry' }),
    policy: matchPolicy(config),
    checkpointMs: config.matching.checkpointMs,
  });
  await registrySync.start();
  const registry = new JobRegistry(jobDefinitions());
  const host = new WorkerHost({
    registry,
    handlers: [],
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: config.worker.concurrency,
    graceMs: config.worker.shutdownGraceMs,
    log: log.child({ component: 'worker' }),
    ...(options.queues ? { queues: options.queues } : {}),
  });
  await host.start();
  return {
    async close() {
      await host.close();
      await registrySync.close();
      await closeAll(db, redis);
    },
  };
}

/** The match thresholds from configuration, shared by workers and `hashwatch match`. */
export function matchPolicy(config: Readonly<Config>): MatchPolicy {
  return {
    pdqThreshold: config.matching.pdqThreshold,
    pdqQualityGate: config.matching.pdqQualityGate,
    videoMatchPercent: config.matching.videoMatchPercent,
    dihedral: true,
  };
}

async function closeAll(db: Db, redis: Redis): Promise<void> {
  await db.pool.end();
  redis.disconnect();
}
