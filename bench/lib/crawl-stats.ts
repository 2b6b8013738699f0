/**
 * What a crawl benchmark run did, counted from its own (fresh) database: so whole-table counts are
 * the run's counts, and the time span comes from the database's clock alone.
 */
import type pg from 'pg';

/** Counts of one finished run. */
export interface CrawlCounts {
  reports: number;
  reportsFailed: number;
  /** Pages rendered to the end (done, or gone with a 404/410). */
  pages: number;
  pagesFailed: number;
  /** Media references extracted from pages, repeats across pages included. */
  mediaSeen: number;
  /** Distinct media URLs recorded; each is downloaded at most once (dedup by URL). */
  mediaDiscovered: number;
  /** Media URLs downloaded and hashed, or recognised by SHA-256 as a file already fingerprinted. */
  media: number;
  mediaFailed: number;
  /** Distinct images fingerprinted (PDQ with its 8 dihedral variants, blockhash). */
  imagesFingerprinted: number;
  /** Videos decoded by ffmpeg and fingerprinted frame by frame: streams are never skipped by SHA-256. */
  videoDecodes: number;
  /** First report created → last report finished, in seconds. */
  seconds: number;
}

/** Reports finished, pages settled and media settled so far. */
export async function crawlProgress(
  pool: pg.Pool,
): Promise<{ finished: number; pages: number; media: number }> {
  const { rows } = await pool.query<{ finished: number; pages: number; media: number }>(
    `SELECT (SELECT count(*) FROM reports WHERE status IN ('done', 'failed'))::int AS finished,
            (SELECT count(*) FROM pages WHERE status IN ('done', 'gone', 'failed'))::int AS pages,
            (SELECT count(*) FROM media WHERE status <> 'queued')::int AS media`,
  );
  return rows[0] ?? { finished: 0, pages: 0, media: 0 };
}

/** Every count of {@link CrawlCounts}, in one round trip. */
export async function crawlCounts(pool: pg.Pool): Promise<CrawlCounts> {
  const { rows } = await pool.query<CrawlCounts>(
    `SELECT (SELECT count(*) FROM reports)::int AS "reports",
            (SELECT count(*) FROM reports WHERE status = 'failed')::int AS "reportsFailed",
            (SELECT count(*) FROM pages WHERE status IN ('done', 'gone'))::int AS "pages",
            (SELECT count(*) FROM pages WHERE status = 'failed')::int AS "pagesFailed",
            (SELECT coalesce(sum(media_found), 0) FROM pages)::int AS "mediaSeen",
            (SELECT count(*) FROM media)::int AS "mediaDiscovered",
            (SELECT count(*) FROM media WHERE status = 'hashed')::int AS "media",
            (SELECT count(*) FROM media WHERE status IN ('failed', 'gone'))::int AS "mediaFailed",
            (SELECT count(*) FROM contents WHERE kind = 'image')::int AS "imagesFingerprinted",
            (SELECT count(*) FROM media m JOIN contents c ON c.id = m.content_id
              WHERE m.status = 'hashed' AND c.kind = 'video')::int AS "videoDecodes",
            (SELECT extract(epoch FROM max(finished_at) - min(created_at)) FROM reports)::float8 AS "seconds"`,
  );
  const row = rows[0];
  if (!row) throw new Error('no counts');
  return row;
}

/** One line per failure code of pages and media, so a broken run is not mistaken for a slow one. */
export async function failureLines(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ what: string; code: string | null; reason: string | null; n: number }>(
    `SELECT 'page' AS what, failure_code AS code, min(failure_reason) AS reason, count(*)::int AS n
       FROM pages WHERE status = 'failed' GROUP BY failure_code
     UNION ALL
     SELECT 'media', failure_code, min(failure_reason), count(*)::int
       FROM media WHERE status IN ('failed', 'gone') GROUP BY failure_code`,
  );
  return rows.map((r) => `${r.n} ${r.what}(s) failed with ${r.code}: ${r.reason}`);
}
