import type pg from 'pg';
import { type Db, withTransaction } from '../../db/index.js';
import { appendAudit } from '../audit/index.js';

/** What an analyst can decide about a match. */
export const DECISIONS = ['confirm', 'reject', 'escalate'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Why a match was rejected. `bad_registered_hash`: the registered hash itself is too generic. */
export const REJECT_REASONS = ['not_same', 'not_intimate', 'other', 'bad_registered_hash'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** The state a decision moves a match to. */
const NEXT_STATE: Record<Decision, string> = {
  confirm: 'confirmed',
  reject: 'rejected',
  escalate: 'escalated',
};

/** A pending match as an analyst sees it. Only the case reference, never contact details. */
export interface PendingMatch {
  id: number;
  score: number;
  signal: string;
  distance: number;
  variant: string;
  /** Video shares and ranges, dihedral transform… as stored by the matcher. */
  detail: Record<string, unknown>;
  mediaUrl: string;
  host: string;
  /** A page the media was seen on (the first one recorded), if any. */
  pageUrl: string | null;
  caseRef: string;
  createdAt: Date;
  /** Decisions already taken on other matches of the same media (other cases). */
  earlier: { state: string; decidedAt: Date | null }[];
  /** Analysts who have confirmed it so far (the second-analyst rule; see `decideMatches`). */
  confirmations: number;
  /** Whether the `viewer` given to {@link pendingMatches} is one of them. */
  confirmedByViewer: boolean;
}

/** States of another match on the same media that mean the media has been decided on. */
export const DECIDED_STATES = ['confirmed', 'rejected', 'escalated'] as const;

/** True when an earlier decision on the same media means the media is never shown again. */
export function mediaDecided(m: Pick<PendingMatch, 'earlier'>): boolean {
  return m.earlier.some((e) => (DECIDED_STATES as readonly string[]).includes(e.state));
}

/** A registered hash to put on the allow-list, in the shape `CaseService.allowlist` takes. */
export interface AllowlistEntry {
  signal: 'pdq' | 'blockhash' | 'md5' | 'sha256';
  value: string;
  reason: string;
  createdBy: string;
}

/** The outcome of one decision request. */
export interface DecisionResult {
  requested: number;
  /** Matches whose state changed (for `confirm`: that now have every confirmation needed). */
  changed: number;
  /** Ids that were not pending (or escalated), or did not exist: nothing happened to them. */
  unchanged: number[];
  /** `confirm` only: this analyst's confirmation was recorded; another analyst still has to confirm. */
  awaiting: number[];
  /** `confirm` only: this analyst had already confirmed these; a different analyst has to. */
  alreadyConfirmed: number[];
  /** Registered hashes allow-listed (only for `reject` with `bad_registered_hash`). */
  allowlist: AllowlistEntry[];
}

/** The pending queue, highest score first (then oldest). `viewer`: the analyst looking at it. */
export async function pendingMatches(pool: pg.Pool, limit: number, viewer?: string): Promise<PendingMatch[]> {
  const { rows } = await pool.query(
    `SELECT m.id, m.score, m.signal, m.distance, m.variant, m.detail, m.created_at,
            (SELECT count(*)::int FROM match_confirmations mc WHERE mc.match_id = m.id) AS confirmations,
            EXISTS (SELECT 1 FROM match_confirmations mc WHERE mc.match_id = m.id AND mc.actor = $2)
              AS confirmed_by_viewer,
            me.url AS media_url, me.host, c.ref AS case_ref,
            (SELECT p.url FROM page_media pm JOIN pages p ON p.id = pm.page_id
              WHERE pm.media_id = m.media_id ORDER BY p.id LIMIT 1) AS page_url,
            COALESCE((SELECT json_agg(json_build_object('state', o.state, 'decidedAt', o.decided_at)
                                ORDER BY o.decided_at)
                        FROM matches o
                       WHERE o.media_id = m.media_id AND o.id <> m.id AND o.state <> 'pending'),
                     '[]'::json) AS earlier
       FROM matches m
       JOIN media me ON me.id = m.media_id
       JOIN cases c ON c.id = m.case_id
      WHERE m.state = 'pending'
      ORDER BY m.score DESC, m.id
      LIMIT $1`,
    [limit, viewer ?? null],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    score: Number(r.score),
    signal: String(r.signal),
    distance: Number(r.distance),
    variant: String(r.variant),
    detail: r.detail as Record<string, unknown>,
    mediaUrl: String(r.media_url),
    host: String(r.host),
    pageUrl: r.page_url === null ? null : String(r.page_url),
    caseRef: String(r.case_ref),
    createdAt: r.created_at as Date,
    earlier: (r.earlier as { state: string; decidedAt: string | null }[]).map((e) => ({
      state: e.state,
      decidedAt: e.decidedAt === null ? null : new Date(e.decidedAt),
    })),
    confirmations: Number(r.confirmations),
    confirmedByViewer: r.confirmed_by_viewer === true,
  }));
}

/**
 * Applies one decision to matches in one transaction: only pending matches change (confirm and
 * reject also settle escalated ones); `decided_at` is set; one audit entry per changed match is
 * appended last. For `bad_registered_hash` the registered hash behind each match is handed to
 * `allowlist` (the registry's own, idempotent transaction) before the commit: if that fails, the
 * decision rolls back and can simply be retried.
 *
 * `confirm` records the analyst's confirmation (once per analyst and match); a match becomes
 * confirmed only when `confirmationsNeeded` (default 1) distinct analysts have confirmed it.
 * Confirmations given before an escalation still count.
 */
