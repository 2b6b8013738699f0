import type { Logger } from 'pino';
import type { Db } from '../db/index.js';
import { isHashwatchError } from '../errors.js';
import type { HashImageOptions, ImageHashes } from '../hashing/index.js';
import type { Matcher } from '../registry/index.js';
import type { BrowserPool } from './browser-pool.js';
import type { DownloadLimits } from './media-download.js';
import type { AddressPolicy } from './net/address-policy.js';
import type { GuardedFetcher } from './net/guarded-fetch.js';
import type { GatePreset } from './page/age-gate.js';
import type { PageCrawlOptions } from './page/page-crawler.js';
import type { Politeness } from './politeness.js';

/** Limits of one crawl. */
export interface CrawlSettings {
  /** Pages per report, the reported page included. */
  maxPages: number;
  page: Omit<PageCrawlOptions, 'preset' | 'sites' | 'signal'>;
  download: DownloadLimits;
}

/** What the crawler's job handlers need, built once per worker by the composition root. */
export interface CrawlerDeps {
  db: Db;
  log: Logger;
  browsers: BrowserPool;
  fetcher: GuardedFetcher;
  politeness: Politeness;
  policy: AddressPolicy;
  /** The worker's current registry matcher (replaced on a rebuild, so always ask). */
  matcher(): Matcher;
  enqueuePage(reportId: number, pageId: number): Promise<void>;
  enqueueMedia(mediaId: number): Promise<void>;
  /** Image hashing off the event loop (a worker-thread pool); in-process when absent. */
  hashImage?: (bytes: Uint8Array, options: HashImageOptions) => Promise<ImageHashes>;
  /** The stored age-gate preset for a host, if any. */
  preset(host: string): Promise<GatePreset | undefined>;
  settings: CrawlSettings;
}

/** A failure to record now rather than retry: not retryable, or the last attempt. */
export function isFinal(err: unknown, attempt: number, maxAttempts: number): boolean {
  return (isHashwatchError(err) && !err.retryable) || attempt >= maxAttempts;
}

/** A stable code and a calm, short reason for the report page. */
export function describeFailure(err: unknown): { code: string; reason: string } {
  if (isHashwatchError(err)) return { code: err.code, reason: err.message };
  const message = err instanceof Error ? err.message : String(err);
  if (/Timeout \d+ms exceeded/.test(message))
    return { code: 'CRAWL_TIMEOUT', reason: 'The page took too long to load.' };
  if (/net::ERR_/.test(message)) {
    const net = /net::(ERR_[A-Z_]+)/.exec(message)?.[1] ?? 'ERR_FAILED';
    return { code: 'CRAWL_NETWORK', reason: `The page could not be loaded (${net}).` };
  }
  return { code: 'CRAWL_FAILED', reason: message.split('\n')[0]?.slice(0, 300) ?? 'Unknown failure' };
}
