/**
 * SQL for the rechecks the lead wires to notice deadlines: which noticed URLs are past their
 * deadline and not known to be removed, and recording a removal (time to removal is
 * `removed_at - sent_at` of the notice).
 */
import type pg from 'pg';

type Queryable = pg.Pool | pg.PoolClient;

/** A noticed URL whose removal deadline has passed without a recorded removal. */
export interface OverdueItem {
  noticeId: number;
  noticeRef: string;
  platformId: number;
  level: number;
  matchId: number;
  mediaId: number;
  url: string;
  host: string;
  sentAt: Date;
  deadlineAt: Date;
}

/**
 * Items of sent notices at `level` whose deadline is at or before `now`, not removed, still
 * confirmed, and not already in a notice of the next level: recheck these, then re-notice the ones
 * still online (`NoticeService.createFollowUps`) and record the others with {@link markMediaRemoved}.
 */
export async function findOverdueItems(
  db: Queryable,
  options: { level: number; now: Date; limit?: number },
): Promise<OverdueItem[]> {
  const { rows } = await db.query(
    `SELECT ni.notice_id, n.ref, n.platform_id, ni.level, ni.match_id, ni.media_id, me.url, me.host,
            n.sent_at, n.deadline_at
       FROM notice_items ni
       JOIN notices n ON n.id = ni.notice_id
       JOIN matches m ON m.id = ni.match_id
       JOIN media me ON me.id = ni.media_id
      WHERE ni.level = $1 AND n.status = 'sent' AND ni.removed_at IS NULL AND n.deadline_at <= $2
        AND m.state = 'confirmed'
        AND NOT EXISTS (SELECT 1 FROM notice_items nx WHERE nx.match_id = ni.match_id AND nx.level = ni.level + 1)
      ORDER BY n.deadline_at, ni.media_id, ni.match_id
      LIMIT $3`,
    [options.level, options.now, options.limit ?? 10_000],
  );
  return rows.map((r) => ({
    noticeId: Number(r.notice_id),
    noticeRef: r.ref,
    platformId: Number(r.platform_id),
    level: r.level,
    matchId: Number(r.match_id),
    mediaId: Number(r.media_id),
    url: r.url,
    host: r.host,
    sentAt: r.sent_at,
    deadlineAt: r.deadline_at,
  }));
}

/**
 * Records that media locations no longer serve the content, on every notice item that covers
 * them and has no removal yet. Returns how many items changed.
 */
export async function markMediaRemoved(
  db: Queryable,
  mediaIds: readonly number[],
  at: Date,
): Promise<number> {
  const { rowCount } = await db.query(
    'UPDATE notice_items SET removed_at = $2 WHERE media_id = ANY($1::bigint[]) AND removed_at IS NULL',
    [mediaIds, at],
  );
  return rowCount ?? 0;
}
