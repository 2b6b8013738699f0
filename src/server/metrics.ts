import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { PlatformRemovalStats } from '../reports/index.js';

/** Source of queue depths (the queue Producer); kept as an interface so the server needs no BullMQ. */
export interface QueueDepthSource {
  depths(): Promise<Record<string, Record<string, number>>>;
}

/** One platform's removal figures, as the reports stage computes them (see src/reports/stats.store.ts). */
export type PlatformRemovalFigures = Omit<PlatformRemovalStats, 'platformId'>;

/**
 * Source of the removal statistics (Postgres); an interface so that metrics need no SQL. main.ts
 * passes the cached source shared with `/stats`, so a scrape does not run the query each time.
 */
export interface RemovalStatsSource {
  removalStats(): Promise<{ platforms: PlatformRemovalFigures[] }>;
}

/**
 * A Prometheus registry for this process: default Node metrics plus BullMQ queue depths, read
 * from Redis at scrape time, and the removal statistics per platform, read from Postgres at scrape
 * time. When Redis or Postgres is down, its gauges are left out of that scrape rather than failing
 * the whole endpoint.
 */
export function createMetrics(queues: QueueDepthSource | undefined, stats?: RemovalStatsSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hashwatch_' });
  if (queues) {
    new Gauge({
      name: 'hashwatch_queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        try {
          for (const [queue, counts] of Object.entries(await queues.depths())) {
            for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
          }
        } catch {
          // Redis unavailable: /readyz reports it; metrics keep serving the rest.
        }
      },
    });
  }
  if (stats) removalGauges(registry, stats);
  return registry;
}

type Figure = (p: PlatformRemovalFigures) => [labels: Record<string, string>, value: number | null][];

/** One gauge per figure; every gauge of one scrape shares a single query (prom-client collects in parallel). */
function removalGauges(registry: Registry, source: RemovalStatsSource): void {
  let inflight: Promise<PlatformRemovalFigures[] | undefined> | undefined;
  const load = () => {
    inflight ??= source
      .removalStats()
      .then((s) => s.platforms)
      // Postgres unavailable: /readyz reports it; these gauges are left out of this scrape.
      .catch(() => undefined)
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
  const gauge = (name: string, help: string, figure: Figure, extraLabels: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames: ['platform', ...extraLabels],
      registers: [registry],
      async collect() {
        this.reset();
        for (const p of (await load()) ?? []) {
          for (const [labels, value] of figure(p)) {
            if (value !== null) this.set({ platform: p.platform, ...labels }, value);
          }
        }
      },
    });
  // Read from Postgres as a gauge, not a counter, so no `_total` suffix (Prometheus naming).
  gauge('hashwatch_notices_sent', 'Notices sent to the platform (every level)', (p) => [[{}, p.noticesSent]]);
  gauge('hashwatch_items_noticed', 'URLs named in sent notices', (p) => [[{}, p.itemsNoticed]]);
  gauge('hashwatch_items_removed', 'Noticed URLs recorded as removed', (p) => [[{}, p.itemsRemoved]]);
  gauge('hashwatch_removal_rate', 'Share of noticed URLs removed (0-1)', (p) => [[{}, p.removalRate]]);
  gauge(
    'hashwatch_time_to_removal_seconds',
    'Time from the first notice to removal, median and p90 over removed URLs',
    (p) => [
      [{ quantile: '0.5' }, p.medianSecondsToRemoval],
      [{ quantile: '0.9' }, p.p90SecondsToRemoval],
    ],
    ['quantile'],
  );
  gauge(
    'hashwatch_items_outstanding_past_deadline',
    'Noticed URLs still asked for, not removed, past the first notice deadline',
    (p) => [[{}, p.outstandingPastDeadline]],
  );
  gauge('hashwatch_reuploads', 'URLs in sent re-upload notices (content found again after removal)', (p) => [
    [{}, p.reuploads],
  ]);
}
