import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isHashwatchError } from '../../errors.js';
import { csrfField, logoutForm, requireCsrf, requireUser } from '../accounts/index.js';
import { type Html, html, page } from '../web/html.js';
import { previewRoutes } from './preview.routes.js';
import { MAX_BATCH, runDecision, type TriageOptions } from './triage.routes.js';
import {
  DECISIONS,
  type Decision,
  mediaDecided,
  type PendingMatch,
  pendingMatches,
  REJECT_REASONS,
} from './triage.store.js';
import { SHORTCUTS } from './triage-keys.js';

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

/**
 * The live preview: the page script fetches it when the row scrolls into view (showing a calm
 * sentence instead when there is none); without the script, a lazily loaded image. Media with a
 * decision on another match get no preview at all.
 */
function previewCell(m: PendingMatch, enabled: boolean): Html {
  if (!enabled) return html`<p class="preview-note">No preview on this server.</p>`;
  if (mediaDecided(m)) return html`<p class="preview-note">Not shown: this media already has a decision.</p>`;
  const src = `/triage/preview/${m.id}`;
  return html`<figure class="preview" data-preview="${src}">
<noscript><img src="${src}" loading="lazy" width="160" alt="Blurred, greyscale preview of match ${m.id}; if none appears, it could not be fetched"></noscript>
<img hidden width="160" alt="Preview of match ${m.id}">
<p class="preview-note" role="status" hidden></p>
<figcaption>Blurred, greyscale.
<form method="get" action="${src}" class="preview-clear"><input type="hidden" name="view" value="clear"><button type="submit" class="secondary" data-action="clear">Show clearly</button></form></figcaption>
</figure>`;
}

/** "1 of 2 confirmations", when more than one is needed. */
function confirmationsOf(m: PendingMatch, needed: number): Html | string {
  if (needed <= 1) return '';
  return html`<br><span class="confirmations">${m.confirmations} of ${needed} confirmations${m.confirmedByViewer ? ' (one is yours)' : ''}</span>`;
}

/** For a blockhash match, the PDQ distance that corroborated it (blockhash alone never matches). */
function corroboratingPdq(detail: Record<string, unknown>): Html | string {
  return typeof detail.pdqDistance === 'number' ? html` (PDQ ${detail.pdqDistance})` : '';
}

function row(req: FastifyRequest, m: PendingMatch, view: QueueView): Html {
  const formId = `m${m.id}`;
  const earlier = m.earlier.map((e) => e.state).join(', ');
  return html`<tr data-match="${m.id}">
<td><input type="checkbox" name="matchIds" value="${m.id}" form="bulk" aria-label="Select match ${m.id}"></td>
<td>${previewCell(m, view.previews)}</td>
<td>${m.score.toFixed(2)}${confirmationsOf(m, view.confirmations)}</td>
<td><span class="url">${m.pageUrl ?? '—'}</span><br><span class="url">${m.mediaUrl}</span></td>
<td>${m.host}</td>
<td>${m.signal} (${m.variant})</td>
<td>${m.distance}${corroboratingPdq(m.detail)}</td>
<td>${m.caseRef}</td>
<td>${videoShare(m.detail)}</td>
<td>${earlier}</td>
<td><form id="${formId}" method="post" action="/triage/decide">${csrfField(req)}
<input type="hidden" name="matchIds" value="${m.id}">
${reasonSelect(formId)}
${DECISIONS.map((d) => html`<button type="submit" name="decision" value="${d}" data-action="${d}">${d}</button>`)}
</form></td>
</tr>`;
}

/** What the queue shows besides the matches. */
interface QueueView {
  previews: boolean;
  confirmations: number;
}

function shortcutList(): Html {
  return html`<details class="shortcuts"><summary>Keyboard shortcuts</summary>
<dl>${SHORTCUTS.map(([key, what]) => html`<dt><kbd>${key}</kbd></dt><dd>${what}</dd>`)}</dl>
</details>`;
}

function triageBody(
  req: FastifyRequest,
  matches: PendingMatch[],
  status: Html | string,
  view: QueueView,
): Html {
  const rule =
    view.confirmations > 1
      ? html` A match is confirmed once ${view.confirmations} different analysts have confirmed it.`
      : '';
  return html`${logoutForm(req)}<h1>Triage</h1>
<p>Pending matches, strongest first. Previews are blurred and greyscale; "Show clearly" shows one
as it is, and is recorded in the audit log. Media that already has a decision is not shown again.${rule}</p>
${shortcutList()}
${status ? html`<p class="status" role="status">${status}</p>` : ''}
${
  matches.length
    ? html`<table>
<thead><tr><th>Select</th><th>Preview</th><th>Score</th><th>Page / media URL</th><th>Host</th><th>Signal</th><th>Distance</th><th>Case</th><th>Video share</th><th>Earlier decisions</th><th>Decide</th></tr></thead>
<tbody>${matches.map((m) => row(req, m, view))}</tbody>
</table>
<form id="bulk" method="post" action="/triage/decide" class="panel">${csrfField(req)}
<p>For all selected matches: ${reasonSelect('bulk')}
${DECISIONS.map((d) => html`<button type="submit" name="decision" value="${d}">${d} selected</button>`)}</p>
</form>`
    : html`<p>Nothing is waiting for a decision.</p>`
}`;
}

/** The calm line after a decision, from the redirect's codes; `needed`: confirmations per match. */
export function statusLine(query: Record<string, string | undefined>, needed: number): string {
  if (query.problem) return PROBLEMS[query.problem] ?? '';
  const verb = query.done ? STATUS[query.done] : undefined;
  if (!verb) return '';
  const num = (v: string | undefined) => Number.parseInt(v ?? '0', 10) || 0;
  const [n, skipped, waiting, again] = [
    num(query.n),
    num(query.skipped),
    num(query.waiting),
    num(query.again),
  ];
  const matches = (k: number) => `${k} ${k === 1 ? 'match' : 'matches'}`;
  const others = needed > 2 ? 'more analysts need' : 'another analyst needs';
  const parts: string[] = [];
  // "0 matches confirmed." says nothing when the line is about confirmations still waiting.
  if (n > 0 || (!waiting && !again)) parts.push(`${matches(n)} ${verb}.`);
  if (waiting) parts.push(`Your confirmation of ${matches(waiting)} is recorded; ${others} to confirm too.`);
  if (again)
    parts.push(
      `You had already confirmed ${matches(again)}; ${needed > 2 ? 'more analysts, other than you, need' : 'a different analyst needs'} to confirm.`,
    );
  if (skipped) parts.push(`${skipped} already decided, left as they were.`);
  return parts.join(' ');
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
  if (opts.preview) await previewRoutes(app, { db: opts.db, preview: opts.preview });
  const view: QueueView = { previews: opts.preview !== undefined, confirmations: opts.confirmations ?? 1 };
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/triage',
    { schema: { hide: true }, preHandler: requireUser('analyst') },
    async (req, reply) => {
      const matches = await pendingMatches(opts.db.pool, 200, req.user?.email);
      const body = triageBody(req, matches, statusLine(req.query, view.confirmations), view);
      return reply
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(page({ title: 'Triage', body, user: req.user, scripts: ['triage.js'] }));
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
          ...(counts.awaiting.length ? { waiting: String(counts.awaiting.length) } : {}),
          ...(counts.alreadyConfirmed.length ? { again: String(counts.alreadyConfirmed.length) } : {}),
        });
      } catch (err) {
        if (isHashwatchError(err) && err.status === 400) return back({ problem: 'bad' });
        throw err;
      }
    },
  );
}
