/**
 * SQL that gathers what is ready to be noticed: confirmed matches of active cases joined to the
 * media location (URL, host, first seen, last verified) and the fingerprints of the file found
 * there. The case is read only for its reference; its contact details are never selected.
 */
import type pg from 'pg';
import type { NoticeCandidate } from './types.js';

type Queryable = pg.Pool | pg.PoolClient;

/** Every batch takes this transaction lock, so two batches never build notices for the same match. */
const BATCH_LOCK_KEY = 7_424_151_342;

/** Serialises notice building for the rest of the transaction. */
export async function lockNoticeBatch(client: pg.PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [BATCH_LOCK_KEY]);
}

/**
 * Confirmed matches of active cases ready for a notice at `level`. Level 1: never noticed. Level
 * 2+: noticed at `level - 1` in a sent notice, not removed, not yet at `level`. `matchIds` narrows
 * the search (the recheck passes the matches still online).
 */
export async function findNoticeCandidates(
  db: Queryable,
  options: { level: number; matchIds?: readonly number[] | undefined },
): Promise<NoticeCandidate[]> {
  const { rows } = await db.query(
    `SELECT m.id AS match_id, m.signal, m.distance, c.ref AS case_ref,
            me.id AS media_id, me.url, me.host, me.first_seen_at,
            coalesce(me.last_verified_at, me.last_seen_at) AS last_verified_at,
            co.kind, co.md5, co.sha256, co.pdq, prev.ref AS prev_ref, prev.sent_at AS prev_sent_at,
            prev.deadline_at AS prev_deadline_at
       FROM matches m
       JOIN cases c ON c.id = m.case_id AND c.status = 'active'
       JOIN media me ON me.id = m.media_id
       JOIN contents co ON co.id = me.content_id
       LEFT JOIN LATERAL (
         SELECT n.ref, n.sent_at, n.deadline_at FROM notice_items ni JOIN notices n ON n.id = ni.notice_id
          WHERE ni.match_id = m.id AND ni.level = $1 - 1 AND n.status = 'sent' AND ni.removed_at IS NULL
       ) prev ON true
      WHERE m.state = 'confirmed'
        AND NOT EXISTS (SELECT 1 FROM notice_items ni WHERE ni.match_id = m.id AND ni.level = $1)
        AND ($2::bigint[] IS NULL OR m.id = ANY($2::bigint[]))
        AND ($1 = 1 OR prev.ref IS NOT NULL)
      ORDER BY me.host, m.id`,
    [options.level, options.matchIds ?? null],
  );
  return rows.map(
    (r): NoticeCandidate => ({
      matchId: Number(r.match_id),
      caseRef: r.case_ref,
      mediaId: Number(r.media_id),
      url: r.url,
      host: r.host,
      kind: r.kind,
      firstSeenAt: r.first_seen_at,
      lastVerifiedAt: r.last_verified_at,
      signal: r.signal,
      distance: r.distance,
      md5: r.md5,
      sha256: r.sha256,
      pdq: r.pdq,
      previous: r.prev_ref
        ? { ref: r.prev_ref, sentAt: r.prev_sent_at, deadlineAt: r.prev_deadline_at }
        : undefined,
    }),
  );
}
