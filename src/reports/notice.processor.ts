import type { JobContext } from '../queue/index.js';
import type { NoticeService } from './notice-service.js';

/** What the notice job handlers need. */
export interface NoticeJobDeps {
  notices: NoticeService;
  /** Deliver at once (`NOTICE_REVIEW=false`); else the notices wait as drafts on /notices. */
  send: boolean;
}

/** `notice-batch`: the weekly batch at the service's clock. */
export function noticeBatchProcessor(deps: NoticeJobDeps) {
  return async (_payload: Record<string, never>, ctx: JobContext): Promise<number> => {
    const summary = await deps.notices.runBatch({ send: deps.send });
    ctx.log.info({ created: summary.created.length, sent: summary.sends.length }, 'notice batch done');
    return summary.created.length;
  };
}

/** `notice-reupload`: re-upload notices for every confirmed re-upload, without waiting for the batch. */
export function reuploadNoticeProcessor(deps: NoticeJobDeps) {
  return async (payload: { matchIds: number[] }, ctx: JobContext): Promise<string> => {
    const summary = await deps.notices.runReuploads({ send: deps.send });
    const sent = summary.sends.filter((s) => s.outcome === 'sent').length;
    if (summary.created.length)
      ctx.log.info(
        { created: summary.created.length, sent, requestedFor: payload.matchIds.length },
        're-upload notices done',
      );
    return `re-upload notices ${summary.created.length}, sent ${sent}`;
  };
}
