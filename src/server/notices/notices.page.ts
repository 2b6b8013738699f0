import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Db, withTransaction } from '../../db/index.js';
import {
  getNotice,
  isInterruptedSend,
  listNotices,
  type NoticeRow,
  type NoticeService,
  renderText,
} from '../../reports/index.js';
import { csrfField, logoutForm, requireCsrf, requireUser } from '../accounts/index.js';
import { appendAudit } from '../audit/index.js';
import { type Html, html, page } from '../web/html.js';

export interface NoticesPageOptions {
  db: Db;
  notices: NoticeService;
}

// Fixed status lines: the redirect carries a code, never text, so nothing is reflected.
const DONE: Record<string, string> = {
  sent: 'The notice was sent.',
  cancelled: 'The notice was discarded; its matches go into the next batch.',
  submitted: 'Marked as submitted through the platform’s web form.',
  failed:
    'The notice could not be sent; the reason is shown in its row. It will be retried with the next batch.',
  unchanged: 'Nothing changed: the notice was already handled.',
  arrived: 'Recorded as sent at the time sending started; its deadline runs from then.',
  unsent: 'Recorded as not sent. Use "Send now", or the next batch sends it.',
};

function actions(req: FastifyRequest, n: NoticeRow): Html {
  const form = (
    action: string,
    label: string,
    secondary = false,
  ) => html`<form method="post" action="/notices/${n.id}/${action}" class="inline">
${csrfField(req)}<button type="submit"${secondary ? html` class="secondary"` : ''}>${label}</button></form>`;
  if (n.status === 'draft' || n.status === 'failed')
    return html`${form('send', 'Send now')} ${form('cancel', 'Discard', true)}`;
  if (n.status === 'export') return form('submitted', 'Mark as submitted');
  if (isInterruptedSend(n, new Date()))
    return html`<p>Sending stopped part-way (the worker sending it stopped). Check the mail server's log for ${n.ref}, then:</p>
${form('arrived', 'It arrived')} ${form('unsent', 'It did not arrive', true)}`;
  return html``;
}

function row(req: FastifyRequest, n: NoticeRow): Html {
  return html`<tr>
<td><a href="/notices/${n.id}">${n.ref}</a></td>
<td>${n.platformName}</td>
<td>${n.level > 1 ? `follow-up ${n.level}` : 'first'}</td>
<td>${n.status}${n.failureReason ? html`<br><span class="status-problem">${n.failureReason}</span>` : ''}</td>
<td>${n.body.items.length}</td>
<td>${n.createdAt.toISOString().slice(0, 16).replace('T', ' ')}</td>
<td>${n.sentAt ? n.sentAt.toISOString().slice(0, 16).replace('T', ' ') : '—'}</td>
<td>${actions(req, n)}</td>
</tr>`;
}

/**
 * `/notices`: the analyst's review of notice batches before they go (review mode), with a text
 * preview of each, "send now", "discard" and, for platforms without email, the ready-to-paste text
 * and "mark as submitted". Every action is written to the audit log.
 */
export async function noticesPage(app: FastifyInstance, opts: NoticesPageOptions): Promise<void> {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);
  const staff = { preHandler: requireUser('analyst'), schema: { hide: true } };

  app.get<{ Querystring: { done?: string } }>('/notices', staff, async (req, reply) => {
    const rows = await listNotices(opts.db.pool, { limit: 200 });
    const done = DONE[req.query.done ?? ''];
    const body = html`<h1>Notices</h1>
${logoutForm(req)}
${done ? html`<p class="notice" role="status">${done}</p>` : ''}
${
  rows.length === 0
    ? html`<p>No notices yet. The weekly batch makes one per platform from confirmed matches.</p>`
    : html`<table><thead><tr><th>Reference</th><th>Platform</th><th>Round</th><th>Status</th><th>Addresses</th><th>Built</th><th>Sent</th><th></th></tr></thead>
<tbody>${rows.map((n) => row(req, n))}</tbody></table>`
}`;
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(page({ title: 'Notices', body }));
  });

  app.get<{ Params: { id: string } }>('/notices/:id', staff, async (req, reply) => {
    const notice = /^\d{1,15}$/.test(req.params.id)
      ? await getNotice(opts.db.pool, Number(req.params.id))
      : undefined;
    if (!notice)
      return reply
        .status(404)
        .type('text/html; charset=utf-8')
        .send(page({ title: 'Notice', body: html`<p>No such notice.</p>` }));
    const body = html`<h1>Notice ${notice.ref}</h1>
<p><a href="/notices">All notices</a> · ${notice.platformName} · ${notice.status}</p>
<p>${actions(req, notice)}</p>
${notice.exportText ? html`<h2>Text for the platform’s web form</h2><pre class="panel">${notice.exportText}</pre>` : ''}
<h2>What the platform receives</h2>
<pre class="panel">${renderText(notice.body)}</pre>`;
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(page({ title: `Notice ${notice.ref}`, body }));
  });

  const act =
    (name: 'send' | 'cancel' | 'submitted' | 'arrived' | 'unsent') =>
    async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const id = Number(req.params.id);
      if (!Number.isSafeInteger(id) || !(await getNotice(opts.db.pool, id)))
        return reply.redirect('/notices?done=unchanged', 303);
      const now = new Date();
      let outcome = 'unchanged';
      if (name === 'send') {
        const sent = await opts.notices.sendNotice(id, now);
        outcome =
          sent.outcome === 'sent' || sent.outcome === 'export'
            ? 'sent'
            : sent.outcome === 'cancelled'
              ? 'cancelled'
              : sent.outcome === 'failed'
                ? 'failed'
                : 'unchanged';
      } else if (name === 'cancel')
        outcome = (await opts.notices.cancelNotice(id, now)) ? 'cancelled' : 'unchanged';
      else if (name === 'arrived' || name === 'unsent')
        outcome = (await opts.notices.resolveInterruptedSend(id, name === 'arrived', now))
          ? name
          : 'unchanged';
      else outcome = (await opts.notices.markExportSubmitted(id, now)) ? 'submitted' : 'unchanged';
      if (outcome !== 'unchanged') {
        const actor = req.user?.email ?? 'unknown';
        await withTransaction(opts.db.pool, (c) =>
          appendAudit(c, { actor, action: `notice.${name}`, subject: `notice:${id}`, detail: { outcome } }),
        );
      }
      return reply.redirect(`/notices?done=${outcome}`, 303);
    };
  const post = { preHandler: [requireUser('analyst'), requireCsrf], schema: { hide: true } };
  app.post<{ Params: { id: string } }>('/notices/:id/send', post, act('send'));
  app.post<{ Params: { id: string } }>('/notices/:id/cancel', post, act('cancel'));
  app.post<{ Params: { id: string } }>('/notices/:id/submitted', post, act('submitted'));
  // Notices whose sender stopped mid-send (at most once: only the mail log can tell).
  app.post<{ Params: { id: string } }>('/notices/:id/arrived', post, act('arrived'));
  app.post<{ Params: { id: string } }>('/notices/:id/unsent', post, act('unsent'));
}
