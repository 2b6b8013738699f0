import { type Db, withTransaction } from '../db/index.js';
import { HashwatchError } from '../errors.js';
import { normalizeUrl } from './normalize-url.js';
import { insertPage } from './page.store.js';
import { findRecentReport, insertReport, type ReportRow } from './report.store.js';

export interface ReportInput {
  url: string;
  note?: string | null;
  caseId?: number | null;
  depth?: number;
  source: 'api' | 'web' | 'cli' | 'csv' | 'recheck';
  reporter?: string | null;
}

export interface ReportCreated {
  report: ReportRow;
  /** Set when the URL was reported within the dedup window: the report links to that one. */
  duplicateOf: number | null;
  /** The first page to crawl (absent for duplicates). */
  pageId: number | null;
}

/** Starts a crawl: the `crawl-page` job for a new page. Provided by the composition root. */
export type EnqueuePage = (reportId: number, pageId: number) => Promise<void>;

/**
 * Intake of reported URLs. A URL reported again within the dedup window is recorded and linked to
 * the earlier report instead of being crawled again.
 */
export class ReportService {
  readonly #db: Db;
  readonly #enqueue: EnqueuePage;
  readonly #dedupWindowMs: number;
  readonly #maxDepth: number;

  constructor(db: Db, enqueue: EnqueuePage, opts: { dedupWindowMs: number; maxDepth: number }) {
    this.#db = db;
    this.#enqueue = enqueue;
    this.#dedupWindowMs = opts.dedupWindowMs;
    this.#maxDepth = opts.maxDepth;
  }

  async create(input: ReportInput): Promise<ReportCreated> {
    const normalizedUrl = checkReportUrl(input.url);
    const depth = Math.min(input.depth ?? 1, this.#maxDepth);
    const earlier =
      input.source === 'recheck'
        ? undefined
        : await findRecentReport(this.#db.pool, normalizedUrl, this.#dedupWindowMs);
    const created = await withTransaction(this.#db.pool, async (client): Promise<ReportCreated> => {
      const report = await insertReport(client, {
        url: input.url,
        normalizedUrl,
        note: input.note ?? null,
        caseId: input.caseId ?? null,
        depth,
        source: input.source,
        reporter: input.reporter ?? null,
        duplicateOf: earlier?.id ?? null,
      });
      const pageId = earlier
        ? null
        : ((await insertPage(client, { reportId: report.id, url: input.url, normalizedUrl, depth: 0 })) ??
          null);
      return { report, duplicateOf: earlier?.id ?? null, pageId };
    });
    // After COMMIT, so the worker finds the rows; a lost enqueue is re-driven by the sweeper.
    if (created.pageId !== null) await this.#enqueue(created.report.id, created.pageId);
    return created;
  }
}

/** The normalized form of a reportable URL, or a 400 that says what is wrong with it. */
export function checkReportUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HashwatchError(
      'REPORT_URL_INVALID',
      'This is not a complete web address; it should start with https://',
      { status: 400 },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HashwatchError('REPORT_URL_INVALID', 'Only http:// and https:// addresses can be checked.', {
      status: 400,
    });
  }
  if (parsed.username || parsed.password) {
    throw new HashwatchError(
      'REPORT_URL_INVALID',
      'Please remove the user name or password from the address.',
      { status: 400 },
    );
  }
  return normalizeUrl(url);
}
