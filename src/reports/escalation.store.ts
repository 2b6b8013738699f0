/**
 * SQL of escalations and re-uploads: the columns of migrations/0008 (`notices.kind`,
 * `notices.escalation`, `notice_items.reupload_of`) and the queries admins and statistics read.
 */
import type pg from 'pg';

type Queryable = pg.Pool | pg.PoolClient;

/** Records a notice's kind and escalation state (the insert of notice.store.ts leaves the defaults). */
export async function setNoticeKindAndEscalation(
  db: Queryable,
  noticeId: number,
  change: { kind: 'standard' | 'reupload'; escalation: 'included' | 'no_contact' | null },
): Promise<void> {
  await db.query('UPDATE notices SET kind = $2, escalation = $3 WHERE id = $1', [
    noticeId,
    change.kind,
    change.escalation,
  ]);
}

/** Links the items of a re-upload notice to the earlier notices whose items were removed. */
export async function linkReuploadItems(
  db: Queryable,
  noticeId: number,
  links: readonly { matchId: number; reuploadOf: number }[],
): Promise<void> {
  if (links.length === 0) return;
  await db.query(
    `UPDATE notice_items ni SET reupload_of = l.reupload_of
       FROM unnest($2::bigint[], $3::bigint[]) AS l(match_id, reupload_of)
      WHERE ni.notice_id = $1 AND ni.match_id = l.match_id`,
    [noticeId, links.map((l) => l.matchId), links.map((l) => l.reuploadOf)],
  );
}

/** Re-upload notices whose send failed (SMTP refused): retried by the next re-upload run, not a week later. */
export async function failedReuploadNoticeIds(db: Queryable): Promise<number[]> {
  const { rows } = await db.query(
    "SELECT id FROM notices WHERE kind = 'reupload' AND status = 'failed' ORDER BY id LIMIT 1000",
  );
  return rows.map((r) => Number(r.id));
}

/** A platform whose follow-ups reached the escalation level but which has no hosting-provider contact. */
export interface PlatformNeedingEscalationContact {
  platformId: number;
  name: string;
  /** Notices that could not be escalated. */
  notices: number;
  /** Their items not (yet) recorded as removed. */
  outstandingItems: number;
  lastNoticeAt: Date;
}

/**
 * Platforms where an escalation was not possible for want of a hosting-provider contact, and which
 * still have none: the admin list of contacts to find (most outstanding items first). A platform
 * leaves the list as soon as an escalation contact is entered.
 */
export async function platformsNeedingEscalationContact(
  db: Queryable,
): Promise<PlatformNeedingEscalationContact[]> {
  const { rows } = await db.query(
    `SELECT p.id, p.name, count(DISTINCT n.id)::int AS notices,
            count(ni.match_id) FILTER (WHERE ni.removed_at IS NULL)::int AS outstanding,
            max(coalesce(n.sent_at, n.created_at)) AS last_at
       FROM platforms p
       JOIN notices n ON n.platform_id = p.id AND n.escalation = 'no_contact' AND n.status <> 'cancelled'
       JOIN notice_items ni ON ni.notice_id = n.id
      WHERE p.escalation_email IS NULL
      GROUP BY p.id, p.name
      ORDER BY outstanding DESC, p.name`,
  );
  return rows.map((r) => ({
    platformId: Number(r.id),
    name: r.name,
    notices: r.notices,
    outstandingItems: r.outstanding,
    lastNoticeAt: r.last_at,
  }));
}

/** Re-uploads per platform: re-upload notices sent and the URLs in them. */
export interface ReuploadCount {
  platformId: number;
  name: string;
  notices: number;
  items: number;
}

/**
 * Re-uploads per platform, counted from sent re-upload notices: `items` is the number of URLs where
 * content removed after an earlier notice was found again (one per match).
 */
export async function reuploadCounts(
  db: Queryable,
  options: { since?: Date } = {},
): Promise<ReuploadCount[]> {
  const { rows } = await db.query(
    `SELECT p.id, p.name, count(DISTINCT n.id)::int AS notices, count(ni.match_id)::int AS items
       FROM notices n
       JOIN platforms p ON p.id = n.platform_id
       JOIN notice_items ni ON ni.notice_id = n.id AND ni.reupload_of IS NOT NULL
      WHERE n.kind = 'reupload' AND n.status = 'sent' AND ($1::timestamptz IS NULL OR n.sent_at >= $1)
      GROUP BY p.id, p.name
      ORDER BY p.name`,
    [options.since ?? null],
  );
  return rows.map((r) => ({ platformId: Number(r.id), name: r.name, notices: r.notices, items: r.items }));
}
