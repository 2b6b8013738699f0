import type pg from 'pg';
import type { CaseSource, Consent, ItemHashes, RegistryHashRow } from './types.js';

type Queryable = pg.Pool | pg.PoolClient;

/** Channel on which registry changes are announced to every worker. */
export const REGISTRY_CHANNEL = 'hashwatch_registry';

export interface CaseRow {
  id: number;
  ref: string;
  pinHash: string;
  status: 'active' | 'withdrawn';
  failedPinAttempts: number;
  lockedUntil: Date | null;
  createdAt: Date;
  withdrawnAt: Date | null;
}

export async function insertCase(
  db: Queryable,
  c: { ref: string; pinHash: string; consent: Consent; contactEmail: string | null; source: CaseSource },
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO cases (ref, pin_hash, consent, contact_email, source) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (ref) DO NOTHING RETURNING id`,
    [c.ref, c.pinHash, c.consent, c.contactEmail, c.source],
  );
  return rows[0] ? Number(rows[0].id) : 0;
}

export async function findCaseByRef(db: Queryable, ref: string): Promise<CaseRow | undefined> {
  const { rows } = await db.query(
    `SELECT id, ref, pin_hash, status, failed_pin_attempts, locked_until, created_at, withdrawn_at
       FROM cases WHERE ref = $1`,
    [ref],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: Number(r.id),
    ref: r.ref,
    pinHash: r.pin_hash,
    status: r.status,
    failedPinAttempts: r.failed_pin_attempts,
    lockedUntil: r.locked_until,
    createdAt: r.created_at,
    withdrawnAt: r.withdrawn_at,
  };
}

/** Inserts the items of a registration and all their fingerprints; returns the new hash row ids. */
export async function insertItems(db: Queryable, caseId: number, items: ItemHashes[]): Promise<number[]> {
  const { rows: itemRows } = await db.query<{ id: string }>(
    `INSERT INTO registered_items (case_id, kind, width, height, duration_ms)
     SELECT $1, * FROM unnest($2::text[], $3::int[], $4::int[], $5::int[]) RETURNING id`,
    [
      caseId,
      items.map((i) => i.kind),
      items.map((i) => i.width ?? null),
      items.map((i) => i.height ?? null),
      items.map((i) => i.durationMs ?? null),
    ],
  );
  const cols = {
    item: [] as number[],
    signal: [] as string[],
    value: [] as string[],
    quality: [] as (number | null)[],
    variant: [] as string[],
    frame: [] as (number | null)[],
  };
  const push = (
    item: number,
    signal: string,
    value: string,
    quality: number | null,
    variant: string,
    frame: number | null,
  ) => {
    cols.item.push(item);
    cols.signal.push(signal);
    cols.value.push(value);
    cols.quality.push(quality);
    cols.variant.push(variant);
    cols.frame.push(frame);
  };
  items.forEach((it, i) => {
    const id = Number(itemRows[i]?.id);
    push(id, 'sha256', it.sha256, null, 'original', null);
    push(id, 'md5', it.md5, null, 'original', null);
    if (it.pdq) push(id, 'pdq', it.pdq, it.pdqQuality, 'original', null);
    if (it.blockhash) push(id, 'blockhash', it.blockhash, null, 'original', null);
    for (const v of it.variants ?? []) push(id, 'pdq', v.pdq, v.pdqQuality, v.name, null);
    for (const f of it.frames ?? []) push(id, 'pdq', f.pdq, f.pdqQuality, 'frame', f.ms);
  });
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO registered_hashes (item_id, case_id, signal, value, quality, variant, frame_ms)
     SELECT u.item, $1, u.signal, u.value, u.quality, u.variant, u.frame
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::smallint[], $6::text[], $7::int[])
         AS u(item, signal, value, quality, variant, frame)
     RETURNING id`,
    [caseId, cols.item, cols.signal, cols.value, cols.quality, cols.variant, cols.frame],
  );
  return rows.map((r) => Number(r.id));
}

/** Records a change and wakes every worker (NOTIFY is delivered when the transaction commits). */
export async function recordChange(
  db: Queryable,
  change: { op: string; caseId: number | null; hashIds: number[] | null },
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO registry_changes (op, case_id, hash_ids) VALUES ($1, $2, $3) RETURNING id',
    [change.op, change.caseId, change.hashIds],
  );
  const id = Number(rows[0]?.id);
  await db.query('SELECT pg_notify($1, $2)', [REGISTRY_CHANNEL, String(id)]);
  return id;
}

/**
 * Counts a PIN attempt before the PIN is checked, in one statement, and pauses the case when the
 * count reaches `maxAttempts`. Undefined while the case is paused: then no PIN may be checked.
 * Counting first (and resetting on success) means parallel guesses cannot all slip in before the
 * first failure is recorded, as they could when failures were only counted after the check.
 */
