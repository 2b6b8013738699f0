import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isHashwatchError } from '../../errors.js';
import { csrfField, logoutForm, requireCsrf, requireUser } from '../accounts/index.js';
import { type Html, html, page } from '../web/html.js';
import { MAX_BATCH, runDecision, type TriageOptions } from './triage.routes.js';
import {
  DECISIONS,
  type Decision,
  type PendingMatch,
  pendingMatches,
  REJECT_REASONS,
} from './triage.store.js';

const REASON_LABELS: Record<(typeof REJECT_REASONS)[number], string> = {
  not_same: 'Not the same picture',
  not_intimate: 'Not intimate content',
  other: 'Other',
  bad_registered_hash: 'The registered fingerprint itself is wrong or generic',
};

// Fixed status lines: the redirect carries a code, never text, so nothing is reflected.
const STATUS: Record<string, string> = {
  confirm: 'confirmed',
  reject: 'rejected',
  escalate: 'escalated',
};
const PROBLEMS: Record<string, string> = {
  none: 'Nothing was selected.',
  reason: 'Choose a reason before rejecting.',
  bad: 'That request was not understood; nothing changed.',
};

/** The share of a video seen, from the matcher's detail, as "62% of registered / 40% of crawled". */
function videoShare(detail: Record<string, unknown>): string {
  const v = detail.video as { registeredMatchPercent?: unknown; crawledMatchPercent?: unknown } | null;
  if (!v || typeof v !== 'object') return '';
  const pct = (x: unknown) => (typeof x === 'number' ? `${Math.round(x)}%` : '?');
  return `${pct(v.registeredMatchPercent)} of registered, ${pct(v.crawledMatchPercent)} of crawled`;
}

function reasonSelect(formId: string): Html {
  return html`<select name="reason" form="${formId}" aria-label="Reason for rejecting">
<option value="">Reason (for reject)</option>
${REJECT_REASONS.map((r) => html`<option value="${r}">${REASON_LABELS[r]}</option>`)}
</select>`;
}

function row(req: FastifyRequest, m: PendingMatch): Html {
  const formId = `m${m.id}`;
  const earlier = m.earlier.map((e) => e.state).join(', ');
  return html`<tr>
<td><input type="checkbox" name="matchIds" value="${m.id}" form="bulk" aria-label="Select match ${m.id}"></td>
<td>${m.score.toFixed(2)}</td>
<td><span class="url">${m.pageUrl ?? '—'}</span><br><span class="url">${m.mediaUrl}</span></td>
<td>${m.host}</td>
<td>${m.signal} (${m.variant})</td>
<td>${m.distance}</td>
<td>${m.caseRef}</td>
<td>${videoShare(m.detail)}</td>
<td>${earlier}</td>
<td><form id="${formId}" method="post" action="/triage/decide">${csrfField(req)}
<input type="hidden" name="matchIds" value="${m.id}">
${reasonSelect(formId)}
${DECISIONS.map((d) => html`<button type="submit" name="decision" value="${d}">${d}</button>`)}
</form></td>
</tr>`;
}

function triageBody(req: FastifyRequest, matches: PendingMatch[], status: Html | string): Html {
  return html`${logoutForm(req)}<h1>Triage</h1>
<p>Pending matches, strongest first. No preview is shown yet: open nothing from this list in a browser.</p>
${status ? html`<p class="status" role="status">${status}</p>` : ''}
${
  matches.length
    ? html`<table>
<thead><tr><th>Select</th><th>Score</th><th>Page / media URL</th><th>Host</th><th>Signal</th><th>Distance</th><th>Case</th><th>Video share</th><th>Earlier decisions</th><th>Decide</th></tr></thead>
<tbody>${matches.map((m) => row(req, m))}</tbody>
</table>
<form id="bulk" method="post" action="/triage/decide" class="panel">${csrfField(req)}
<p>For all selected matches: ${reasonSelect('bulk')}
${DECISIONS.map((d) => html`<button type="submit" name="decision" value="${d}">${d} selected</button>`)}</p>
</form>`
    : html`<p>Nothing is waiting for a decision.</p>`
}`;
}

function statusLine(query: Record<string, string | undefined>): string {
  if (query.problem) return PROBLEMS[query.problem] ?? '';
  const verb = query.done ? STATUS[query.done] : undefined;
  if (!verb) return '';
  const n = Number.parseInt(query.n ?? '0', 10) || 0;
  const skipped = Number.parseInt(query.skipped ?? '0', 10) || 0;
  return `${n} ${n === 1 ? 'match' : 'matches'} ${verb}.${skipped ? ` ${skipped} already decided, left as they were.` : ''}`;
}

/** Form values (one or many) as positive integer ids; undefined if any is not one. */
function idsOf(value: unknown): number[] | undefined {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const ids = list.map((v) =>
    typeof v === 'string' && /^[1-9][0-9]{0,15}$/.test(v) ? Number(v) : Number.NaN,
  );
  return ids.every(Number.isSafeInteger) ? ids : undefined;
}

/**
 * `GET /triage` (the queue as a plain table with per-row and bulk forms) and `POST /triage/decide`
 * (form-encoded, CSRF-checked, redirects back with a status line). Analysts only. Register inside
 * the web plugin, after the security headers.
 */
export async function triagePage(app: FastifyInstance, opts: TriageOptions): Promise<void> {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded'))
    await app.register(formbody, { bodyLimit: 64 * 1024 });
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/triage',
    { schema: { hide: true }, preHandler: requireUser('analyst') },
    async (req, reply) => {
      const matches = await pendingMatches(opts.db.pool, 200);
      const body = triageBody(req, matches, statusLine(req.query));
      return reply
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(page({ title: 'Triage', body, user: req.user }));
    },
  );
  app.post<{ Body: Record<string, unknown> | undefined }>(
    '/triage/decide',
    { schema: { hide: true }, preHandler: [requireUser('analyst'), requireCsrf] },
    async (req, reply) => {
      const back = (q: Record<string, string>) => reply.redirect(`/triage?${new URLSearchParams(q)}`, 303);
      const ids = idsOf(req.body?.matchIds);
      const decision = req.body?.decision;
      const reason = typeof req.body?.reason === 'string' ? req.body.reason : undefined;
      if (!ids || ids.length > MAX_BATCH || !DECISIONS.includes(decision as Decision))
        return back({ problem: 'bad' });
      if (!ids.length) return back({ problem: 'none' });
      if (decision === 'reject' && !reason) return back({ problem: 'reason' });
      try {
        const counts = await runDecision(opts, {
          matchIds: ids,
          decision: decision as Decision,
          // A reason picked in the shared select is ignored for confirm and escalate.
          reason: decision === 'reject' ? reason : undefined,
          actor: req.user?.email ?? 'unknown',
        });
        return back({
          done: String(decision),
          n: String(counts.changed),
          skipped: String(counts.unchanged.length),
        });
      } catch (err) {
        if (isHashwatchError(err) && err.status === 400) return back({ problem: 'bad' });
        throw err;
      }
    },
  );
}
