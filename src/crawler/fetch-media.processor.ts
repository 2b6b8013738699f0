import { isHashwatchError } from '../errors.js';
import type { JobContext } from '../queue/index.js';
import type { MediaHashes } from '../registry/index.js';
import { type CrawlerDeps, describeFailure, isFinal } from './crawler-deps.js';
import { fetchMediaJob } from './jobs.js';
import {
  contentHashes,
  contentIdBySha256,
  getMedia,
  insertContent,
  insertMatches,
  refererOf,
  reportsOfMedia,
  setMediaFailed,
  setMediaHashed,
} from './media.store.js';
import { downloadAndHash } from './media-download.js';
import { settleReport } from './report.store.js';

const MAX_ATTEMPTS = fetchMediaJob.options?.attempts ?? 1;

/**
 * `fetch-media`: downloads one media location through the guarded fetcher, hashes it in memory
 * (or recognises an already-hashed content by SHA-256), stores only hashes and metadata, and
 * records a pending match for every registered item it matches.
 */
export function fetchMediaProcessor(deps: CrawlerDeps) {
  return async (payload: { mediaId: number; round: number }, ctx: JobContext): Promise<string> => {
    const { db } = deps;
    const media = await getMedia(db.pool, payload.mediaId);
    if (!media) return 'media deleted';
    if (payload.round === 0 && media.status !== 'queued') return `already ${media.status}`;
    const permit = await deps.politeness.request(media.host);
    if (!permit.ok) return ctx.delay(permit.retryInMs);
    const referer = await refererOf(db.pool, media.id);
    let knownContentId: number | undefined;
    let outcome: string;
    try {
      const result = await downloadAndHash(deps.fetcher, media.url, {
        limits: deps.settings.download,
        headers: referer ? { referer } : {},
        signal: ctx.signal,
        isKnownSha256: async (sha) => {
          knownContentId = await contentIdBySha256(db.pool, sha);
          return knownContentId !== undefined;
        },
        ...(deps.hashImage ? { hashImage: deps.hashImage } : {}),
      });
      if (result.kind === 'gone') {
        await setMediaFailed(db.pool, media.id, {
          status: 'gone',
          code: 'MEDIA_GONE',
          reason: `The address answered ${result.httpStatus}.`,
          httpStatus: result.httpStatus,
        });
        outcome = 'gone';
      } else {
        const contentId =
          result.kind === 'known'
            ? (knownContentId as number)
            : await insertContent(db.pool, {
                ...result.hashes,
                sha256: digest(result.hashes.sha256),
                md5: digest(result.hashes.md5),
                bytes: result.bytes,
              });
        await setMediaHashed(db.pool, media.id, contentId, result.httpStatus);
        // One line per recorded hashing (ids only): the chaos tests count these to prove a media
        // location is never hashed twice, whatever kills and retries happen around it.
        ctx.log.info({ mediaId: media.id, contentId, fresh: result.kind === 'hashed' }, 'media hashed');
        const hashes: MediaHashes | undefined =
          result.kind === 'known' ? await contentHashes(db.pool, contentId) : result.hashes;
        const matches = hashes ? deps.matcher().match(hashes) : [];
        const created = await insertMatches(db.pool, media.id, matches);
        outcome = `${result.kind}, ${created.length} new match(es)`;
        if (created.length) ctx.log.info({ mediaId: media.id, matches: created.length }, 'match found');
      }
    } catch (err) {
      if (!isFinal(err, ctx.attempt, MAX_ATTEMPTS)) throw err;
      const { code, reason } = describeFailure(err);
      const status =
        isHashwatchError(err) && err.code === 'CRAWL_HTTP_STATUS'
          ? Number(err.details?.status ?? 0) || null
          : null;
      await setMediaFailed(db.pool, media.id, { status: 'failed', code, reason, httpStatus: status });
      outcome = `failed: ${code}`;
    }
    for (const reportId of await reportsOfMedia(db.pool, media.id)) await settleReport(db.pool, reportId);
    return outcome;
  };
}

/** Streams always yield digests (only URLs that ffmpeg fetches itself lack them, and we never do that). */
function digest(value: string | null): string {
  if (!value) throw new Error('video digests missing: the video was not read through hashwatch');
  return value;
}
