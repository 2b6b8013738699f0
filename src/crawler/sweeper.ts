import type { CrawlerDeps } from './crawler-deps.js';
import { staleMedia } from './media.store.js';
import { stalePages } from './page.store.js';

/**
 * Re-queues pages and media that Postgres says are waiting but whose job may be gone (a crash
 * between commit and enqueue, or Redis restarted without persistence). Job ids come from content,
 * so re-adding a job that still exists does nothing; every worker can run this safely.
 */
export function startSweeper(
  deps: Pick<CrawlerDeps, 'db' | 'log' | 'enqueuePage' | 'enqueueMedia'>,
  opts: { everyMs: number; olderThanMs: number },
): { stop(): void } {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const pages = await stalePages(deps.db.pool, opts.olderThanMs, 500);
      for (const p of pages) await deps.enqueuePage(p.reportId, p.id);
      const media = await staleMedia(deps.db.pool, opts.olderThanMs, 2000);
      for (const id of media) await deps.enqueueMedia(id);
      if (pages.length || media.length)
        deps.log.info({ pages: pages.length, media: media.length }, 'sweeper re-queued waiting work');
    } catch (err) {
      deps.log.warn({ err: (err as Error).message }, 'sweep failed; will try again');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), opts.everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
