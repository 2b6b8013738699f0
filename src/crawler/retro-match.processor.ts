import type { JobContext } from '../queue/index.js';
import { activeHashesOfCase, Matcher, type MatchPolicy } from '../registry/index.js';
import type { CrawlerDeps } from './crawler-deps.js';
import { contentsAfter, insertMatches, mediaOfContent } from './media.store.js';

const PAGE = 2_000;

/**
 * `retro-match`: when a case is registered (or gains items), matches its hashes against every
 * content crawled before, so content found earlier is not missed. The case's hashes go into a
 * small matcher of their own, and the stored contents stream past it a page at a time.
 */
export function retroMatchProcessor(deps: Pick<CrawlerDeps, 'db'> & { policy: Partial<MatchPolicy> }) {
  return async (payload: { caseId: number }, ctx: JobContext): Promise<string> => {
    const matcher = new Matcher(deps.policy);
    matcher.add(await activeHashesOfCase(deps.db.pool, payload.caseId));
    if (matcher.size === 0) return 'nothing to match';
    let after = 0;
    let scanned = 0;
    let created = 0;
    for (;;) {
      if (ctx.signal.aborted) throw new Error('retro-match cancelled');
      const page = await contentsAfter(deps.db.pool, after, PAGE);
      if (page.length === 0) break;
      for (const content of page) {
        const matches = matcher.match(content);
        if (matches.length === 0) continue;
        for (const mediaId of await mediaOfContent(deps.db.pool, content.id)) {
          created += (await insertMatches(deps.db.pool, mediaId, matches)).length;
        }
      }
      scanned += page.length;
      after = page[page.length - 1]?.id ?? after;
      await ctx.progress({ scanned });
    }
    ctx.log.info({ caseId: payload.caseId, scanned, created }, 'retroactive matching done');
    return `scanned ${scanned}, ${created} new match(es)`;
  };
}
