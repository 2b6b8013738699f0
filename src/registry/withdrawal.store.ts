/**
 * The crawled side of a withdrawal (rule in docs/RELIABILITY.md, "Withdrawal"): the case's matches
 * and the stored fingerprints of crawled files that are the case's, run in the withdrawal's
 * transaction. The registry writes here (tables of migrations/0003) because withdrawal is its
 * decision; the crawler only ever adds rows.
 */
import type pg from 'pg';

type Queryable = pg.Pool | pg.PoolClient;

/** Every registered hash value of a case (all signals, variants and frames), lowercase hex. */
export async function caseHashValues(db: Queryable, caseId: number): Promise<string[]> {
  const { rows } = await db.query<{ value: string }>(
    'SELECT DISTINCT value FROM registered_hashes WHERE case_id = $1',
    [caseId],
  );
  return rows.map((r) => r.value);
}

/** What {@link forgetCrawledCopies} removed (counts only). */
export interface CrawledForgotten {
  /** Match rows of the case, deleted (with their notice items and confirmations). */
  matches: number;
  /** Crawled contents whose fingerprints were deleted (with their video frames). */
  contents: number;
  /** Media locations that kept their URL but lost the link to a deleted content. */
  media: number;
}

/**
 * Deletes the case's matches and the crawled fingerprints that are the case's: every `contents` row
 * (with its `content_frames`) whose SHA-256, MD5, PDQ, blockhash, a dihedral PDQ or a frame PDQ
 * equals one of the case's registered values, or whose media matched the case. A content that
 * another case matched, or whose file digest another case registered, stays: it is that case's
 * evidence too. Media rows keep their URL and status (`hashed`, so a later crawl does not fetch
 * them again) with no content. Call before the registered hashes are deleted.
 */
export async function forgetCrawledCopies(db: Queryable, caseId: number): Promise<CrawledForgotten> {
  const { rows } = await db.query<{ id: string }>(
    `WITH reg AS (SELECT signal, value FROM registered_hashes WHERE case_id = $1),
     candidate AS (
       SELECT me.content_id AS id FROM matches x JOIN media me ON me.id = x.media_id
        WHERE x.case_id = $1 AND me.content_id IS NOT NULL
       UNION SELECT c.id FROM contents c JOIN reg ON reg.signal = 'sha256' AND reg.value = c.sha256
       UNION SELECT c.id FROM contents c JOIN reg ON reg.signal = 'md5' AND reg.value = c.md5
       UNION SELECT c.id FROM contents c JOIN reg ON reg.signal = 'pdq' AND reg.value = c.pdq
       UNION SELECT c.id FROM contents c JOIN reg ON reg.signal = 'blockhash' AND reg.value = c.blockhash
       UNION SELECT f.content_id FROM content_frames f JOIN reg ON reg.signal = 'pdq' AND reg.value = f.pdq
       UNION SELECT c.id FROM contents c CROSS JOIN LATERAL jsonb_each_text(c.pdq_dihedral) d
               JOIN reg ON reg.signal = 'pdq' AND reg.value = d.value
              WHERE jsonb_typeof(c.pdq_dihedral) = 'object')
     SELECT k.id FROM candidate k JOIN contents c ON c.id = k.id
      WHERE NOT EXISTS (
              SELECT 1 FROM media me JOIN matches x ON x.media_id = me.id
               WHERE me.content_id = k.id AND x.case_id <> $1)
        AND NOT EXISTS (
              SELECT 1 FROM registered_hashes h
               WHERE h.case_id <> $1
                 AND ((h.signal = 'md5' AND h.value = c.md5) OR (h.signal = 'sha256' AND h.value = c.sha256)))
      ORDER BY k.id`,
    [caseId],
  );
  const contentIds = rows.map((r) => Number(r.id));
  // Matches go first: they cascade to notice_items and match_confirmations.
  const matches = await db.query('DELETE FROM matches WHERE case_id = $1', [caseId]);
  if (contentIds.length === 0) return { matches: matches.rowCount ?? 0, contents: 0, media: 0 };
  const media = await db.query('UPDATE media SET content_id = NULL WHERE content_id = ANY($1::bigint[])', [
    contentIds,
  ]);
  const contents = await db.query('DELETE FROM contents WHERE id = ANY($1::bigint[])', [contentIds]);
  return { matches: matches.rowCount ?? 0, contents: contents.rowCount ?? 0, media: media.rowCount ?? 0 };
}
