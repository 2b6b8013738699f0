import { isIP } from 'node:net';
import type { JobContext } from '../queue/index.js';
import { type CrawlerDeps, describeFailure, isFinal } from './crawler-deps.js';
import { crawlPageJob } from './jobs.js';
import { linkPageMedia, upsertMedia } from './media.store.js';
import { checkUrl } from './net/address-policy.js';
import { resolveVetted } from './net/lookup.js';
import { normalizeUrl } from './normalize-url.js';
import { siteOf } from './page/extract.js';
import { crawlPage, type PageResult } from './page/page-crawler.js';
import { countPages, finishPage, getPage, insertPage, markPageCrawling } from './page.store.js';
import { getReport, markReportCrawling, settleReport } from './report.store.js';

const MAX_ATTEMPTS = crawlPageJob.options?.attempts ?? 1;

/**
 * `crawl-page`: renders one page of a report in a fresh browser context, records every media
 * location it shows (queuing a download for new ones) and queues same-site links within the
 * report's depth and page budget. Failures are retried; the last one is recorded on the page.
 */
export function crawlPageProcessor(deps: CrawlerDeps) {
  return async (payload: { reportId: number; pageId: number }, ctx: JobContext): Promise<string> => {
    const { db } = deps;
    const page = await getPage(db.pool, payload.pageId);
    if (!page || page.status === 'done' || page.status === 'failed' || page.status === 'gone')
      return 'already crawled';
    const report = await getReport(db.pool, payload.reportId);
    if (!report) return 'report deleted';
    const host = new URL(page.url).hostname;
    const permit = await deps.politeness.page(host);
    if (!permit.ok) return ctx.delay(permit.retryInMs);
    let result: PageResult;
    try {
      await markReportCrawling(db.pool, report.id);
      await markPageCrawling(db.pool, page.id);
      // The browser's own traffic goes through the vetting proxy; check the first hop here too so the
      // refusal is recorded with a clear reason instead of a proxy error page.
      const url = checkUrl(page.url, deps.policy);
      if (!deps.policy.allowPrivateNetworks && isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0) {
        await resolveVetted(url.hostname, { allowPrivateNetworks: false });
      }
      const context = await deps.browsers.newContext();
      try {
        result = await crawlPage(context, page.url, {
          ...deps.settings.page,
          preset: await deps.preset(host),
          sites: [siteOf(report.url), siteOf(page.url)],
          signal: ctx.signal,
        });
      } finally {
        await context.close().catch(() => {});
      }
    } catch (err) {
      if (!isFinal(err, ctx.attempt, MAX_ATTEMPTS)) throw err;
      const { code, reason } = describeFailure(err);
      await finishPage(db.pool, page.id, {
        status: 'failed',
        httpStatus: null,
        mediaFound: 0,
        linksFound: 0,
        failureCode: code,
        failureReason: reason,
      });
      await settleReport(db.pool, report.id);
      ctx.log.info({ code }, 'page failed');
      return `failed: ${code}`;
    } finally {
      await permit.release().catch(() => {});
    }

    if (result.status === 404 || result.status === 410) {
      await finishPage(db.pool, page.id, {
        status: 'gone',
        httpStatus: result.status,
        mediaFound: 0,
        linksFound: 0,
      });
      await settleReport(db.pool, report.id);
      return 'gone';
    }
    for (const m of result.media) {
      let normalizedUrl: string;
      try {
        normalizedUrl = normalizeUrl(m.url);
      } catch {
        continue;
      }
      const media = await upsertMedia(db.pool, {
        url: m.url,
        normalizedUrl,
        host: new URL(m.url).hostname,
        kindHint: m.kind,
      });
      await linkPageMedia(db.pool, page.id, media.id, m.via);
      if (media.status === 'queued') await deps.enqueueMedia(media.id);
    }
    let linksQueued = 0;
    if (page.depth < report.depth) {
      let budget = deps.settings.maxPages - (await countPages(db.pool, report.id));
      for (const link of result.links) {
        if (budget <= 0) break;
        const pageId = await insertPage(db.pool, {
          reportId: report.id,
          url: link,
          normalizedUrl: normalizeUrl(link),
          depth: page.depth + 1,
        });
        if (pageId === undefined) continue;
        budget--;
        linksQueued++;
        await deps.enqueuePage(report.id, pageId);
      }
    }
    await finishPage(db.pool, page.id, {
      status: 'done',
      httpStatus: result.status,
      mediaFound: result.media.length,
      linksFound: linksQueued,
    });
    await settleReport(db.pool, report.id);
    ctx.log.info(
      { media: result.media.length, links: linksQueued, gate: result.gate, scroll: result.scroll.stoppedBy },
      'page crawled',
    );
    return `media ${result.media.length}, links ${linksQueued}`;
  };
}
