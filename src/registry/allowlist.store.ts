import type pg from 'pg';

type Queryable = pg.Pool | pg.PoolClient;

/**
 * The SQL test "this registered hash is allow-listed": equal digests, or perceptual hashes within
 * their signal's radius (`$2` for PDQ, `$3` for blockhash; Postgres 14+ `bit_count` over the XOR of
 * the two 256-bit strings).
 */
const ALLOWLISTED = `h.signal = a.signal AND (
  (h.signal IN ('md5', 'sha256') AND h.value = a.value) OR
  (h.signal IN ('pdq', 'blockhash') AND bit_count(('x' || h.value)::bit(256) # ('x' || a.value)::bit(256))
     <= CASE WHEN h.signal = 'pdq' THEN $2::int ELSE $3::int END))`;

/** Distance at which a registered hash counts as allow-listed, per perceptual signal: its match threshold. */
export interface AllowlistRadii {
  pdq: number;
  blockhash: number;
}

/** Flags a case's hashes that match an allow-listed hash; returns the flagged ids. */
export async function flagCaseHashes(
  db: Queryable,
  caseId: number,
  radii: AllowlistRadii,
): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE registered_hashes h SET flagged_at = now() FROM allowlist_hashes a
      WHERE h.case_id = $1 AND h.flagged_at IS NULL AND ${ALLOWLISTED} RETURNING h.id`,
    [caseId, radii.pdq, radii.blockhash],
  );
  return [...new Set(rows.map((r) => Number(r.id)))];
}

/** Adds an allow-listed hash and flags every active registered hash that matches it. */
export async function insertAllowlisted(
  db: Queryable,
  entry: { signal: string; value: string; reason: string; createdBy: string },
  radii: AllowlistRadii,
): Promise<{ id: number; flagged: number[] }> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO allowlist_hashes (signal, value, reason, created_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (signal, value) DO UPDATE SET reason = EXCLUDED.reason RETURNING id`,
    [entry.signal, entry.value, entry.reason, entry.createdBy],
  );
  const id = Number(rows[0]?.id);
  const flagged = await db.query<{ id: string }>(
    `UPDATE registered_hashes h SET flagged_at = now() FROM allowlist_hashes a
      WHERE a.id = $1 AND h.flagged_at IS NULL AND ${ALLOWLISTED} RETURNING h.id`,
    [id, radii.pdq, radii.blockhash],
  );
  return { id, flagged: flagged.rows.map((r) => Number(r.id)) };
}
