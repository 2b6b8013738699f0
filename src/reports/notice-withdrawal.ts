/**
 * What a case's withdrawal does to notices (the rule is in docs/RELIABILITY.md, "Withdrawal").
 *
 * - A notice not sent (`draft`, `failed`, `cancelled`, and `export` not yet marked as submitted)
 *   loses the case's items: nothing is asked on the case's behalf any more. A notice left with no
 *   item is cancelled; the web-form text of an export is written again from what is left.
 * - A notice sent (`sent`, or `sending` at that moment) is the record of what the platform
 *   received, so its items, URLs, case references and dates stay; but the hash evidence of every
 *   item that relied on the case alone is replaced by {@link WITHDRAWN_EVIDENCE}, in the record and
 *   in the web-form text. An item another active case also relies on keeps its evidence: those are
 *   that case's fingerprints too.
 *
 * Runs inside the withdrawal's transaction; the caller passes every registered hash value of the
 * case so that a copy anywhere else in a record (or its text) is replaced as well.
 */
import type pg from 'pg';
import { withoutMatches } from './notice-builder.js';
import { renderWebformText } from './render-text.js';
import type { NoticeItem, NoticeRecord } from './types.js';

/** What replaces a withdrawn case's hash values in a notice that is kept. */
export const WITHDRAWN_EVIDENCE = 'withdrawn';

/** Notices that never reached a platform: the case's items are dropped from them. */
const UNSENT = new Set(['draft', 'failed', 'export', 'cancelled']);

/** What the withdrawal changed in notices (counts only, for the audit log). */
export interface NoticeWithdrawal {
  /** Sent notices whose hash evidence for the case was replaced. */
  redacted: number;
  /** Unsent notices the case's items were dropped from. */
  pruned: number;
  /** Of those, notices left with nothing to send, now cancelled. */
  cancelled: number;
}

/**
 * Removes the case `ref` from unsent notices and its hash evidence from sent ones (see the module
 * comment). `hashValues`: every registered hash value of the case. Locks the notices it changes.
 */
export async function forgetCaseInNotices(
  client: pg.PoolClient,
  ref: string,
  hashValues: readonly string[],
): Promise<NoticeWithdrawal> {
  const { rows } = await client.query<{
    id: string;
    status: string;
    body: NoticeRecord;
    export_text: string | null;
  }>(
    `SELECT id, status, body, export_text FROM notices
      WHERE body->'caseRefs' ? $1
         OR body->'items' @> jsonb_build_array(jsonb_build_object('caseRefs', jsonb_build_array($1::text)))
      ORDER BY id FOR UPDATE`,
    [ref],
  );
  const result: NoticeWithdrawal = { redacted: 0, pruned: 0, cancelled: 0 };
  if (rows.length === 0) return result;
  const otherRefs = [
    ...new Set(rows.flatMap((r) => itemsOf(r.body).flatMap((i) => i.caseRefs ?? []))),
  ].filter((r) => r !== ref);
  const { rows: activeRows } = await client.query<{ ref: string }>(
    "SELECT ref FROM cases WHERE ref = ANY($1::text[]) AND status = 'active'",
    [otherRefs],
  );
  const active = new Set(activeRows.map((r) => r.ref));

  for (const row of rows) {
    const unsent = UNSENT.has(row.status);
    const next = withoutCase(row.body, ref, { active, hashValues, drop: unsent });
    let status = row.status;
    let exportText = scrub(row.export_text, next.scrub);
    if (unsent && next.record.items.length === 0 && status !== 'cancelled') {
      status = 'cancelled';
      exportText = null;
    } else if (status === 'export' && JSON.stringify(next.record) !== JSON.stringify(row.body)) {
      exportText = renderWebformText(next.record);
    }
    const body = JSON.parse(scrub(JSON.stringify(next.record), next.scrub) ?? 'null') as NoticeRecord;
    const changed =
      status !== row.status ||
      exportText !== row.export_text ||
      JSON.stringify(body) !== JSON.stringify(row.body);
    if (!changed) continue;
    await client.query(
      'UPDATE notices SET body = $2, export_text = $3, status = $4, updated_at = now() WHERE id = $1',
      [row.id, body, exportText, status],
    );
    if (!unsent) result.redacted++;
    else {
      result.pruned++;
      if (status === 'cancelled' && row.status !== 'cancelled') result.cancelled++;
    }
  }
  return result;
}

/**
 * One record without the case: its items dropped (`drop`, an unsent notice) or their evidence
 * replaced, and the values to replace in any text of it — the case's own and the evidence taken out,
 * minus evidence an item of another active case still shows.
 */
function withoutCase(
  record: NoticeRecord,
  ref: string,
  o: { active: ReadonlySet<string>; hashValues: readonly string[]; drop: boolean },
): { record: NoticeRecord; scrub: string[] } {
  let kept = record;
  if (o.drop) {
    // Match ids and case references are parallel lists: the case's own match ids go.
    const matchIds = itemsOf(record).flatMap((i) =>
      (i.matchIds ?? []).filter((_, n) => (i.caseRefs ?? [])[n] === ref),
    );
    kept = withoutMatches(record, matchIds);
  }
  const removed = new Set(o.hashValues.map((v) => v.toLowerCase()));
  for (const i of itemsOf(record)) if ((i.caseRefs ?? []).includes(ref)) evidenceValues(i, removed);
  const stillShown = new Set<string>();
  const items = itemsOf(kept).map((item) => {
    const refs = item.caseRefs ?? [];
    if (refs.includes(ref) && !refs.some((r) => r !== ref && o.active.has(r))) {
      return { ...item, evidence: redactedEvidence(item.evidence) };
    }
    evidenceValues(item, stillShown);
    return item;
  });
  return {
    record: { ...kept, items },
    scrub: [...removed].filter((v) => HEX_VALUE.test(v) && !stillShown.has(v)),
  };
}

/** Only hash-like values are replaced in text: hex, at least 64 bits. */
const HEX_VALUE = /^[0-9a-f]{16,}$/;

function itemsOf(record: NoticeRecord): NoticeItem[] {
  return Array.isArray(record?.items) ? record.items : [];
}

function evidenceValues(item: NoticeItem, into: Set<string>): void {
  const e = item.evidence;
  for (const v of [e?.md5, e?.sha256, e?.pdq]) if (typeof v === 'string') into.add(v.toLowerCase());
}

function redactedEvidence(e: NoticeItem['evidence']): NoticeItem['evidence'] {
  return {
    ...e,
    md5: WITHDRAWN_EVIDENCE,
    sha256: WITHDRAWN_EVIDENCE,
    pdq: e?.pdq === null || e?.pdq === undefined ? null : WITHDRAWN_EVIDENCE,
  };
}

/** `text` with every value replaced by the marker (hash values are lowercase hex, so case-folded). */
function scrub(text: string | null, values: readonly string[]): string | null {
  if (text === null || values.length === 0) return text;
  let out = text;
  for (const v of values) out = out.replace(new RegExp(v, 'gi'), WITHDRAWN_EVIDENCE);
  return out;
}
