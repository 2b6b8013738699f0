import { z } from 'zod';
import { defineJob } from '../queue/index.js';

/** The weekly batch: one notice per platform for everything confirmed and not yet noticed. */
export const noticeBatchJob = defineJob({
  name: 'notice-batch',
  queue: 'notices',
  schema: z.object({}).strict(),
  options: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } },
});

/** After a notice's deadline: re-fetch each URL, record removals, follow up on what is still up. */
export const recheckJob = defineJob({
  name: 'recheck',
  queue: 'notices',
  schema: z.object({}).strict(),
  options: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } },
});

/**
 * Re-upload notices, sent at once: confirmed matches of content removed after an earlier notice.
 * A short-period scheduler runs it (`REUPLOAD_CHECK_EVERY_MINUTES`), so nothing depends on a hook;
 * a confirmation may also enqueue it with the confirmed match ids for no delay at all (the id is
 * derived from them, so a repeated confirmation adds nothing). It always handles every confirmed
 * re-upload, not only the ids given.
 */
export const reuploadNoticeJob = defineJob({
  name: 'notice-reupload',
  queue: 'notices',
  schema: z.object({ matchIds: z.array(z.number().int().positive()).max(10_000).default([]) }).strict(),
  dedupKey: (p) => `reupload:${[...new Set(p.matchIds)].sort((a, b) => a - b).join(',')}`,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 30_000 } },
});

export const REPORTS_JOBS = [noticeBatchJob, recheckJob, reuploadNoticeJob];
