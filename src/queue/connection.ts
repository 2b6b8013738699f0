import { Redis } from 'ioredis';

/**
 * `worker`: long-lived consumers. BullMQ requires `maxRetriesPerRequest: null` so blocking commands
 * survive reconnects. `producer`: the HTTP API and CLI, which must fail fast with a clear error
 * when Redis is down instead of queueing commands in memory.
 */
export type RedisRole = 'worker' | 'producer';

/** Creates one ioredis connection for a role. Share it across the component; close what you create. */
export function createRedisConnection(url: string, role: RedisRole, name = 'hashwatch'): Redis {
  const redis = new Redis(url, {
    connectionName: `${name}-${role}`,
    lazyConnect: false,
    ...(role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 }),
    // Keep trying with a capped backoff: a Redis restart must not kill the process.
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  });
  // Errors are surfaced through failing commands and /readyz; an unhandled 'error' event would crash.
  redis.on('error', () => {});
  return redis;
}

/**
 * Resolves when Redis answers PING within `timeoutMs`, rejects otherwise. A connection that is
 * still (re)connecting gets the same time to become ready, since producer connections refuse
 * commands while offline.
 */
export async function pingRedis(redis: Redis, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const ready =
    redis.status === 'ready'
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          onReady = resolve;
          redis.once('ready', resolve);
        });
  try {
    await Promise.race([ready.then(() => redis.ping()), timeout]);
  } finally {
    clearTimeout(timer);
    if (onReady) redis.off('ready', onReady);
  }
}