export async function reservePinAttempt(
  db: Queryable,
  caseId: number,
  maxAttempts: number,
  lockMs: number,
): Promise<{ attempts: number; lockedUntil: Date | null } | undefined> {
  const { rows } = await db.query(
    `UPDATE cases SET
       failed_pin_attempts = failed_pin_attempts + 1,
       locked_until = CASE WHEN failed_pin_attempts + 1 >= $2
                           THEN now() + make_interval(secs => $3::double precision / 1000) ELSE NULL END
     WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now())
     RETURNING failed_pin_attempts, locked_until`,
    [caseId, maxAttempts, lockMs],
  );
  const r = rows[0];
  return r ? { attempts: Number(r.failed_pin_attempts), lockedUntil: r.locked_until ?? null } : undefined;
}

/** Until when a case is paused (null when it is not). */
export async function pinLockedUntil(db: Queryable, caseId: number): Promise<Date | null> {
  const { rows } = await db.query('SELECT locked_until FROM cases WHERE id = $1', [caseId]);
  return rows[0]?.locked_until ?? null;
}

export async function resetPinFailures(db: Queryable, caseId: number): Promise<void> {
  await db.query('UPDATE cases SET failed_pin_attempts = 0, locked_until = NULL WHERE id = $1', [caseId]);
}

/** Deletes every fingerprint of a case (its registered items and hashes). Returns the deleted hash ids. */
export async function deleteCaseHashes(db: Queryable, caseId: number): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>(
    'DELETE FROM registered_hashes WHERE case_id = $1 RETURNING id',
    [caseId],
  );
  await db.query('DELETE FROM registered_items WHERE case_id = $1', [caseId]);
  return rows.map((r) => Number(r.id));
}

/**
 * Marks a case withdrawn and forgets its contact. Run first in the withdrawal's transaction: the row
 * lock it takes makes a worker recording a match for the case (media.store.ts `insertMatches`) wait
 * for the commit and then find the case withdrawn. The case's matches are deleted afterwards
 * (withdrawal.store.ts), so nothing more is sent on its behalf.
 */
export async function markWithdrawn(db: Queryable, caseId: number): Promise<void> {
  await db.query(
    "UPDATE cases SET status = 'withdrawn', withdrawn_at = now(), contact_email = NULL WHERE id = $1",
    [caseId],
  );
}

/** Counts of what a case holds, for the status page. */
export async function countCaseItems(
  db: Queryable,
  caseId: number,
): Promise<{ images: number; videos: number }> {
  const { rows } = await db.query(
    `SELECT count(*) FILTER (WHERE kind = 'image')::int AS images, count(*) FILTER (WHERE kind = 'video')::int AS videos
       FROM registered_items WHERE case_id = $1`,
    [caseId],
  );
  return { images: rows[0]?.images ?? 0, videos: rows[0]?.videos ?? 0 };
}

const HASH_COLUMNS = `id, item_id, case_id, signal, value, quality, variant, frame_ms`;

function toHashRow(r: Record<string, unknown>): RegistryHashRow {
  return {
    id: Number(r.id),
    itemId: Number(r.item_id),
    caseId: Number(r.case_id),
    signal: r.signal as RegistryHashRow['signal'],
    value: r.value as string,
    quality: (r.quality as number | null) ?? null,
    variant: r.variant as string,
    frameMs: (r.frame_ms as number | null) ?? null,
  };
}

/** Active hashes with id > `afterId`, in id order, a page at a time (for streaming index loads). */
export async function activeHashesAfter(
  db: Queryable,
  afterId: number,
  limit: number,
): Promise<RegistryHashRow[]> {
  const { rows } = await db.query(
    `SELECT ${HASH_COLUMNS} FROM registered_hashes
      WHERE id > $1 AND disabled_at IS NULL AND flagged_at IS NULL ORDER BY id LIMIT $2`,
    [afterId, limit],
  );
  return rows.map(toHashRow);
}

/** Active hashes among the given ids (used to apply an `add` change). */
export async function activeHashesByIds(db: Queryable, ids: number[]): Promise<RegistryHashRow[]> {
  const { rows } = await db.query(
    `SELECT ${HASH_COLUMNS} FROM registered_hashes
      WHERE id = ANY($1::bigint[]) AND disabled_at IS NULL AND flagged_at IS NULL`,
    [ids],
  );
  return rows.map(toHashRow);
}

export interface ChangeRow {
  id: number;
  op: string;
  caseId: number | null;
  hashIds: number[];
}

export async function changesAfter(db: Queryable, afterId: number, limit = 1000): Promise<ChangeRow[]> {
  const { rows } = await db.query(
    'SELECT id, op, case_id, hash_ids FROM registry_changes WHERE id > $1 ORDER BY id LIMIT $2',
    [afterId, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    op: r.op,
    caseId: r.case_id === null ? null : Number(r.case_id),
    hashIds: ((r.hash_ids as string[] | null) ?? []).map(Number),
  }));
}

