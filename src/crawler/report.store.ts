import type pg from 'pg';

type Queryable = pg.Pool | pg.PoolClient;

export interface ReportRow {
  id: number;
  url: string;
  normalizedUrl: string;
  note: string | null;
  caseId: number | null;
  depth: number;
  source: string;
  status: 'queued' | 'crawling' | 'done' | 'failed';
  failureCode: string | null;
  failureReason: string | null;
  duplicateOf: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const REPORT_COLUMNS = `id, url, normalized_url, note, case_id, depth, source, status, failure_code, failure_reason,
  duplicate_of, created_at, started_at, finished_at`;

function toReport(r: Record<string, unknown>): ReportRow {
  return {
    id: Number(r.id),
    url: r.url as string,
    normalizedUrl: r.normalized_url as string,
    note: (r.note as string | null) ?? null,
    caseId: r.case_id === null ? null : Number(r.case_id),
    depth: r.depth as number,
    source: r.source as string,
    status: r.status as ReportRow['status'],
    failureCode: (r.failure_code as string | null) ?? null,
    failureReason: (r.failure_reason as string | null) ?? null,
    duplicateOf: r.duplicate_of === null ? null : Number(r.duplicate_of),
    createdAt: r.created_at as Date,
    startedAt: (r.started_at as Date | null) ?? null,
    finishedAt: (r.finished_at as Date | null) ?? null,
  };
}

/** The newest original (non-duplicate, not failed) report of a URL within the window. */
export async function findRecentReport(
  db: Queryable,
  normalizedUrl: string,
  windowMs: number,
): Promise<ReportRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${REPORT_COLUMNS} FROM reports
      WHERE normalized_url = $1 AND duplicate_of IS NULL AND status <> 'failed'
        AND created_at > now() - make_interval(secs => $2::double precision / 1000)
      ORDER BY created_at DESC LIMIT 1`,
    [normalizedUrl, windowMs],
  );
  return rows[0] ? toReport(rows[0]) : undefined;
}

export async function insertReport(
  db: Queryable,
  r: {
    url: string;
    normalizedUrl: string;
    note: string | null;
    caseId: number | null;
    depth: number;
    source: string;
    reporter: string | null;
    duplicateOf: number | null;
  },
): Promise<ReportRow> {
  const { rows } = await db.query(
    `INSERT INTO reports (url, normalized_url, note, case_id, depth, source, reporter, duplicate_of, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8::bigint IS NULL THEN 'queued' ELSE 'done' END)
     RETURNING ${REPORT_COLUMNS}`,
    [r.url, r.normalizedUrl, r.note, r.caseId, r.depth, r.source, r.reporter, r.duplicateOf],
  );
  return toReport(rows[0]);
}

export async function getReport(db: Queryable, id: number): Promise<ReportRow | undefined> {
  const { rows } = await db.query(`SELECT ${REPORT_COLUMNS} FROM reports WHERE id = $1`, [id]);
  return rows[0] ? toReport(rows[0]) : undefined;
}

export async function markReportCrawling(db: Queryable, id: number): Promise<void> {
  await db.query(
    `UPDATE reports SET status = 'crawling', started_at = coalesce(started_at, now()) WHERE id = $1 AND status = 'queued'`,
    [id],
  );
}

/**
 * Closes a report once no page or media of it is still queued or crawling: `done` if any page was
 * crawled, else `failed` with the first page's reason. Returns the new status, if it changed.
 */
export async function settleReport(db: Queryable, id: number): Promise<string | undefined> {
  const { rows } = await db.query(
    `WITH open AS (
       SELECT 1 FROM pages WHERE report_id = $1 AND status IN ('queued', 'crawling')
       UNION ALL
       SELECT 1 FROM page_media pm JOIN pages p ON p.id = pm.page_id JOIN media m ON m.id = pm.media_id
        WHERE p.report_id = $1 AND m.status = 'queued'
       LIMIT 1),
     first_failure AS (
       SELECT failure_code, failure_reason FROM pages WHERE report_id = $1 AND status = 'failed' ORDER BY id LIMIT 1),
     crawled AS (SELECT count(*) AS n FROM pages WHERE report_id = $1 AND status IN ('done', 'gone'))
     UPDATE reports r SET
       status = CASE WHEN (SELECT n FROM crawled) > 0 THEN 'done' ELSE 'failed' END,
       failure_code = CASE WHEN (SELECT n FROM crawled) > 0 THEN NULL ELSE (SELECT failure_code FROM first_failure) END,
       failure_reason = CASE WHEN (SELECT n FROM crawled) > 0 THEN NULL ELSE (SELECT failure_reason FROM first_failure) END,
       finished_at = now()
     WHERE r.id = $1 AND r.status IN ('queued', 'crawling') AND NOT EXISTS (SELECT 1 FROM open)
     RETURNING status`,
    [id],
  );
  return rows[0]?.status;
}

export interface ReportDetail {
  pages: {
    url: string;
    depth: number;
    status: string;
    httpStatus: number | null;
    mediaFound: number;
    failureCode: string | null;
    failureReason: string | null;
  }[];
  media: {
    url: string;
    kind: string | null;
    status: string;
    failureCode: string | null;
    failureReason: string | null;
    via: string;
  }[];
  matches: { pending: number; confirmed: number; rejected: number };
}

/** Pages, media and match counts of a report (for a duplicate, of the report it points at). */
export async function reportDetail(db: Queryable, reportId: number): Promise<ReportDetail> {
  const pages = await db.query(
    `SELECT url, depth, status, http_status, media_found, failure_code, failure_reason FROM pages WHERE report_id = $1 ORDER BY id`,
    [reportId],
  );
  const media = await db.query(
    `SELECT DISTINCT ON (m.id) m.url, coalesce(c.kind, m.kind_hint) AS kind, m.status, m.failure_code, m.failure_reason, pm.via
       FROM page_media pm JOIN pages p ON p.id = pm.page_id JOIN media m ON m.id = pm.media_id
       LEFT JOIN contents c ON c.id = m.content_id
      WHERE p.report_id = $1 ORDER BY m.id`,
    [reportId],
  );
  const matches = await db.query(
    `SELECT count(*) FILTER (WHERE x.state = 'pending')::int AS pending,
            count(*) FILTER (WHERE x.state = 'confirmed')::int AS confirmed,
            count(*) FILTER (WHERE x.state = 'rejected')::int AS rejected
       FROM matches x WHERE x.media_id IN (
         SELECT pm.media_id FROM page_media pm JOIN pages p ON p.id = pm.page_id WHERE p.report_id = $1)`,
    [reportId],
  );
  return {
    pages: pages.rows.map((r) => ({
      url: r.url,
      depth: r.depth,
      status: r.status,
      httpStatus: r.http_status,
      mediaFound: r.media_found,
      failureCode: r.failure_code,
      failureReason: r.failure_reason,
    })),
    media: media.rows.map((r) => ({
      url: r.url,
      kind: r.kind,
      status: r.status,
      failureCode: r.failure_code,
      failureReason: r.failure_reason,
      via: r.via,
    })),
    matches: matches.rows[0] ?? { pending: 0, confirmed: 0, rejected: 0 },
  };
}
