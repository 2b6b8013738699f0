/**
 * SQL of notices: notice rows and their items, the send claim that makes delivery at-most-once,
 * and the lookups of the review page and the acknowledgement link.
 * Nothing here reads a case's contact details: a case appears only by its reference.
 */
import type pg from 'pg';
import type { NoticeRecord } from './types.js';

type Queryable = pg.Pool | pg.PoolClient;

/** Notice statuses (see migrations/0006_notices.sql). */
export type NoticeStatus = 'draft' | 'sending' | 'sent' | 'failed' | 'export' | 'cancelled';

/** A notice row. */
export interface NoticeRow {
  id: number;
  ref: string;
  platformId: number;
  platformName: string;
  level: number;
  status: NoticeStatus;
  body: NoticeRecord;
  deadlineHours: number;
  deadlineAt: Date | null;
  createdAt: Date;
  /** Last status change: for a `sending` notice, when it was claimed. */
  updatedAt: Date;
  sentAt: Date | null;
  attempts: number;
  messageId: string | null;
  recipients: string[] | null;
  failureReason: string | null;
  exportText: string | null;
  acknowledgedAt: Date | null;
  decision: 'removed' | 'not_removed' | null;
  decisionReason: string | null;
  decidedAt: Date | null;
}

const NOTICE_COLUMNS = `n.id, n.ref, n.platform_id, p.name AS platform_name, n.level, n.status, n.body, n.deadline_hours,
  n.deadline_at, n.created_at, n.updated_at, n.sent_at, n.attempts, n.message_id, n.recipients, n.failure_reason, n.export_text,
  n.acknowledged_at, n.decision, n.decision_reason, n.decided_at`;

/** Reserves a notice id (the reference is derived from it before the row exists). */
export async function nextNoticeId(client: pg.PoolClient): Promise<number> {
  const { rows } = await client.query<{ id: string }>("SELECT nextval('notices_id_seq') AS id");
  return Number(rows[0]?.id);
}

/** Inserts a draft notice and its items (one per match). */
export async function insertNotice(
  client: pg.PoolClient,
  n: { id: number; platformId: number; record: NoticeRecord; createdAt: Date },
): Promise<void> {
  await client.query(
    `INSERT INTO notices (id, ref, platform_id, level, status, body, deadline_hours, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $7)`,
    [n.id, n.record.reference, n.platformId, n.record.level, n.record, n.record.deadline.hours, n.createdAt],
  );
  const items = n.record.items.flatMap((i) => i.matchIds.map((matchId) => ({ matchId, mediaId: i.mediaId })));
  await client.query(
    `INSERT INTO notice_items (notice_id, match_id, media_id, level)
     SELECT $1, * , $4 FROM unnest($2::bigint[], $3::bigint[])`,
    [n.id, items.map((i) => i.matchId), items.map((i) => i.mediaId), n.record.level],
  );
}

/**
 * Claims a draft or failed notice for sending: only one caller can win, so a notice is never sent
 * twice, whatever retries or concurrent runs do. Returns undefined when it is not claimable.
 */
export async function claimNotice(
  client: pg.PoolClient,
  id: number,
  now: Date,
): Promise<NoticeRow | undefined> {
  const { rows } = await client.query(
    `UPDATE notices SET status = 'sending', attempts = attempts + 1, updated_at = $2
      WHERE id = $1 AND status IN ('draft', 'failed') RETURNING id`,
    [id, now],
  );
  return rows[0] ? getNotice(client, id) : undefined;
}

/**
 * Removes the items whose match is no longer confirmed (its case was withdrawn, or an analyst
 * reverted the decision). Returns their match ids, and those of the record's items whose match no
 * longer exists (a withdrawal deletes the case's matches).
 */
export async function pruneUnconfirmedItems(client: pg.PoolClient, noticeId: number): Promise<number[]> {
  const { rows } = await client.query<{ match_id: string }>(
    `WITH gone AS (
       DELETE FROM notice_items ni USING matches m, cases c
        WHERE ni.notice_id = $1 AND m.id = ni.match_id AND c.id = m.case_id
          AND (m.state <> 'confirmed' OR c.status <> 'active')
        RETURNING ni.match_id)
     SELECT match_id FROM gone
     UNION
     SELECT x.id::bigint FROM notices n
       CROSS JOIN LATERAL jsonb_array_elements(CASE jsonb_typeof(n.body->'items') WHEN 'array' THEN n.body->'items' ELSE '[]' END) i
       CROSS JOIN LATERAL jsonb_array_elements_text(CASE jsonb_typeof(i->'matchIds') WHEN 'array' THEN i->'matchIds' ELSE '[]' END) x(id)
      WHERE n.id = $1 AND x.id ~ '^[0-9]+$' AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.id = x.id::bigint)`,
    [noticeId],
  );
  return rows.map((r) => Number(r.match_id));
}

