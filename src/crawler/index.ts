export { recordAbandonedJob, WORKER_LOST } from './abandoned.js';
export { BrowserPool, type BrowserPoolOptions, CHROMIUM_ARGS, defaultChromiumPath } from './browser-pool.js';
export { crawlPageProcessor } from './crawl-page.processor.js';
export type { CrawlerDeps, CrawlSettings } from './crawler-deps.js';
export { CRAWL_ERROR_CODES, CrawlError, type CrawlErrorCode, isCrawlError } from './errors.js';
export { fetchMediaProcessor } from './fetch-media.processor.js';
export { CRAWLER_JOBS, crawlPageJob, fetchMediaJob, retroMatchJob } from './jobs.js';
export {
  type DownloadLimits,
  type DownloadOutcome,
  downloadAndHash,
  openSniffed,
  type SniffedDownload,
} from './media-download.js';
export { type AddressPolicy, addressRange, checkUrl, isPublicUnicast } from './net/address-policy.js';
export {
  FETCH_DEFAULTS,
  type FetchHead,
  type FetchOptions,
  type FetchResult,
  GuardedFetcher,
  type GuardedFetcherOptions,
  type StreamResult,
} from './net/guarded-fetch.js';
export { createGuardedLookup, type ResolvedAddress, type Resolver, resolveVetted } from './net/lookup.js';
export {
  type ByteRange,
  chooseVariant,
  type ParsedManifest,
  parseManifest,
  type Segment,
  type Variant,
} from './net/manifest.js';
export {
  fetchDashSegments,
  fetchHlsSegments,
  MANIFEST_MAX_BYTES,
  type SegmentStreamOptions,
} from './net/segment-stream.js';
export { type MediaKind, type SniffResult, sniffMedia } from './net/sniff.js';
export { startVettingProxy, type VettingProxy, type VettingProxyOptions } from './net/vetting-proxy.js';
export { normalizeUrl } from './normalize-url.js';
export type { GatePreset } from './page/age-gate.js';
export { extractLinks, extractMedia, type MediaCandidate, siteOf } from './page/extract.js';
export {
  crawlPage,
  DEFAULT_PAGE_OPTIONS,
  type PageCrawlOptions,
  type PageResult,
} from './page/page-crawler.js';
export { Politeness, type PolitenessOptions } from './politeness.js';
export { presetForHost, upsertPreset } from './preset.store.js';
export { type RecheckDeps, recheckProcessor } from './recheck.processor.js';
export { getReport, type ReportDetail, type ReportRow, reportDetail } from './report.store.js';
export {
  checkReportUrl,
  type EnqueuePage,
  type ReportCreated,
  type ReportInput,
  ReportService,
} from './report-service.js';
export { retroMatchProcessor } from './retro-match.processor.js';
export { startSweeper } from './sweeper.js';
