/**
 * The removal statistics, computed at most once per `ttlMs` and shared by `/metrics`, `/stats` and
 * `GET /api/v1/stats`. `/metrics` is unauthenticated; without this every scrape (or anyone who can
 * reach the port) would run the statistics query.
 */
import type { RemovalStats } from '../../reports/index.js';

/** Where the statistics come from: a function of "now" (for "past deadline"). */
export type RemovalStatsLoader = (now: Date) => Promise<RemovalStats>;

/** How long one answer is served again (60 s): a minute-old figure is fine for weekly notices. */
export const STATS_CACHE_MS = 60_000;

/**
 * Wraps `load` so that calls within `ttlMs` of the last answer get that answer (its `generatedAt`
 * says when it was made), and parallel calls share one query. A failure is not kept: the next call
 * tries again.
 */
export function cachedRemovalStats(
  load: RemovalStatsLoader,
  options: { ttlMs?: number; now?: () => Date } = {},
): () => Promise<RemovalStats> {
  const ttlMs = options.ttlMs ?? STATS_CACHE_MS;
  const now = options.now ?? (() => new Date());
  let last: { at: number; stats: RemovalStats } | undefined;
  let inflight: Promise<RemovalStats> | undefined;
  return () => {
    const at = now();
    if (last && at.getTime() - last.at < ttlMs) return Promise.resolve(last.stats);
    inflight ??= load(at)
      .then((stats) => {
        last = { at: at.getTime(), stats };
        return stats;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}
