import type pg from 'pg';
import { DECIDED_STATES } from './triage.store.js';

/** What the preview needs to know about one match. */
export interface PreviewTarget {
  matchId: number;
  state: string;
  mediaUrl: string;
  /** A page the media was seen on, sent as Referer like the worker does (hotlink protection). */
  referer: string | null;
  /** Start of the first matched stretch of a video, from the matcher's detail. */
  firstMatchedMs: number | null;
  /** A match on the same media has been confirmed, rejected or escalated. */
  mediaDecided: boolean;
}

/** The match, its media and whether that media has been decided on; undefined when there is none. */
export async function previewTarget(pool: pg.Pool, matchId: number): Promise<PreviewTarget | undefined> {
  const { rows } = await pool.query(
    `SELECT m.id, m.state, m.detail, me.url,
            (SELECT p.url FROM page_media pm JOIN pages p ON p.id = pm.page_id
              WHERE pm.media_id = m.media_id ORDER BY p.id LIMIT 1) AS referer,
            EXISTS (SELECT 1 FROM matches o WHERE o.media_id = m.media_id AND o.state = ANY($2::text[]))
              AS decided
       FROM matches m JOIN media me ON me.id = m.media_id
      WHERE m.id = $1`,
    [matchId, DECIDED_STATES],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    matchId: Number(r.id),
    state: String(r.state),
    mediaUrl: String(r.url),
    referer: r.referer === null ? null : String(r.referer),
    firstMatchedMs: firstMatchedMs(r.detail),
    mediaDecided: r.decided === true,
  };
}

/** A pending match whose media nobody has decided on yet: the only kind ever previewed. */
export function previewable(t: PreviewTarget): boolean {
  return t.state === 'pending' && !t.mediaDecided;
}

function firstMatchedMs(detail: unknown): number | null {
  const video = (detail as { video?: { ranges?: unknown } } | null)?.video;
  const first = Array.isArray(video?.ranges) ? (video.ranges[0] as { startMs?: unknown }) : undefined;
  const ms = first?.startMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : null;
}
