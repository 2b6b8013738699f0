import { z } from 'zod';
import { defineJob } from '../queue/index.js';

/** Render one page of a report: discover media and same-site links. */
export const crawlPageJob = defineJob({
  name: 'crawl-page',
  queue: 'crawl',
  schema: z.object({ reportId: z.number().int().positive(), pageId: z.number().int().positive() }),
  dedupKey: (p) => `page:${p.pageId}`,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 5_000 } },
});

/** Download one media location, hash it in memory, match it. `round` > 0 for rechecks. */
export const fetchMediaJob = defineJob({
  name: 'fetch-media',
  queue: 'media',
  schema: z.object({ mediaId: z.number().int().positive(), round: z.number().int().min(0).default(0) }),
  dedupKey: (p) => `media:${p.mediaId}:${p.round}`,
  options: { attempts: 4, backoff: { type: 'exponential', delay: 5_000 } },
});

/** Match a newly registered case against every content already crawled. */
export const retroMatchJob = defineJob({
  name: 'retro-match',
  queue: 'match',
  schema: z.object({ caseId: z.number().int().positive(), changeId: z.number().int().positive() }),
  dedupKey: (p) => `change:${p.changeId}`,
  options: { attempts: 5, backoff: { type: 'exponential', delay: 10_000 } },
});

export const CRAWLER_JOBS = [crawlPageJob, fetchMediaJob, retroMatchJob];
