import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from '../../db/index.js';
import { renderPreview } from '../../hashing/index.js';
import { requireUser } from '../accounts/index.js';
import { appendAudit } from '../audit/index.js';
import { previewable, previewTarget } from './preview.store.js';
import { fetchPreviewFrame, type PreviewOptions, PreviewProblem } from './preview-fetch.js';

/**
 * Waits for one of `max` slots; the returned function gives it back. Undefined at once when
 * `maxWaiting` callers are already waiting (the caller answers "busy" instead of queueing).
 */
export function slots(max: number, maxWaiting: number): () => Promise<(() => void) | undefined> {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return async () => {
    if (active < max) active++;
    else if (waiting.length >= maxWaiting) return undefined;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    return release;
  };
}

function problem(reply: FastifyReply, p: PreviewProblem): FastifyReply {
  return reply
    .status(p.status)
    .header('x-preview-problem', p.kind)
    .type('text/plain; charset=utf-8')
    .send(p.message);
}

/**
 * `GET /triage/preview/:matchId[?view=clear]` (analysts): the media of a pending match, fetched
 * now through the guarded fetcher and answered as a small JPEG — greyscale and blurred unless
 * `view=clear`, which is audited as `match.preview_clear` with its outcome (`shown` or the problem
 * kind) before the answer is sent. At most `maxConcurrent` previews are fetched at once and
 * `maxWaiting` wait; more get 503 `busy`. Nothing is stored, cached or logged (`Cache-Control: no-store`); a media item with a decision is never shown
 * again (410). A problem is a calm `text/plain` sentence with `X-Preview-Problem: <kind>`.
 */
export async function previewRoutes(
  app: FastifyInstance,
  opts: { db: Db; preview: PreviewOptions },
): Promise<void> {
  const slot = slots(opts.preview.maxConcurrent ?? 4, opts.preview.maxWaiting ?? 32);
  app.get<{ Params: { matchId: string }; Querystring: { view?: string } }>(
    '/triage/preview/:matchId',
    // No HEAD twin: a HEAD would download the media for nothing.
    { schema: { hide: true }, exposeHeadRoute: false, preHandler: requireUser('analyst') },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const id = /^[1-9][0-9]{0,15}$/.test(req.params.matchId) ? Number(req.params.matchId) : 0;
      const view = req.query.view === 'clear' ? 'clear' : 'blurred';
      const target = id ? await previewTarget(opts.db.pool, id) : undefined;
      if (!target) return problem(reply, new PreviewProblem('missing'));
      if (!previewable(target)) return problem(reply, new PreviewProblem('decided'));
      // The analyst navigating away stops the download.
      const abort = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) abort.abort(new Error('the preview request was closed'));
      });
      const release = await slot();
      if (!release) return problem(reply, new PreviewProblem('busy'));
      // A clear view is audited with what came of it (`shown` or the problem), before it is sent.
      const audited = async (outcome: string) => {
        if (view === 'clear')
          await appendAudit(opts.db, {
            actor: req.user?.email ?? 'unknown',
            action: 'match.preview_clear',
            subject: `match:${id}`,
            detail: { outcome },
          });
      };
      try {
        // The analyst left while this waited for its turn: nothing is fetched or audited.
        if (abort.signal.aborted) return reply.code(499).send();
        const frame = await fetchPreviewFrame(
          opts.preview,
          { url: target.mediaUrl, referer: target.referer, atMs: target.firstMatchedMs },
          abort.signal,
        );
        const jpeg = await renderPreview(frame, view);
        // A decision may have landed while fetching: then it is not shown after all.
        const now = await previewTarget(opts.db.pool, id);
        if (!now || !previewable(now)) throw new PreviewProblem('decided');
        await audited('shown');
        return reply.type('image/jpeg').send(jpeg);
      } catch (err) {
        if (!(err instanceof PreviewProblem)) throw err;
        req.log.info({ matchId: id, problem: err.kind }, 'no preview');
        await audited(err.kind);
        return problem(reply, err);
      } finally {
        release();
        // Stops whatever is still running for this preview (HLS/DASH segment fetches, ffmpeg).
        abort.abort(new Error('the preview was answered'));
      }
    },
  );
}
