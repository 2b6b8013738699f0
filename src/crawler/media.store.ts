import type pg from 'pg';
import type { ItemMatch, MediaHashes } from '../registry/index.js';

type Queryable = pg.Pool | pg.PoolClient;

export interface MediaRow {
  id: number;
  url: string;
  host: string;
  kindHint: string | null;
  contentId: number | null;
  status: 'queued' | 'hashed' | 'failed' | 'gone';
}

/** A media location seen on a page: created once per normalized URL, `last_seen_at` refreshed. */
export async function upsertMedia(
  db: Queryable,
  m: { url: string; normalizedUrl: string; host: string; kindHint: string },
): Promise<{ id: number; status: MediaRow['status']; created: boolean }> {
  const { rows } = await db.query(
    `INSERT INTO media (url, normalized_url, host, kind_hint) VALUES ($1, $2, $3, $4)
     ON CONFLICT (normalized_url) DO UPDATE SET last_seen_at = now()
     RETURNING id, status, (xmax = 0) AS created`,
    [m.url, m.normalizedUrl, m.host, m.kindHint],
  );
  return { id: Number(rows[0].id), status: rows[0].status, created: rows[0].created };
}

export async function linkPageMedia(
  db: Queryable,
  pageId: number,
  mediaId: number,
  via: string,
): Promise<void> {
  await db.query(
    'INSERT INTO page_media (page_id, media_id, via) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [pageId, mediaId, via],
  );
}

export async function getMedia(db: Queryable, id: number): Promise<MediaRow | undefined> {
  const { rows } = await db.query(
    'SELECT id, url, host, kind_hint, content_id, status FROM media WHERE id = $1',
    [id],
  );
  const r = rows[0];
  return r
    ? {
        id: Number(r.id),
        url: r.url,
        host: r.host,
        kindHint: r.kind_hint,
        contentId: r.content_id === null ? null : Number(r.content_id),
        status: r.status,
      }
    : undefined;
}

/** The first page a media item was seen on, for the Referer and cookies a CDN may want. */
export async function refererOf(db: Queryable, mediaId: number): Promise<string | undefined> {
  const { rows } = await db.query(
    'SELECT p.url FROM page_media pm JOIN pages p ON p.id = pm.page_id WHERE pm.media_id = $1 ORDER BY p.id LIMIT 1',
    [mediaId],
  );
  return rows[0]?.url;
}

export async function contentIdBySha256(db: Queryable, sha256: string): Promise<number | undefined> {
  const { rows } = await db.query('SELECT id FROM contents WHERE sha256 = $1', [sha256]);
  return rows[0] ? Number(rows[0].id) : undefined;
}

export interface ContentInput extends MediaHashes {
  sha256: string;
  md5: string;
  width?: number | null;
  height?: number | null;
  durationMs?: number | null;
  bytes: number;
}

/** Stores a content's fingerprints once; a concurrent insert of the same SHA-256 yields the same id. */
export async function insertContent(db: Queryable, c: ContentInput): Promise<number> {
  const { rows } = await db.query(
    `INSERT INTO contents (sha256, md5, kind, pdq, pdq_quality, blockhash, width, height, duration_ms, bytes, pdq_dihedral)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (sha256) DO NOTHING RETURNING id`,
    [
      c.sha256,
      c.md5,
      c.kind,
      c.pdq ?? null,
      c.pdqQuality ?? null,
      c.blockhash ?? null,
      c.width ?? null,
      c.height ?? null,
      c.durationMs ?? null,
      c.bytes,
      c.pdqDihedral ?? null,
    ],
  );
  if (!rows[0]) return (await contentIdBySha256(db, c.sha256)) as number;
  const id = Number(rows[0].id);
  if (c.frames?.length) {
    await db.query(
      `INSERT INTO content_frames (content_id, ms, pdq, pdq_quality)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::smallint[]) ON CONFLICT DO NOTHING`,
      [id, c.frames.map((f) => f.ms), c.frames.map((f) => f.pdq), c.frames.map((f) => f.pdqQuality)],
    );
  }
  return id;
}

/** The stored fingerprints of a content, in the shape the matcher takes. */
export async function contentHashes(db: Queryable, contentId: number): Promise<MediaHashes | undefined> {
  const { rows } = await db.query(
    'SELECT kind, sha256, md5, pdq, pdq_quality, pdq_dihedral, blockhash FROM contents WHERE id = $1',
    [contentId],
  );
  const c = rows[0];
  if (!c) return undefined;
  const frames =
    c.kind === 'video'
      ? (
          await db.query(
            'SELECT ms, pdq, pdq_quality FROM content_frames WHERE content_id = $1 ORDER BY ms',
            [contentId],
          )
        ).rows.map((f) => ({ ms: f.ms, pdq: f.pdq, pdqQuality: f.pdq_quality }))
      : null;
  return {
    kind: c.kind,
    sha256: c.sha256,
    md5: c.md5,
    pdq: c.pdq,
    pdqQuality: c.pdq_quality,
    pdqDihedral: c.pdq_dihedral,
    blockhash: c.blockhash,
    frames,
  };
}

