import type { CrawlerDeps } from './crawler-deps.js';
import { crawlPageJob, fetchMediaJob } from './jobs.js';
import { getMedia, reportsOfMedia, setMediaFailed } from './media.store.js';
import { finishPage, getPage } from './page.store.js';
import { settleReport } from './report.store.js';

/** Code recorded on a page or media item whose job the queue gave up on without running it. */
export const WORKER_LOST = 'WORKER_LOST';

const REASON =
  'The worker handling this stopped several times before it finished (it may have run out of memory or been restarted), so it was not tried again.';

/**
 * Records a failure for a job the queue gave up on without running its handler (BullMQ fails a
 * job that stalled more than `maxStalledCount` times, or started more than `maxStartedAttempts`
 * times, when a worker next picks it up). Without this its page or media item would stay
 * `crawling`/`queued` and its report would never finish. Work already finished is left alone.
 */
export async function recordAbandonedJob(
  deps: Pick<CrawlerDeps, 'db' | 'log'>,
  job: { name: string; data: unknown },
): Promise<void> {
  const { db } = deps;
  const data = (job.data ?? {}) as Record<string, unknown>;
  if (job.name === crawlPageJob.name) {
    const page = await getPage(db.pool, Number(data.pageId));
    if (!page || (page.status !== 'queued' && page.status !== 'crawling')) return;
    await finishPage(db.pool, page.id, {
      status: 'failed',
      httpStatus: null,
      mediaFound: 0,
      linksFound: 0,
      failureCode: WORKER_LOST,
      failureReason: REASON,
    });
    await settleReport(db.pool, page.reportId);
    deps.log.warn({ pageId: page.id }, 'page given up after repeated worker losses');
  } else if (job.name === fetchMediaJob.name) {
    const media = await getMedia(db.pool, Number(data.mediaId));
    if (media?.status !== 'queued') return;
    await setMediaFailed(db.pool, media.id, { status: 'failed', code: WORKER_LOST, reason: REASON });
    for (const reportId of await reportsOfMedia(db.pool, media.id)) await settleReport(db.pool, reportId);
    deps.log.warn({ mediaId: media.id }, 'media given up after repeated worker losses');
  }
}
