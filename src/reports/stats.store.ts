/**
 * SQL of the removal statistics: per platform and in total, and for one case. Definitions (also in
 * docs/architecture.md, "Removal statistics"):
 *
 * - a notice counts once it is sent (`status = 'sent'`, `sent_at` set), at any level;
 * - an *item* is one noticed URL (a `media` row) on one platform; for a case, one of its matches
 *   (a case has at most one match per URL, so the two agree);
 * - *removed*: the recheck recorded `removed_at` on one of the item's notice rows;
 * - *time to removal*: `removed_at` minus the `sent_at` of the first notice that named the item;
 *   median and p90 are `percentile_cont` (linear interpolation) over removed items, in seconds;
 * - *outstanding past deadline*: not removed, still asked for (a match still `confirmed`, so not
 *   withdrawn or reverted), and the deadline of its first notice is at or before `now`;
 * - *re-upload*: one item of a sent re-upload notice (`notice_items.reupload_of` set): a confirmed
 *   match of the same case, on another URL, of content (same SHA-256 or same registered item) whose
 *   earlier notice item was recorded removed. It counts for the notice's platform
 *   (`notices.platform_id`). This is the notices' own definition, read through
 *   {@link reuploadCounts} (escalation.store.ts), so the two can never disagree.
 */
import type pg from 'pg';
import { reuploadCounts } from './escalation.store.js';

type Queryable = pg.Pool | pg.PoolClient;

/** The removal figures of one platform, or of all together. */
export interface RemovalFigures {
  noticesSent: number;
  itemsNoticed: number;
  itemsRemoved: number;
  /** `itemsRemoved / itemsNoticed`, 0–1; null before anything was noticed. */
  removalRate: number | null;
  medianSecondsToRemoval: number | null;
  p90SecondsToRemoval: number | null;
  outstandingPastDeadline: number;
  reuploads: number;
}

/** The figures of one platform in the directory. */
export interface PlatformRemovalStats extends RemovalFigures {
  platformId: number;
  platform: string;
}

/** Every platform of the directory (by name) and the totals. */
export interface RemovalStats {
  generatedAt: Date;
  platforms: PlatformRemovalStats[];
  totals: RemovalFigures;
}

// One row per platform id (is_total false) plus one grand total (is_total true): GROUPING SETS.
const REMOVAL_STATS_SQL = `
WITH noticed AS (
  SELECT n.platform_id, ni.media_id, min(n.sent_at) AS first_sent_at, min(n.deadline_at) AS first_deadline_at,
         min(ni.removed_at) AS removed_at, bool_or(m.state = 'confirmed') AS still_asked
    FROM notice_items ni
    JOIN notices n ON n.id = ni.notice_id
    JOIN matches m ON m.id = ni.match_id
   WHERE n.status = 'sent' AND n.sent_at IS NOT NULL
   GROUP BY n.platform_id, ni.media_id
), item_figures AS (
  SELECT platform_id, GROUPING(platform_id) = 1 AS is_total,
         count(*)::int AS items_noticed,
         count(removed_at)::int AS items_removed,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM removed_at - first_sent_at)) AS p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM removed_at - first_sent_at)) AS p90,
         count(*) FILTER (WHERE removed_at IS NULL AND still_asked AND first_deadline_at <= $1)::int AS outstanding
    FROM noticed GROUP BY GROUPING SETS ((platform_id), ())
), notice_figures AS (
  SELECT platform_id, GROUPING(platform_id) = 1 AS is_total, count(*)::int AS notices_sent
    FROM notices WHERE status = 'sent' AND sent_at IS NOT NULL
   GROUP BY GROUPING SETS ((platform_id), ())
), targets AS (
  SELECT p.id AS platform_id, p.name AS platform, false AS is_total FROM platforms p
  UNION ALL SELECT NULL, NULL, true
)
SELECT r.platform_id, r.platform, r.is_total,
       coalesce(nf.notices_sent, 0) AS notices_sent, coalesce(i.items_noticed, 0) AS items_noticed,
       coalesce(i.items_removed, 0) AS items_removed, i.p50, i.p90,
       coalesce(i.outstanding, 0) AS outstanding
  FROM targets r
  LEFT JOIN item_figures i ON i.is_total = r.is_total AND i.platform_id IS NOT DISTINCT FROM r.platform_id
  LEFT JOIN notice_figures nf ON nf.is_total = r.is_total AND nf.platform_id IS NOT DISTINCT FROM r.platform_id
 ORDER BY r.is_total, r.platform`;

