import { createHash } from 'node:crypto';
import pg from 'pg';
import { type Db, withTransaction } from '../../db/index.js';
import { HashwatchError } from '../../errors.js';
import { canonicalJson } from './canonical-json.js';

/** What a caller records: who did what to which thing, with small non-sensitive detail. */
export interface AuditEntry {
  /** Who acted: a staff email, `cli:<os user>`, `system`, or `unknown` for a failed sign-in. */
  actor: string;
  /** Dotted verb, e.g. `login.success`, `user.add`, `match.confirm`. */
  action: string;
  /** What was acted on, e.g. a staff email or `match:42`. Never a survivor's contact details. */
  subject?: string | null;
  /** Plain JSON facts. Keys such as `password`, `pin`, `token`, `email` are refused. */
  detail?: Record<string, unknown>;
}

/** A stored, chained entry. */
export interface AuditRecord {
  id: number;
  at: Date;
  actor: string;
  action: string;
  subject: string | null;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** Where to append: a pool (its own transaction) or a client already inside the caller's transaction. */
export type AuditTarget = Db | pg.Pool | pg.PoolClient;

/** The `prev_hash` of the first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);

/** Arbitrary but fixed: every appender serialises on this transaction-scoped advisory lock. */
const AUDIT_LOCK_KEY = 7_424_151_338;

// Exact key names (any case, at any depth) that must never reach an append-only table, which cannot
// be cleaned up later. `tokenId` is fine; `token` is not.
const FORBIDDEN_KEY = /^(contact.*|.*(password|passcode|secret)|pin|pin_?hash|token|e-?mail|phone)$/i;
const MAX_DETAIL_CHARS = 8192;

/**
 * Appends one entry to the audit log with `hash = sha256(prev_hash + canonical JSON of the entry)`.
 * The chain head is read and the id allocated under `pg_advisory_xact_lock`, so concurrent appends
 * (any process) form one chain whose id order is its link order. Given a `pg.PoolClient`, the entry
 * joins the caller's transaction (it must be in one — e.g. `withTransaction` — or the lock is
 * released at once): the action and its record then commit together. Append last in that
 * transaction, because the lock is held until commit.
 */
export async function appendAudit(target: AuditTarget, entry: AuditEntry): Promise<AuditRecord> {
  const detailText = safeDetail(entry.detail ?? {});
  const run = (client: pg.PoolClient) => appendLocked(client, entry, detailText);
  if ('pool' in target) return withTransaction(target.pool, run);
  if (target instanceof pg.Pool) return withTransaction(target, run);
  return run(target);
}

async function appendLocked(client: pg.PoolClient, entry: AuditEntry, detailText: string) {
  await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
  const head = await client.query<{ hash: string }>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
  const seq = await client.query<{ id: string }>(
    "SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) AS id",
  );
  const record: Omit<AuditRecord, 'hash'> = {
    id: Number(seq.rows[0]?.id),
    // Millisecond precision, so the value read back from timestamptz is exactly what was hashed.
    at: new Date(),
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject ?? null,
    detail: JSON.parse(detailText) as Record<string, unknown>,
    prevHash: head.rows[0]?.hash ?? AUDIT_GENESIS,
  };
  const hash = auditHash(record);
  await client.query(
    `INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)`,
    [record.id, record.at, record.actor, record.action, record.subject, detailText, record.prevHash, hash],
  );
  return { ...record, hash };
}

/** The hash of an entry given its predecessor's hash (what `verifyAudit` recomputes). */
export function auditHash(r: Omit<AuditRecord, 'hash'>): string {
  const body = canonicalJson({
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    detail: r.detail,
  });
  return createHash('sha256')
    .update(r.prevHash + body)
    .digest('hex');
}

/** Canonical text of `detail`, after refusing secrets and contact details by key name. */
function safeDetail(detail: Record<string, unknown>): string {
  const bad: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (FORBIDDEN_KEY.test(k)) bad.push(`${path}${k}`);
      walk(child, `${path}${k}.`);
    }
  };
  walk(detail, '');
  if (bad.length) {
    throw new HashwatchError(
      'AUDIT_DETAIL_FORBIDDEN',
      `Audit detail must not hold secrets or contact details (refused: ${bad.join(', ')})`,
    );
  }
  const text = canonicalJson(detail);
  if (text.length > MAX_DETAIL_CHARS) {
    throw new HashwatchError(
      'AUDIT_DETAIL_FORBIDDEN',
      `Audit detail is larger than ${MAX_DETAIL_CHARS} characters`,
    );
  }
  return text;
}
