import type { FastifyInstance } from 'fastify';
import type { PlatformRemovalStats, RemovalFigures } from '../../reports/index.js';
import { logoutForm, requireUser } from '../accounts/index.js';
import { type Html, html, page } from '../web/html.js';
import { barChart } from './bar-chart.js';
import { formatDuration, formatRate } from './format.js';
import type { StatsOptions } from './stats.routes.js';

function cells(f: RemovalFigures): Html {
  return html`<td>${f.noticesSent}</td><td>${f.itemsNoticed}</td><td>${f.itemsRemoved}</td>
<td>${formatRate(f.removalRate)}</td><td>${formatDuration(f.medianSecondsToRemoval)}</td>
<td>${formatDuration(f.p90SecondsToRemoval)}</td><td>${f.outstandingPastDeadline}</td><td>${f.reuploads}</td>`;
}

function table(platforms: PlatformRemovalStats[], totals: RemovalFigures): Html {
  return html`<div class="table-wrap"><table>
<caption class="visually-hidden">Removal figures per platform</caption>
<thead><tr><th scope="col">Platform</th><th scope="col">Notices sent</th><th scope="col">URLs noticed</th>
<th scope="col">Removed</th><th scope="col">Removal rate</th><th scope="col">Median time to removal</th>
<th scope="col">p90</th><th scope="col">Past deadline</th><th scope="col">Re-uploads</th></tr></thead>
<tbody>${platforms.map((p) => html`<tr><th scope="row">${p.platform}</th>${cells(p)}</tr>`)}</tbody>
<tfoot><tr><th scope="row">All platforms</th>${cells(totals)}</tr></tfoot>
</table></div>`;
}

function charts(platforms: PlatformRemovalStats[]): Html {
  const noticed = platforms.filter((p) => p.itemsNoticed > 0);
  if (noticed.length === 0) return html``;
  const timed = noticed.filter((p) => p.medianSecondsToRemoval !== null);
  return html`<h2 id="chart-time">Median time to removal</h2>
${
  timed.length
    ? barChart({
        id: 'median-time',
        title: 'Median time from the first notice to removal, per platform',
        bars: timed.map((p) => ({
          label: p.platform,
          value: p.medianSecondsToRemoval,
          text: formatDuration(p.medianSecondsToRemoval),
        })),
      })
    : html`<p>No removals recorded yet.</p>`
}
<h2 id="chart-rate">Removal rate</h2>
${barChart({
  id: 'removal-rate',
  title: 'Share of noticed URLs removed, per platform',
  max: 1,
  bars: noticed.map((p) => ({
    label: p.platform,
    value: p.removalRate,
    text: `${formatRate(p.removalRate)} (${p.itemsRemoved} of ${p.itemsNoticed})`,
  })),
})}`;
}

const DEFINITIONS = html`<details class="panel"><summary>How these figures are counted</summary>
<ul>
<li>A notice counts once it has been sent (or submitted through the platform’s form), at any round.</li>
<li>A URL is removed when a recheck after the deadline found it gone, or no longer this content.</li>
<li>Time to removal runs from the first notice that named the URL to the recheck that found it gone.
Rechecks run once the deadline has passed, so no time is shorter than the wait for that recheck.</li>
<li>Past deadline: not removed, still asked for (not withdrawn), and the first notice’s deadline has passed.</li>
<li>Re-upload: a URL named in a re-upload notice: the same file, or a copy of the same registered file,
of the same case, found again after an earlier URL with it was removed. It counts for the platform
that notice went to.</li>
</ul></details>`;

/** Beside the times: a removal is seen only at a recheck after the deadline, so times have a floor. */
function timesNote(timing: StatsOptions['timing']): Html {
  const when = timing
    ? html`a recheck, which runs every ${formatDuration(timing.recheckEveryMs / 1000)} once a notice’s
deadline (${formatDuration(timing.deadlineHours * 3600)} or more) has passed. No time is shorter than the
deadline, and each can be up to ${formatDuration(timing.recheckEveryMs / 1000)} longer than the removal itself.`
    : html`a recheck after the notice’s deadline, so no time is shorter than the deadline.`;
  return html`<p class="hint" id="times-note">Times to removal: a removal is seen at ${when}</p>`;
}

/** `GET /stats`: the removal statistics as a table and two bar charts. Analysts and admins. */
export async function statsPage(app: FastifyInstance, opts: StatsOptions): Promise<void> {
  app.get('/stats', { schema: { hide: true }, preHandler: requireUser('analyst') }, async (req, reply) => {
    const stats = await opts.removalStats();
    const body = html`${logoutForm(req)}<h1>Removal statistics</h1>
<p>What happened to the URLs named in takedown notices, per platform, as of
${stats.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.
<a href="/api/v1/stats">As JSON</a> · <a href="/platforms">Platform directory</a></p>
${
  stats.totals.noticesSent === 0 && stats.platforms.every((p) => p.reuploads === 0)
    ? html`<p>No notices have been sent yet. Figures appear after the first weekly batch.</p>`
    : ''
}
${timesNote(opts.timing)}
${table(stats.platforms, stats.totals)}
${charts(stats.platforms)}
${DEFINITIONS}`;
    return reply
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(page({ title: 'Removal statistics', body, user: req.user }));
  });
}
