import type pg from 'pg';

type Queryable = pg.Pool | pg.PoolClient;

export interface PageRow {
  id: number;
  reportId: number;
  url: string;
  depth: number;
  status: 'queued' | 'crawling' | 'done' | 'failed' | 'gone';
}

/** Adds a page to a report unless it is already there; returns its id when it is new. */
export async function insertPage(
  db: Queryable,
  p: { reportId: number; url: string; normalizedUrl: string; depth: number },
): Promise<number | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO pages (report_id, url, normalized_url, depth) VALUES ($1, $2, $3, $4)
     ON CONFLICT (report_id, normalized_url) DO NOTHING RETURNING id`,
    [p.reportId, p.url, p.normalizedUrl, p.depth],
  );
  return rows[0] ? Number(rows[0].id) : undefined;
}

export async function countPages(db: Queryable, reportId: number): Promise<number> {
  const { rows } = await db.query('SELECT count(*)::int AS n FROM pages WHERE report_id = $1', [reportId]);
  return rows[0]?.n ?? 0;
}

export async function getPage(db: Queryable, id: number): Promise<PageRow | undefined> {
  const { rows } = await db.query('SELECT id, report_id, url, depth, status FROM pages WHERE id = $1', [id]);
  const r = rows[0];
  return r
    ? { id: Number(r.id), reportId: Number(r.report_id), url: r.url, depth: r.depth, status: r.status }
    : undefined;
}

export async function markPageCrawling(db: Queryable, id: number): Promise<void> {
  await db.query(`UPDATE pages SET status = 'crawling' WHERE id = $1 AND status IN ('queued', 'crawling')`, [
    id,
  ]);
}

export async function finishPage(
  db: Queryable,
  id: number,
  r: {
    status: 'done' | 'failed' | 'gone';
    httpStatus: number | null;
    mediaFound: number;
    linksFound: number;
    failureCode?: string;
    failureReason?: string;
  },
): Promise<void> {
  await db.query(
    `UPDATE pages SET status = $2, http_status = $3, media_found = $4, links_found = $5, failure_code = $6,
            failure_reason = $7, crawled_at = now() WHERE id = $1`,
    [id, r.status, r.httpStatus, r.mediaFound, r.linksFound, r.failureCode ?? null, r.failureReason ?? null],
  );
}

/** Pages still queued after `olderThanMs` (their job may have been lost, e.g. Redis without persistence). */
export async function stalePages(
  db: Queryable,
  olderThanMs: number,
  limit: number,
): Promise<{ id: number; reportId: number }[]> {
  const { rows } = await db.query(
    `SELECT p.id, p.report_id FROM pages p JOIN reports r ON r.id = p.report_id
      WHERE p.status = 'queued' AND r.created_at < now() - make_interval(secs => $1::double precision / 1000)
      ORDER BY p.id LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows.map((r) => ({ id: Number(r.id), reportId: Number(r.report_id) }));
}
