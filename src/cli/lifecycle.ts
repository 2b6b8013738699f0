import type { Logger } from '../logger.js';
import type { Running } from '../main.js';

/**
 * Keeps long-running services up until SIGTERM or SIGINT, then closes them in reverse start order
 * and exits 0. If closing takes longer than the grace period (plus a margin for connections), or a
 * second signal arrives, exits 1 at once.
 */
export async function runUntilSignal(
  log: Logger,
  graceMs: number,
  start: () => Promise<Running[]>,
): Promise<void> {
  let services: Running[] = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, graceMs }, 'shutting down: no new work is taken, running jobs may finish');
    const hardStop = setTimeout(() => {
      log.error('shutdown took longer than the grace period; exiting');
      process.exit(1);
    }, graceMs + 10_000);
    hardStop.unref();
    for (const s of [...services].reverse()) {
      await s.close().catch((err: Error) => log.error({ err: err.message }, 'error while closing'));
    }
    log.info('stopped cleanly');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  services = await start();
}
