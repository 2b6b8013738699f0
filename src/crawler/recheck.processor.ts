import type { JobContext } from '../queue/index.js';
import type { Matcher } from '../registry/index.js';
import {
  findOverdueItems,
  markMediaRemoved,
  type NoticeService,
  type OverdueItem,
} from '../reports/index.js';
import type { CrawlerDeps } from './crawler-deps.js';
import { contentSha256OfMedia, markMediaGone } from './media.store.js';
import { downloadAndHash } from './media-download.js';

export interface RecheckDeps extends Pick<CrawlerDeps, 'db' | 'fetcher' | 'settings' | 'hashImage'> {
  notices: NoticeService;
  matcher(): Matcher;
  /** Follow-up notices are sent at once (else left as drafts for review). */
  send: boolean;
  /** Highest escalation level to follow up (level 1 is the first notice). */
  maxLevel: number;
  /** The clock (default: the system clock); removal times and follow-ups are stamped with it. */
  now?: (() => Date) | undefined;
}

type Verdict = 'removed' | 'still-up' | 'unknown';

/**
 * `recheck`: for every sent notice past its deadline, re-fetches each URL through the guarded
 * fetcher. Gone (404/410), or present but no longer this content, is recorded as removed with its
 * time; still there starts the next-level notice. A fetch that fails is simply tried next run.
 */
export function recheckProcessor(deps: RecheckDeps) {
  return async (_payload: Record<string, never>, ctx: JobContext): Promise<string> => {
    const now = deps.now ? deps.now() : new Date();
    let removed = 0;
    let followUps = 0;
    for (let level = 1; level <= deps.maxLevel; level++) {
      const items = await findOverdueItems(deps.db.pool, { level, now, limit: 500 });
      const byMedia = new Map<number, OverdueItem[]>();
      for (const item of items) byMedia.set(item.mediaId, [...(byMedia.get(item.mediaId) ?? []), item]);
      const gone: number[] = [];
      const stillUp: number[] = [];
      for (const [mediaId, group] of byMedia) {
        if (ctx.signal.aborted) throw new Error('recheck cancelled');
        const verdict = await check(deps, mediaId, group, ctx.signal);
        if (verdict === 'removed') gone.push(mediaId);
        if (verdict === 'still-up') stillUp.push(...group.map((g) => g.matchId));
      }
      if (gone.length) {
        removed += await markMediaRemoved(deps.db.pool, gone, now);
        await markMediaGone(deps.db.pool, gone);
      }
      const created = await deps.notices.createFollowUps({ now, level, matchIds: stillUp });
      followUps += created.length;
      if (deps.send) for (const n of created) await deps.notices.sendNotice(n.id, now);
    }
    ctx.log.info({ removed, followUps }, 'recheck done');
    return `removed ${removed}, follow-up notices ${followUps}`;
  };
}

async function check(
  deps: RecheckDeps,
  mediaId: number,
  group: OverdueItem[],
  signal: AbortSignal,
): Promise<Verdict> {
  const first = group[0];
  if (!first) return 'unknown';
  const stored = await contentSha256OfMedia(deps.db.pool, mediaId);
  try {
    const out = await downloadAndHash(deps.fetcher, first.url, {
      limits: deps.settings.download,
      headers: {},
      signal,
      // The same bytes as before: still up, no need to hash again.
      isKnownSha256: async (sha) => sha === stored,
      ...(deps.hashImage ? { hashImage: deps.hashImage } : {}),
    });
    if (out.kind === 'gone') return 'removed';
    if (out.kind === 'known') return 'still-up';
    // Different bytes at the same address: still up only if they still match the case.
    const cases = new Set(
      deps
        .matcher()
        .match(out.hashes)
        .map((m) => m.caseId),
    );
    const caseIds = await caseIdsOfMatches(
      deps,
      group.map((g) => g.matchId),
    );
    return caseIds.some((c) => cases.has(c)) ? 'still-up' : 'removed';
  } catch {
    return 'unknown';
  }
}

async function caseIdsOfMatches(deps: RecheckDeps, matchIds: number[]): Promise<number[]> {
  const { rows } = await deps.db.pool.query(
    'SELECT DISTINCT case_id FROM matches WHERE id = ANY($1::bigint[])',
    [matchIds],
  );
  return rows.map((r) => Number(r.case_id));
}
