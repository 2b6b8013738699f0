import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Db } from '../../db/index.js';
import { isHashwatchError } from '../../errors.js';
import {
  getPlatform,
  type HostNeedingContact,
  hostsNeedingContact,
  insertPlatform,
  JURISDICTIONS,
  listPlatforms,
  type Platform,
  type PlatformInput,
  upsertPlatform,
} from '../../reports/index.js';
import { csrfField, logoutForm, requireCsrf, requireUser } from '../accounts/index.js';
import { appendAudit } from '../audit/index.js';
import { type Html, html, page } from '../web/html.js';
import {
  checkPlatformForm,
  emptyValues,
  type FormProblem,
  type PlatformFormValues,
  readForm,
  valuesOf,
} from './platform-form.js';

/** What the platform directory page needs. */
export interface PlatformsPageOptions {
  db: Db;
}

// Fixed status lines: the redirect carries a code, never text, so nothing is reflected.
const DONE: Record<string, string> = {
  created: 'The platform was added. Matches on its hosts go into the next notice batch.',
  saved: 'The changes were saved.',
};

const dash = (v: string | null | undefined) => (v ? v : '—');
const FORMAT = { email: 'Email', webform: 'Web form' } as const;

function platformCard(p: Platform, admin: boolean): Html {
  const hosting = p.escalation ? [p.escalation.name, p.escalation.email].filter(Boolean).join(', ') : null;
  return html`<section class="panel" aria-labelledby="platform-${p.id}">
<h3 id="platform-${p.id}">${p.name}</h3>
<dl class="facts">
<dt>Host patterns</dt><dd>${p.hostPatterns.length ? p.hostPatterns.join(', ') : '—'}</dd>
<dt>Abuse email</dt><dd>${dash(p.abuseEmail)}</dd>
<dt>Web form</dt><dd>${dash(p.webformUrl)}</dd>
<dt>Trusted-flagger channel</dt><dd>${dash(p.trustedFlaggerChannel)}</dd>
<dt>Jurisdictions</dt><dd>${p.jurisdictions.length ? p.jurisdictions.join(', ') : '—'}</dd>
<dt>Notice language</dt><dd>${p.language}</dd>
<dt>Notices sent by</dt><dd>${FORMAT[p.preferredFormat]}</dd>
<dt>Hosting provider (escalation)</dt><dd>${dash(hosting)}</dd>
</dl>
${admin ? html`<p><a href="/platforms/${p.id}/edit">Edit ${p.name}</a></p>` : ''}
</section>`;
}

function needsContact(req: FastifyRequest, hosts: HostNeedingContact[]): Html {
  return html`<h2 id="needs-contact">Needs contact</h2>
<p>Hosts of confirmed or pending matches that no platform covers. Their matches cannot be put in a
notice until a platform (or a host pattern of one) covers them.</p>
${
  hosts.length === 0
    ? html`<p>Every host with matches is covered.</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Host</th><th scope="col">Matches</th><th scope="col">Pending triage</th><th scope="col">URLs</th><th scope="col">Add a platform for this host</th></tr></thead>
<tbody>${hosts.map(
        (
          h,
          i,
        ) => html`<tr><th scope="row">${h.host}</th><td>${h.matches}</td><td>${h.pending}</td><td>${h.media}</td>
<td><form method="post" action="/platforms" class="quick-add">${csrfField(req)}
<input type="hidden" name="hosts" value="${h.host}">
<label for="quick-name-${i}">Name</label><input id="quick-name-${i}" name="name" type="text" required maxlength="200" value="${h.host}">
<label for="quick-email-${i}">Abuse email</label><input id="quick-email-${i}" name="abuseEmail" type="email">
<label for="quick-form-${i}">or web-form address</label><input id="quick-form-${i}" name="webformUrl" type="url">
<p><button type="submit">Add platform</button> <a href="/platforms/new?host=${encodeURIComponent(h.host)}">More fields…</a></p>
</form></td></tr>`,
      )}</tbody></table></div>`
}`;
}

function field(
  name: keyof PlatformFormValues,
  label: string,
  input: Html,
  problems: FormProblem[],
  hint?: string,
): Html {
  const problem = problems.find((p) => p.field === name);
  return html`<label for="f-${name}">${label}</label>
${hint ? html`<p class="hint" id="f-${name}-hint">${hint}</p>` : ''}
${problem ? html`<p class="error" id="f-${name}-error">${problem.message}</p>` : ''}
${input}`;
}

function described(name: string, problems: FormProblem[], hint: boolean): Html {
  const ids = [hint ? `f-${name}-hint` : '', problems.some((p) => p.field === name) ? `f-${name}-error` : '']
    .filter(Boolean)
    .join(' ');
  const invalid = problems.some((p) => p.field === name);
  return html`${ids ? html` aria-describedby="${ids}"` : ''}${invalid ? html` aria-invalid="true"` : ''}`;
}

