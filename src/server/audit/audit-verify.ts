import type pg from 'pg';
import type { Db } from '../../db/index.js';
import { AUDIT_GENESIS, type AuditRecord, auditHash } from './audit.store.js';

/** The outcome of {@link verifyAudit}. */
export type AuditVerification =
  | {
      ok: true;
      /** Entries checked. */
      count: number;
      /** Hash of the last entry (record it elsewhere to notice a truncated tail later). */
      head: string;
    }
  | {
      ok: false;
      /** Entries before the broken one, all intact. */
      count: number;
      /** Id of the first entry that does not fit the chain. */
      brokenAt: number;
      /** `link`: its prev_hash is not the previous entry's hash (a row was removed or reordered);
       * `hash`: its content does not give its stored hash (a row was edited). */
      reason: 'link' | 'hash';
    };

const BATCH = 1000;

/**
 * Walks the whole chain in id order, in batches (keyset pages, so memory stays flat on a long log),
 * recomputing every hash and checking every link. Stops at the first broken entry.
 */
export async function verifyAudit(db: Db | pg.Pool): Promise<AuditVerification> {
  const pool = 'pool' in db ? db.pool : db;
  let prev = AUDIT_GENESIS;
  let count = 0;
  let after = 0;
  for (;;) {
    const { rows } = await pool.query(
      `SELECT id, at, actor, action, subject, detail, prev_hash, hash
       FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`,
      [after, BATCH],
    );
    for (const row of rows) {
      const r: AuditRecord = {
        id: Number(row.id),
        at: row.at,
        actor: row.actor,
        action: row.action,
        subject: row.subject,
        detail: row.detail,
        prevHash: row.prev_hash,
        hash: row.hash,
      };
      if (r.prevHash !== prev) return { ok: false, count, brokenAt: r.id, reason: 'link' };
      if (auditHash(r) !== r.hash) return { ok: false, count, brokenAt: r.id, reason: 'hash' };
      prev = r.hash;
      count++;
      after = r.id;
    }
    if (rows.length < BATCH) return { ok: true, count, head: prev };
  }
}