/** Removal statistics of every platform and in total, as of `now` (for "past deadline"). */
export async function removalStats(db: Queryable, now: Date): Promise<RemovalStats> {
  const [{ rows }, reuploads] = await Promise.all([db.query(REMOVAL_STATS_SQL, [now]), reuploadCounts(db)]);
  const reuploadsOf = new Map(reuploads.map((r) => [r.platformId, r.items]));
  const platforms: PlatformRemovalStats[] = [];
  let totals: RemovalFigures | undefined;
  for (const r of rows) {
    if (r.is_total) {
      const all = reuploads.reduce((n, p) => n + p.items, 0);
      totals = toFigures({ ...r, reuploads: all });
    } else {
      const platformId = Number(r.platform_id);
      const figures = toFigures({ ...r, reuploads: reuploadsOf.get(platformId) ?? 0 });
      platforms.push({ platformId, platform: r.platform as string, ...figures });
    }
  }
  return { generatedAt: now, platforms, totals: totals ?? toFigures({}) };
}

/** What a survivor may see about removals in their own case. */
export interface CaseRemovalFigures {
  itemsNoticed: number;
  itemsRemoved: number;
  medianSecondsToRemoval: number | null;
  outstandingPastDeadline: number;
}

/**
 * The removal figures of one case only, by its reference (its own matches; nothing about other
 * cases or contacts). Call it only for a survivor who has proved the PIN of that case.
 */
export async function caseRemovalStats(
  db: Queryable,
  caseRef: string,
  now: Date,
): Promise<CaseRemovalFigures> {
  const { rows } = await db.query(
    `WITH noticed AS (
       SELECT ni.match_id, min(n.sent_at) AS first_sent_at, min(n.deadline_at) AS first_deadline_at,
              min(ni.removed_at) AS removed_at, bool_or(m.state = 'confirmed') AS still_asked
         FROM notice_items ni
         JOIN notices n ON n.id = ni.notice_id
         JOIN matches m ON m.id = ni.match_id
         JOIN cases c ON c.id = m.case_id
        WHERE c.ref = $1 AND n.status = 'sent' AND n.sent_at IS NOT NULL
        GROUP BY ni.match_id)
     SELECT count(*)::int AS items_noticed, count(removed_at)::int AS items_removed,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM removed_at - first_sent_at)) AS p50,
            count(*) FILTER (WHERE removed_at IS NULL AND still_asked AND first_deadline_at <= $2)::int AS outstanding
       FROM noticed`,
    [caseRef, now],
  );
  const f = toFigures(rows[0] ?? {});
  return {
    itemsNoticed: f.itemsNoticed,
    itemsRemoved: f.itemsRemoved,
    medianSecondsToRemoval: f.medianSecondsToRemoval,
    outstandingPastDeadline: f.outstandingPastDeadline,
  };
}

function seconds(v: unknown): number | null {
  return v === null || v === undefined ? null : Math.round(Number(v));
}

function toFigures(r: Record<string, unknown>): RemovalFigures {
  const itemsNoticed = Number(r.items_noticed ?? 0);
  const itemsRemoved = Number(r.items_removed ?? 0);
  return {
    noticesSent: Number(r.notices_sent ?? 0),
    itemsNoticed,
    itemsRemoved,
    removalRate: itemsNoticed > 0 ? itemsRemoved / itemsNoticed : null,
    medianSecondsToRemoval: seconds(r.p50),
    p90SecondsToRemoval: seconds(r.p90),
    outstandingPastDeadline: Number(r.outstanding ?? 0),
    reuploads: Number(r.reuploads ?? 0),
  };
}