function platformForm(
  req: FastifyRequest,
  o: { action: string; values: PlatformFormValues; problems: FormProblem[]; existing?: Platform },
): Html {
  const v = o.values;
  const pr = o.problems;
  const textInput = (name: keyof PlatformFormValues, type = 'text', hint = false) =>
    html`<input id="f-${name}" name="${name}" type="${type}" value="${String(v[name])}"${described(name, pr, hint)}>`;
  const formProblem = pr.find((p) => p.field === 'form');
  return html`${
    pr.length
      ? html`<div class="error" role="alert"><p>Please check the form: ${pr.length === 1 ? 'one field needs' : `${pr.length} fields need`} a change.</p>
${formProblem ? html`<p>${formProblem.message}</p>` : ''}</div>`
      : ''
  }
<form method="post" action="${o.action}" class="panel" novalidate>${csrfField(req)}
${
  o.existing
    ? html`<p><strong>Name:</strong> ${o.existing.name} <span class="hint">(the name identifies the platform and cannot be changed here)</span></p>
<input type="hidden" name="name" value="${o.existing.name}">`
    : field('name', 'Name', textInput('name'), pr)
}
${field(
  'hosts',
  'Host patterns',
  html`<textarea id="f-hosts" name="hosts" rows="4"${described('hosts', pr, true)}>${v.hosts}</textarea>`,
  pr,
  'One per line: a host such as tube.example, or *.cdn.tube.example for every subdomain of cdn.tube.example.',
)}
${field('abuseEmail', 'Abuse email', textInput('abuseEmail', 'email'), pr)}
${field('webformUrl', 'Web-form address', textInput('webformUrl', 'url'), pr)}
${field('trustedFlaggerChannel', 'Trusted-flagger channel', textInput('trustedFlaggerChannel'), pr)}
<fieldset${described('jurisdictions', pr, false)}><legend>Jurisdictions</legend>
${pr.some((p) => p.field === 'jurisdictions') ? html`<p class="error" id="f-jurisdictions-error">${pr.find((p) => p.field === 'jurisdictions')?.message}</p>` : ''}
${JURISDICTIONS.map(
  (j) =>
    html`<label class="choice"><input type="checkbox" name="jurisdictions" value="${j}"${v.jurisdictions.includes(j) ? html` checked` : ''}> ${j}</label>`,
)}
</fieldset>
<p><strong>Notice language:</strong> English (the only language notices exist in so far)</p>
${field(
  'preferredFormat',
  'Send notices by',
  html`<select id="f-preferredFormat" name="preferredFormat"${described('preferredFormat', pr, false)}>
<option value=""${v.preferredFormat === '' ? html` selected` : ''}>Email if an abuse email is given, else the web form</option>
<option value="email"${v.preferredFormat === 'email' ? html` selected` : ''}>Email</option>
<option value="webform"${v.preferredFormat === 'webform' ? html` selected` : ''}>Web form (text to paste)</option>
</select>`,
  pr,
)}
${field('hostingName', 'Hosting provider (escalation contact): name', textInput('hostingName'), pr)}
${field('hostingEmail', 'Hosting provider: email', textInput('hostingEmail', 'email'), pr)}
<p><button type="submit">${o.existing ? 'Save changes' : 'Add platform'}</button> <a href="/platforms">Cancel</a></p>
</form>`;
}

function sendPage(reply: FastifyReply, req: FastifyRequest, title: string, body: Html, status = 200) {
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(page({ title, body, user: req.user }));
}

