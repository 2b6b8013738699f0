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

export const REPORTS_JOBS = [noticeBatchJob, recheckJob];