/**
 * Moves a notice to its next status, storing the record as it now stands. With `from`, only a
 * notice in one of those statuses changes; returns whether it did.
 */
export async function updateNotice(
  db: Queryable,
  id: number,
  change: {
    status: NoticeStatus;
    from?: readonly NoticeStatus[];
    now: Date;
    body?: NoticeRecord;
    ackTokenHash?: string;
    recipients?: string[];
    exportText?: string;
    messageId?: string;
    failureReason?: string | null;
    sentAt?: Date;
  },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE notices SET status = $2, updated_at = $3, body = coalesce($4, body),
       ack_token_hash = coalesce($5, ack_token_hash), recipients = coalesce($6, recipients),
       export_text = coalesce($7, export_text), message_id = coalesce($8, message_id),
       failure_reason = CASE WHEN $9::boolean THEN $10 ELSE failure_reason END,
       sent_at = coalesce($11, sent_at),
       deadline_at = CASE WHEN $11::timestamptz IS NULL THEN deadline_at
                          ELSE $11::timestamptz + make_interval(hours => deadline_hours) END
     WHERE id = $1 AND ($12::text[] IS NULL OR status = ANY($12::text[]))`,
    [
      id,
      change.status,
      change.now,
      change.body ?? null,
      change.ackTokenHash ?? null,
      change.recipients ?? null,
      change.exportText ?? null,
      change.messageId ?? null,
      change.failureReason !== undefined,
      change.failureReason ?? null,
      change.sentAt ?? null,
      change.from ?? null,
    ],
  );
  return (rowCount ?? 0) > 0;
}

/** Deletes a notice's items so their matches return to the next batch (an analyst discarded it). */
export async function releaseNoticeItems(client: pg.PoolClient, noticeId: number): Promise<number> {
  const { rowCount } = await client.query('DELETE FROM notice_items WHERE notice_id = $1', [noticeId]);
  return rowCount ?? 0;
}

/** One notice with its platform name. */
export async function getNotice(db: Queryable, id: number): Promise<NoticeRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${NOTICE_COLUMNS} FROM notices n JOIN platforms p ON p.id = n.platform_id WHERE n.id = $1`,
    [id],
  );
  return rows[0] ? toNoticeRow(rows[0]) : undefined;
}

/** Notices, newest first, optionally of some statuses (for the /notices review page). */
export async function listNotices(
  db: Queryable,
  options: { statuses?: readonly NoticeStatus[]; limit?: number } = {},
): Promise<NoticeRow[]> {
  const { rows } = await db.query(
    `SELECT ${NOTICE_COLUMNS} FROM notices n JOIN platforms p ON p.id = n.platform_id
      WHERE ($1::text[] IS NULL OR n.status = ANY($1::text[]))
      ORDER BY n.created_at DESC, n.id DESC LIMIT $2`,
    [options.statuses ?? null, options.limit ?? 100],
  );
  return rows.map(toNoticeRow);
}

/** The notice whose acknowledgement token has this hash. */
export async function findNoticeByAckHash(db: Queryable, hash: string): Promise<NoticeRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${NOTICE_COLUMNS} FROM notices n JOIN platforms p ON p.id = n.platform_id WHERE n.ack_token_hash = $1`,
    [hash],
  );
  return rows[0] ? toNoticeRow(rows[0]) : undefined;
}

/** Records the platform's acknowledgement and decision (the first receipt time is kept). */
export async function recordAckDecision(
  db: Queryable,
  id: number,
  d: { decision: 'removed' | 'not_removed'; reason: string | null; at: Date },
): Promise<void> {
  await db.query(
    `UPDATE notices SET acknowledged_at = coalesce(acknowledged_at, $4), decision = $2, decision_reason = $3,
       decided_at = $4, updated_at = $4 WHERE id = $1`,
    [id, d.decision, d.reason, d.at],
  );
}

function toNoticeRow(r: Record<string, unknown>): NoticeRow {
  return {
    id: Number(r.id),
    ref: r.ref as string,
    platformId: Number(r.platform_id),
    platformName: r.platform_name as string,
    level: r.level as number,
    status: r.status as NoticeStatus,
    body: r.body as NoticeRecord,
    deadlineHours: r.deadline_hours as number,
    deadlineAt: r.deadline_at as Date | null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    sentAt: r.sent_at as Date | null,
    attempts: r.attempts as number,
    messageId: r.message_id as string | null,
    recipients: r.recipients as string[] | null,
    failureReason: r.failure_reason as string | null,
    exportText: r.export_text as string | null,
    acknowledgedAt: r.acknowledged_at as Date | null,
    decision: r.decision as NoticeRow['decision'],
    decisionReason: r.decision_reason as string | null,
    decidedAt: r.decided_at as Date | null,
  };
}