/** The fields an edit changed, by name only (the audit log keeps no contact details). */
export function changedFields(before: Platform | undefined, after: PlatformInput): string[] {
  if (!before) return [];
  // The store lists host patterns sorted, the form in the order typed: compare them as sets.
  const sorted = (patterns: readonly string[]) => [...patterns].sort();
  const b: Record<string, unknown> = { ...before, id: undefined, hostPatterns: sorted(before.hostPatterns) };
  const a: Record<string, unknown> = { ...after, id: undefined, hostPatterns: sorted(after.hostPatterns) };
  return Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/**
 * `/platforms`: the platform directory for analysts (read) and admins (add, edit, and the "needs
 * contact" list of uncovered hosts with a quick "add a platform" form). Edits are CSRF-checked and
 * written to the audit log as `platform.edit` in the same transaction.
 */
export async function platformsPage(app: FastifyInstance, opts: PlatformsPageOptions): Promise<void> {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded'))
    await app.register(formbody, { bodyLimit: 64 * 1024 });
  const pool = opts.db.pool;
  const admin = { schema: { hide: true }, preHandler: requireUser('admin') };
  const adminPost = { schema: { hide: true }, preHandler: [requireUser('admin'), requireCsrf] };

  app.get<{ Querystring: { done?: string } }>(
    '/platforms',
    { schema: { hide: true }, preHandler: requireUser('analyst') },
    async (req, reply) => {
      const isAdmin = req.user?.role === 'admin';
      const platforms = await listPlatforms(pool);
      const done = DONE[req.query.done ?? ''];
      const body = html`${logoutForm(req)}<h1>Platforms</h1>
<p>Where takedown notices go: each platform’s hosts, contacts and the laws it answers to.
<a href="/stats">Removal statistics</a></p>
${done ? html`<p class="notice" role="status">${done}</p>` : ''}
${isAdmin ? html`<p><a href="/platforms/new">Add a platform</a></p>` : ''}
${platforms.length ? platforms.map((p) => platformCard(p, isAdmin)) : html`<p>The directory is empty.</p>`}
${isAdmin ? needsContact(req, await hostsNeedingContact(pool, { includePending: true })) : ''}`;
      return sendPage(reply, req, 'Platforms', body);
    },
  );

  app.get<{ Querystring: { host?: string } }>('/platforms/new', admin, async (req, reply) => {
    const host = typeof req.query.host === 'string' ? req.query.host.slice(0, 253) : '';
    const values = { ...emptyValues(host), name: host };
    const body = html`<h1>Add a platform</h1>${platformForm(req, { action: '/platforms', values, problems: [] })}`;
    return sendPage(reply, req, 'Add a platform', body);
  });

  const load = async (id: string) =>
    /^[1-9][0-9]{0,15}$/.test(id) ? getPlatform(pool, Number(id)) : undefined;
  const notFound = (req: FastifyRequest, reply: FastifyReply) =>
    sendPage(
      reply,
      req,
      'Platform',
      html`<h1>Platform</h1><p>No such platform. <a href="/platforms">All platforms</a></p>`,
      404,
    );

  app.get<{ Params: { id: string } }>('/platforms/:id/edit', admin, async (req, reply) => {
    const existing = await load(req.params.id);
    if (!existing) return notFound(req, reply);
    const body = html`<h1>Edit ${existing.name}</h1>
${platformForm(req, { action: `/platforms/${existing.id}`, values: valuesOf(existing), problems: [], existing })}`;
    return sendPage(reply, req, `Edit ${existing.name}`, body);
  });

  /** Saves a checked form (create or edit); problems re-render the form with what was typed. */
  const save = async (
    req: FastifyRequest<{ Body: Record<string, unknown> | undefined }>,
    reply: FastifyReply,
    existing: Platform | undefined,
  ) => {
    const values = readForm(req.body);
    if (existing) values.name = existing.name;
    const action = existing ? `/platforms/${existing.id}` : '/platforms';
    const title = existing ? `Edit ${existing.name}` : 'Add a platform';
    const again = (problems: FormProblem[]) =>
      sendPage(
        reply,
        req,
        title,
        html`<h1>${title}</h1>${platformForm(req, { action, values, problems, existing })}`,
        400,
      );
    const checked = checkPlatformForm(values);
    if (!checked.ok) return again(checked.problems);
    const input = checked.input;
    const audit = (client: pg.PoolClient, platformId: number) =>
      appendAudit(client, {
        actor: req.user?.email ?? 'unknown',
        action: 'platform.edit',
        subject: `platform:${platformId}`,
        detail: {
          name: input.name,
          created: !existing,
          hostPatterns: input.hostPatterns,
          changed: changedFields(existing, input),
        },
      });
    try {
      // Adding never overwrites: the insert does nothing when the name is taken (even by a platform
      // added a moment ago by someone else), and the form says so.
      const id = existing
        ? await upsertPlatform(pool, input, audit)
        : (
            await insertPlatform(pool, input, {
              onTaken: 'refuse',
              alsoInTransaction: (client, inserted) => audit(client, inserted.id),
            })
          )?.id;
      if (id === undefined)
        return again([
          { field: 'name', message: `A platform named “${input.name}” already exists; edit it instead.` },
        ]);
      req.log.info({ platformId: id, created: !existing }, 'platform saved');
      return reply.redirect(`/platforms?done=${existing ? 'saved' : 'created'}#platform-${id}`, 303);
    } catch (err) {
      if (isHashwatchError(err) && err.code === 'PLATFORM_HOST_TAKEN')
        return again([{ field: 'hosts', message: err.message }]);
      throw err;
    }
  };

  app.post<{ Body: Record<string, unknown> | undefined }>('/platforms', adminPost, (req, reply) =>
    save(req, reply, undefined),
  );
  app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>(
    '/platforms/:id',
    adminPost,
    async (req, reply) => {
      const existing = await load(req.params.id);
      if (!existing) return notFound(req, reply);
      return save(req, reply, existing);
    },
  );
}
