import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { ReportService } from '../../crawler/index.js';
import { isHashwatchError } from '../../errors.js';
import { html, page } from './html.js';

const form = (values: { url?: string; note?: string }, error?: string) => html`
<h1>Report a page</h1>
<p class="lead">If you have seen an image or video of yourself, or of someone you support, on a website, you can tell us where.
We check the page and everything on it against the fingerprints people have registered. Nothing is sent to the site until a trained analyst has looked.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/report" class="panel">
  <label for="url">Address of the page</label>
  <input type="url" id="url" name="url" required maxlength="8192" placeholder="https://" value="${values.url ?? ''}" autocomplete="off">
  <label for="note">Anything that would help (optional)</label>
  <textarea id="note" name="note" rows="3" maxlength="2000">${values.note ?? ''}</textarea>
  <p><button type="submit">Send the address</button></p>
</form>
<p>You do not need to describe or upload anything. To register fingerprints of your own files, see <a href="/register">Register</a>.</p>`;

/** `/report`: a plain HTML form (works without JavaScript) that files a report of a URL. */
export async function reportPage(
  app: FastifyInstance,
  opts: { reports: ReportService; maxDepth: number; perHour: number },
): Promise<void> {
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(rateLimit, { global: false });
  app.get('/report', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(page({ title: 'Report a page', body: form({}) })),
  );
  const limit = { rateLimit: { max: opts.perHour, timeWindow: 3_600_000 } };
  app.post<{ Body: { url?: string; note?: string } }>(
    '/report',
    { schema: { hide: true }, config: limit },
    async (req, reply) => {
      const url = String(req.body?.url ?? '').trim();
      const note = String(req.body?.note ?? '')
        .trim()
        .slice(0, 2000);
      reply.type('text/html; charset=utf-8');
      try {
        const created = await opts.reports.create({
          url,
          note: note || null,
          depth: Math.min(1, opts.maxDepth),
          source: 'web',
        });
        return reply.send(
          page({
            title: 'Thank you',
            body: html`<h1>Thank you</h1>
<p class="notice" role="status">The address was received${created.duplicateOf ? ' — it was checked recently, and your report was added to that check' : ''}. There is nothing more you need to do.</p>
<p>Your report number is <strong>${created.report.id}</strong>. <a href="/report">Report another page</a>.</p>`,
          }),
        );
      } catch (err) {
        if (!isHashwatchError(err) || err.status >= 500) throw err;
        return reply
          .status(err.status)
          .send(page({ title: 'Report a page', body: form({ url, note }, err.message) }));
      }
    },
  );
}
