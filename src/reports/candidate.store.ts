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
 *
 * A level-1 candidate is a re-upload (`reuploadOf`) when another match of the same case, for the
 * same content (SHA-256) or the same registered item, is in a notice whose item the recheck found
 * removed: the content was taken down once and has been found again. `reuploadsOnly` returns just
 * those (the `notice-reupload` job, which sends them without waiting for the weekly batch).
 */
export async function findNoticeCandidates(
  db: Queryable,
  options: { level: number; matchIds?: readonly number[] | undefined; reuploadsOnly?: boolean | undefined },
): Promise<NoticeCandidate[]> {
  const { rows } = await db.query(
    `SELECT m.id AS match_id, m.signal, m.distance, c.ref AS case_ref,
            me.id AS media_id, me.url, me.host, me.first_seen_at,
            coalesce(me.last_verified_at, me.last_seen_at) AS last_verified_at,
            co.kind, co.md5, co.sha256, co.pdq, prev.ref AS prev_ref, prev.sent_at AS prev_sent_at,
            prev.deadline_at AS prev_deadline_at, hist.entries AS history,
            ru.notice_id AS ru_notice_id, ru.ref AS ru_ref, ru.sent_at AS ru_sent_at,
            ru.removed_at AS ru_removed_at, ru.url AS ru_url
       FROM matches m
       JOIN cases c ON c.id = m.case_id AND c.status = 'active'
       JOIN media me ON me.id = m.media_id
       JOIN contents co ON co.id = me.content_id
       LEFT JOIN LATERAL (
         SELECT n.ref, n.sent_at, n.deadline_at FROM notice_items ni JOIN notices n ON n.id = ni.notice_id
          WHERE ni.match_id = m.id AND ni.level = $1 - 1 AND n.status = 'sent' AND ni.removed_at IS NULL
       ) prev ON true
       LEFT JOIN LATERAL (
         SELECT json_agg(json_build_object('ref', n.ref, 'level', ni.level, 'sentAt', n.sent_at,
                                           'deadlineAt', n.deadline_at) ORDER BY ni.level) AS entries
           FROM notice_items ni JOIN notices n ON n.id = ni.notice_id
          WHERE ni.match_id = m.id AND ni.level < $1 AND n.status = 'sent'
       ) hist ON true
       LEFT JOIN LATERAL (
         SELECT n0.id AS notice_id, n0.ref, n0.sent_at, ni0.removed_at, me0.url
           FROM notice_items ni0
           JOIN notices n0 ON n0.id = ni0.notice_id
           JOIN matches m0 ON m0.id = ni0.match_id
           JOIN media me0 ON me0.id = ni0.media_id
          WHERE $1 = 1 AND ni0.removed_at IS NOT NULL AND ni0.match_id <> m.id AND m0.case_id = m.case_id
            AND (me0.content_id = me.content_id OR m0.item_id = m.item_id)
          ORDER BY ni0.removed_at DESC, ni0.notice_id DESC
          LIMIT 1
       ) ru ON true
      WHERE m.state = 'confirmed'
        AND NOT EXISTS (SELECT 1 FROM notice_items ni WHERE ni.match_id = m.id AND ni.level = $1)
        AND ($2::bigint[] IS NULL OR m.id = ANY($2::bigint[]))
        AND ($1 = 1 OR prev.ref IS NOT NULL)
        AND (NOT $3::boolean OR ru.notice_id IS NOT NULL)
      ORDER BY me.host, m.id`,
    [options.level, options.matchIds ?? null, options.reuploadsOnly === true],
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
      // json_agg gives ISO strings already (timestamptz in JSON is ISO 8601 with offset).
      history: (
        (r.history ?? []) as {
          ref: string;
          level: number;
          sentAt: string | null;
          deadlineAt: string | null;
        }[]
      ).map((h) => ({ ...h, sentAt: iso(h.sentAt), deadlineAt: iso(h.deadlineAt) })),
      reuploadOf: r.ru_notice_id
        ? {
            noticeId: Number(r.ru_notice_id),
            ref: r.ru_ref,
            sentAt: r.ru_sent_at ? (r.ru_sent_at as Date).toISOString() : null,
            removedAt: (r.ru_removed_at as Date).toISOString(),
            url: r.ru_url,
          }
        : undefined,
    }),
  );
}

/** A timestamp from JSON (`2026-11-02T06:00:00+00:00`) as `toISOString()` writes it. */
function iso(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}