export async function decideMatches(
  db: Db,
  input: {
    matchIds: readonly number[];
    decision: Decision;
    reason?: RejectReason;
    actor: string;
    confirmationsNeeded?: number;
  },
  allowlist: (entry: AllowlistEntry) => Promise<unknown> = async () => {},
): Promise<DecisionResult> {
  const ids = [...new Set(input.matchIds)].sort((a, b) => a - b);
  if (input.decision === 'confirm')
    return withTransaction(db.pool, (client) =>
      confirmMatches(client, ids, input.actor, input.confirmationsNeeded ?? 1),
    );
  const from = input.decision === 'escalate' ? ['pending'] : ['pending', 'escalated'];
  return withTransaction(db.pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `UPDATE matches SET state = $2, decided_at = now()
        WHERE id = ANY($1::bigint[]) AND state = ANY($3::text[])
        RETURNING id`,
      [ids, NEXT_STATE[input.decision], from],
    );
    const changed = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    const entries =
      input.reason === 'bad_registered_hash' ? await registeredHashesOf(client, changed, input.actor) : [];
    for (const entry of entries) await allowlist(entry);
    for (const id of changed) {
      await appendAudit(client, {
        actor: input.actor,
        action: `match.${input.decision}`,
        subject: `match:${id}`,
        detail: { reason: input.reason ?? null },
      });
    }
    const done = new Set(changed);
    return {
      requested: ids.length,
      changed: changed.length,
      unchanged: ids.filter((id) => !done.has(id)),
      awaiting: [],
      alreadyConfirmed: [],
      allowlist: entries,
    };
  });
}

/**
 * One analyst's confirmation of `ids` (sorted, distinct), inside the caller's transaction. The
 * open matches are locked first, in id order: a second analyst confirming the same match at the
 * same moment waits, then counts the first one's committed confirmation, so two confirmations
 * can never both see "1 of 2".
 */
async function confirmMatches(
  client: pg.PoolClient,
  ids: number[],
  actor: string,
  needed: number,
): Promise<DecisionResult> {
  const { rows: open } = await client.query<{ id: string }>(
    `SELECT id FROM matches WHERE id = ANY($1::bigint[]) AND state IN ('pending', 'escalated')
      ORDER BY id FOR UPDATE`,
    [ids],
  );
  const openIds = open.map((r) => Number(r.id));
  const { rows: added } = await client.query<{ match_id: string }>(
    `INSERT INTO match_confirmations (match_id, actor) SELECT unnest($1::bigint[]), $2
     ON CONFLICT (match_id, actor) DO NOTHING RETURNING match_id`,
    [openIds, actor],
  );
  const { rows: counts } = await client.query<{ match_id: string; n: number }>(
    `SELECT match_id, count(*)::int AS n FROM match_confirmations
      WHERE match_id = ANY($1::bigint[]) GROUP BY match_id`,
    [openIds],
  );
  const count = new Map(counts.map((r) => [Number(r.match_id), r.n]));
  const isNew = new Set(added.map((r) => Number(r.match_id)));
  const settled = openIds.filter((id) => (count.get(id) ?? 0) >= needed);
  if (settled.length)
    await client.query(
      `UPDATE matches SET state = 'confirmed', decided_at = now() WHERE id = ANY($1::bigint[])`,
      [settled],
    );
  const done = new Set(settled);
  const awaiting = openIds.filter((id) => isNew.has(id) && !done.has(id));
  for (const id of [...settled, ...awaiting].sort((a, b) => a - b)) {
    const confirmations = count.get(id) ?? 0;
    await appendAudit(client, {
      actor,
      action: done.has(id) ? 'match.confirm' : 'match.confirmation',
      subject: `match:${id}`,
      // With the default of one confirmation the entry stays as it always was.
      detail: needed === 1 ? { reason: null } : { reason: null, confirmations, needed },
    });
  }
  const openSet = new Set(openIds);
  return {
    requested: ids.length,
    changed: settled.length,
    unchanged: ids.filter((id) => !openSet.has(id)),
    awaiting,
    alreadyConfirmed: openIds.filter((id) => !isNew.has(id) && !done.has(id)),
    allowlist: [],
  };
}

/** The registered hash behind each match (same item, signal and variant; video frame hits are skipped). */
async function registeredHashesOf(
  client: pg.PoolClient,
  matchIds: number[],
  actor: string,
): Promise<AllowlistEntry[]> {
  if (!matchIds.length) return [];
  const { rows } = await client.query<{ id: string; signal: AllowlistEntry['signal']; value: string }>(
    `SELECT DISTINCT ON (m.id) m.id, h.signal, h.value
       FROM matches m
       JOIN registered_hashes h ON h.item_id = m.item_id AND h.signal = m.signal AND h.variant = m.variant
      WHERE m.id = ANY($1::bigint[])
      ORDER BY m.id, h.id`,
    [matchIds],
  );
  return rows.map((r) => ({
    signal: r.signal,
    value: r.value,
    reason: `rejected in triage as match:${r.id}`,
    createdBy: actor,
  }));
}