export async function setMediaHashed(
  db: Queryable,
  mediaId: number,
  contentId: number,
  httpStatus: number,
): Promise<void> {
  await db.query(
    `UPDATE media SET content_id = $2, status = 'hashed', http_status = $3, failure_code = NULL, failure_reason = NULL,
            last_verified_at = now() WHERE id = $1`,
    [mediaId, contentId, httpStatus],
  );
}

export async function setMediaFailed(
  db: Queryable,
  mediaId: number,
  r: { status: 'failed' | 'gone'; code: string; reason: string; httpStatus?: number | null },
): Promise<void> {
  await db.query(
    'UPDATE media SET status = $2, failure_code = $3, failure_reason = $4, http_status = $5, last_verified_at = now() WHERE id = $1',
    [mediaId, r.status, r.code, r.reason.slice(0, 500), r.httpStatus ?? null],
  );
}

/** Report ids whose pages show this media (to settle them when it is done). */
export async function reportsOfMedia(db: Queryable, mediaId: number): Promise<number[]> {
  const { rows } = await db.query(
    `SELECT DISTINCT p.report_id FROM page_media pm JOIN pages p ON p.id = pm.page_id
      JOIN reports r ON r.id = p.report_id WHERE pm.media_id = $1 AND r.status IN ('queued', 'crawling')`,
    [mediaId],
  );
  return rows.map((r) => Number(r.report_id));
}

/**
 * Records matches for a media location (one per case; a repeat keeps the first). Returns new ids.
 * Only for an active case: `FOR SHARE` waits for a withdrawal in progress (which locks the case row
 * first) and then sees the case withdrawn, so no match outlives its case's withdrawal.
 */
export async function insertMatches(db: Queryable, mediaId: number, matches: ItemMatch[]): Promise<number[]> {
  const ids: number[] = [];
  for (const m of matches) {
    const { rows } = await db.query(
      `INSERT INTO matches (media_id, case_id, item_id, signal, distance, score, variant, detail)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM cases WHERE id = $2 AND status = 'active' FOR SHARE)
       ON CONFLICT (media_id, case_id) DO NOTHING RETURNING id`,
      [
        mediaId,
        m.caseId,
        m.itemId,
        m.signal,
        m.distance,
        m.score,
        m.variant,
        {
          dihedral: m.dihedral ?? null,
          registeredFrameMs: m.registeredFrameMs ?? null,
          video: m.video ?? null,
          pdqDistance: m.pdqDistance ?? null,
        },
      ],
    );
    if (rows[0]) ids.push(Number(rows[0].id));
  }
  return ids;
}

/** A page of stored contents with their frames, in id order, for retroactive matching. */
export async function contentsAfter(
  db: Queryable,
  afterId: number,
  limit: number,
): Promise<(MediaHashes & { id: number })[]> {
  const { rows } = await db.query(
    `SELECT c.id, c.kind, c.sha256, c.md5, c.pdq, c.pdq_quality, c.pdq_dihedral, c.blockhash,
            (SELECT json_agg(json_build_object('ms', f.ms, 'pdq', f.pdq, 'pdqQuality', f.pdq_quality) ORDER BY f.ms)
               FROM content_frames f WHERE f.content_id = c.id) AS frames
       FROM contents c WHERE c.id > $1 ORDER BY c.id LIMIT $2`,
    [afterId, limit],
  );
  return rows.map((c) => ({
    id: Number(c.id),
    kind: c.kind,
    sha256: c.sha256,
    md5: c.md5,
    pdq: c.pdq,
    pdqQuality: c.pdq_quality,
    pdqDihedral: c.pdq_dihedral,
    blockhash: c.blockhash,
    frames: c.frames,
  }));
}

/** Every hashed location of a content. */
export async function mediaOfContent(db: Queryable, contentId: number): Promise<number[]> {
  const { rows } = await db.query("SELECT id FROM media WHERE content_id = $1 AND status = 'hashed'", [
    contentId,
  ]);
  return rows.map((r) => Number(r.id));
}

/** Media still queued after `olderThanMs`. */
export async function staleMedia(db: Queryable, olderThanMs: number, limit: number): Promise<number[]> {
  const { rows } = await db.query(
    `SELECT id FROM media WHERE status = 'queued' AND first_seen_at < now() - make_interval(secs => $1::double precision / 1000)
      ORDER BY id LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows.map((r) => Number(r.id));
}

/** The SHA-256 of what a media location served when it was hashed. */
export async function contentSha256OfMedia(db: Queryable, mediaId: number): Promise<string | undefined> {
  const { rows } = await db.query(
    'SELECT c.sha256 FROM media m JOIN contents c ON c.id = m.content_id WHERE m.id = $1',
    [mediaId],
  );
  return rows[0]?.sha256;
}

/** Media found gone on a recheck. */
export async function markMediaGone(db: Queryable, mediaIds: number[]): Promise<void> {
  await db.query("UPDATE media SET status = 'gone', last_verified_at = now() WHERE id = ANY($1::bigint[])", [
    mediaIds,
  ]);
}
