/**
 * `/n/<token>`: the page a platform reaches from the link in a notice. GET shows the notice summary
 * and a form; POST records receipt and the platform's decision (removed, or not removed with a
 * reason), which DSA Art. 16(5) asks hosts to communicate. Only POST counts as receipt: mail
 * security scanners open links by themselves, so a GET proves nothing.
 */
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type pg from 'pg';
import { hashAckToken, isWellFormedAckToken } from './ack-token.js';
import { findNoticeByAckHash, type NoticeRow, recordAckDecision } from './notice.store.js';
import { formatUtc } from './notice-document.js';
import { escapeHtml as e } from './render-html.js';

/** Options of {@link noticeAckRoutes}. */
export interface NoticeAckRoutesOptions {
  pool: pg.Pool;
  /** The clock (tests pass a fixed one). */
  now?: () => Date;
}

const MAX_REASON = 2000;

/** The acknowledgement routes; mount at the root prefix. Pages are self-contained and escaped. */
export async function noticeAckRoutes(app: FastifyInstance, opts: NoticeAckRoutesOptions): Promise<void> {
  const now = opts.now ?? (() => new Date());
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    await app.register(formbody, { bodyLimit: 16 * 1024 });
  }
  const lookup = async (token: string): Promise<NoticeRow | undefined> =>
    isWellFormedAckToken(token) ? findNoticeByAckHash(opts.pool, hashAckToken(token)) : undefined;

  app.get<{ Params: { token: string } }>('/n/:token', { schema: { hide: true } }, async (req, reply) => {
    const notice = await lookup(req.params.token);
    if (!notice) return send(reply, 404, notFoundPage());
    return send(reply, 200, noticePage(notice, req.params.token));
  });

  app.post<{ Params: { token: string }; Body: { decision?: string; reason?: string } }>(
    '/n/:token',
    { schema: { hide: true } },
    async (req, reply) => {
      const notice = await lookup(req.params.token);
      if (!notice) return send(reply, 404, notFoundPage());
      const form = parseAckForm(req.body ?? {});
      if ('problem' in form) return send(reply, 400, noticePage(notice, req.params.token, form.problem));
      const { decision, reason } = form;
      await recordAckDecision(opts.pool, notice.id, { decision, reason, at: now() });
      return send(
        reply,
        200,
        frame(
          'Thank you',
          `<h1>Thank you</h1><p role="status">Your answer to notice ${e(notice.ref)} was recorded: ` +
            `${decision === 'removed' ? 'removed' : 'not removed'}. You can change it from the same link.</p>`,
        ),
      );
    },
  );
}

/** Checks the form: a decision, and a reason when the material was not removed. */
export function parseAckForm(body: {
  decision?: string;
  reason?: string;
}): { decision: 'removed' | 'not_removed'; reason: string | null } | { problem: string } {
  const decision = body.decision;
  const reason = String(body.reason ?? '').trim();
  if (decision !== 'removed' && decision !== 'not_removed') {
    return { problem: 'Please choose whether the material was removed.' };
  }
  if (decision === 'not_removed' && !reason) {
    return { problem: 'Please give the reason why the material was not removed.' };
  }
  if (reason.length > MAX_REASON)
    return { problem: `Please keep the reason under ${MAX_REASON} characters.` };
  return { decision, reason: reason || null };
}

function send(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('x-robots-tag', 'noindex, nofollow')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .send(body);
}

function noticePage(n: NoticeRow, token: string, problem?: string): string {
  const r = n.body;
  const urls = r.items.map((i) => `<li><code>${e(i.url)}</code></li>`).join('');
  const answered = n.decidedAt
    ? `<p role="status">Your answer of ${e(formatUtc(n.decidedAt.toISOString()))}: ${n.decision === 'removed' ? 'removed' : 'not removed'}${
        n.decisionReason ? ` (${e(n.decisionReason)})` : ''
      }.</p>`
    : '';
  return frame(
    `Notice ${n.ref}`,
    `<h1>Notice ${e(n.ref)}</h1>
<p>From ${e(r.sender.organisation)} to ${e(n.platformName)}, sent ${e(formatUtc(n.sentAt?.toISOString() ?? null))}.
Removal requested by ${e(formatUtc(n.deadlineAt?.toISOString() ?? null))}.</p>
<p>Legal basis: ${e(r.legalBases.map((b) => b.title).join('; '))}.</p>
<h2>${r.items.length} URL${r.items.length === 1 ? '' : 's'}</h2>
<ol>${urls}</ol>
${answered}
<h2>Confirm receipt and your decision</h2>
${problem ? `<p role="alert">${e(problem)}</p>` : ''}
<form method="post" action="/n/${e(token)}">
<p><label><input type="radio" name="decision" value="removed" required> The material was removed</label></p>
<p><label><input type="radio" name="decision" value="not_removed"> The material was not removed</label></p>
<p><label for="reason">Reason (required when not removed)</label><br>
<textarea id="reason" name="reason" rows="4" cols="60" maxlength="${MAX_REASON}"></textarea></p>
<p><button type="submit">Send</button></p>
</form>`,
  );
}

function notFoundPage(): string {
  return frame(
    'Link not valid',
    '<h1>This link is not valid</h1><p>Please reply to the notice email instead, quoting its reference.</p>',
  );
}

function frame(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${e(title)} · hashwatch</title>
<link rel="stylesheet" href="/assets/site.css"></head>
<body><main>${body}</main></body></html>
`;
}