export async function lastChangeId(db: Queryable): Promise<number> {
  const { rows } = await db.query('SELECT coalesce(max(id), 0)::bigint AS id FROM registry_changes');
  return Number(rows[0]?.id ?? 0);
}

/**
 * Active hashes the matcher would hold: exact digests, blockhashes, and PDQ at or above the quality
 * gate. Without a gate, every active row.
 */
export async function countActiveHashes(db: Queryable, pdqQualityGate?: number): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::bigint AS n FROM registered_hashes
      WHERE disabled_at IS NULL AND flagged_at IS NULL
        AND ($1::int IS NULL OR signal <> 'pdq' OR coalesce(quality, 0) >= $1)`,
    [pdqQualityGate ?? null],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Active hashes of one case (for matching it against what was crawled before it was registered). */
export async function activeHashesOfCase(db: Queryable, caseId: number): Promise<RegistryHashRow[]> {
  const { rows } = await db.query(
    `SELECT ${HASH_COLUMNS} FROM registered_hashes
      WHERE case_id = $1 AND disabled_at IS NULL AND flagged_at IS NULL ORDER BY id`,
    [caseId],
  );
  return rows.map(toHashRow);
}

export interface PlatformProgress {
  platform: string;
  confirmed: number;
  noticed: number;
  removed: number;
  urls?: string[];
}

/**
 * What happened with a case's confirmed matches, per platform: found and confirmed, included in a
 * sent notice, confirmed removed. Unconfirmed matches are not shown: they may be wrong.
 */
export async function caseProgress(
  db: Queryable,
  caseId: number,
  withUrls: boolean,
): Promise<PlatformProgress[]> {
  const { rows } = await db.query(
    `SELECT coalesce(p.name, m.host) AS platform,
            count(DISTINCT x.id)::int AS confirmed,
            count(DISTINCT x.id) FILTER (WHERE n.status IN ('sent', 'export'))::int AS noticed,
            count(DISTINCT x.id) FILTER (WHERE ni.removed_at IS NOT NULL)::int AS removed,
            array_agg(DISTINCT m.url) AS urls
       FROM matches x
       JOIN media m ON m.id = x.media_id
       LEFT JOIN notice_items ni ON ni.match_id = x.id
       LEFT JOIN notices n ON n.id = ni.notice_id
       LEFT JOIN platforms p ON p.id = n.platform_id
      WHERE x.case_id = $1 AND x.state IN ('confirmed', 'escalated')
      GROUP BY 1 ORDER BY 1`,
    [caseId],
  );
  return rows.map((r) => ({
    platform: r.platform,
    confirmed: r.confirmed,
    noticed: r.noticed,
    removed: r.removed,
    ...(withUrls ? { urls: r.urls } : {}),
  }));
}

/** Dated events of a case for its timeline (registration, first confirmation, notices, removals). */
export async function caseTimeline(
  db: Queryable,
  caseId: number,
): Promise<{ at: Date; event: string; count: number }[]> {
  const { rows } = await db.query(
    `SELECT at, event, count FROM (
       SELECT created_at AS at, 'registered' AS event, 1 AS count FROM cases WHERE id = $1
       UNION ALL
       SELECT date_trunc('day', decided_at), 'confirmed', count(*)::int FROM matches
        WHERE case_id = $1 AND state IN ('confirmed', 'escalated') AND decided_at IS NOT NULL GROUP BY 1
       UNION ALL
       SELECT date_trunc('day', n.sent_at), 'notice-sent', count(DISTINCT ni.match_id)::int
         FROM notice_items ni JOIN notices n ON n.id = ni.notice_id JOIN matches x ON x.id = ni.match_id
        WHERE x.case_id = $1 AND n.sent_at IS NOT NULL GROUP BY 1
       UNION ALL
       SELECT date_trunc('day', ni.removed_at), 'removed', count(DISTINCT ni.match_id)::int
         FROM notice_items ni JOIN matches x ON x.id = ni.match_id
        WHERE x.case_id = $1 AND ni.removed_at IS NOT NULL GROUP BY 1
       UNION ALL
       SELECT withdrawn_at, 'withdrawn', 1 FROM cases WHERE id = $1 AND withdrawn_at IS NOT NULL
     ) t ORDER BY at`,
    [caseId],
  );
  return rows.map((r) => ({ at: r.at, event: r.event, count: r.count }));
}

/** Disables (or re-enables) single registered hashes; returns the ids whose state changed. */
export async function setHashesDisabled(
  db: Queryable,
  hashIds: number[],
  disabled: boolean,
): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE registered_hashes SET disabled_at = CASE WHEN $2 THEN now() ELSE NULL END
      WHERE id = ANY($1::bigint[]) AND (disabled_at IS NULL) = $2 RETURNING id`,
    [hashIds, disabled],
  );
  return rows.map((r) => Number(r.id));
}
