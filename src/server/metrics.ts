import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Source of queue depths (the queue Producer); kept as an interface so the server needs no BullMQ. */
export interface QueueDepthSource {
  depths(): Promise<Record<string, Record<string, number>>>;
}

/**
 * A Prometheus registry for this process: default Node metrics plus BullMQ queue depths, read
 * from Redis at scrape time. When Redis is down the gauge is left out of that scrape rather than
 * failing the whole endpoint.
 */
export function createMetrics(queues: QueueDepthSource | undefined): Registry {
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
  return registry;
}
