/**
 * A horizontal bar chart as inline SVG, rendered on the server: no script (the CSP forbids inline
 * script and none is needed) and no inline style (presentation attributes only, which the CSP
 * allows). Labels are escaped by `html`; long names are shortened.
 */
import { type Html, html } from '../web/html.js';

/** One bar: its label, its value (null: nothing to draw) and the text shown after it. */
export interface Bar {
  label: string;
  value: number | null;
  text: string;
}

const WIDTH = 640;
const LABEL_W = 190;
const BAR_W = 330;
const ROW_H = 30;
const PAD = 8;

function shorten(label: string, max = 26): string {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

/**
 * Bars scaled to the largest value (or `max`); `id` must be unique on the page (it ties the chart
 * to its accessible title). The chart is an image for screen readers, described by the table
 * beside it on the page.
 */
export function barChart(opts: { id: string; title: string; bars: Bar[]; max?: number }): Html {
  const values = opts.bars.map((b) => b.value ?? 0);
  const max = opts.max ?? Math.max(0, ...values);
  const height = PAD * 2 + Math.max(1, opts.bars.length) * ROW_H;
  const rows = opts.bars.map((b, i) => {
    const y = PAD + i * ROW_H;
    const w = b.value !== null && max > 0 ? Math.max(1, Math.round((b.value / max) * BAR_W)) : 0;
    return html`<g>
<text x="${LABEL_W - 8}" y="${y + 19}" text-anchor="end" font-size="14" fill="#1d2330">${shorten(b.label)}</text>
${w > 0 ? html`<rect x="${LABEL_W}" y="${y + 5}" width="${w}" height="${ROW_H - 10}" rx="3" fill="#245c7a"></rect>` : ''}
<text x="${LABEL_W + w + 6}" y="${y + 19}" font-size="13" fill="#566070">${b.text}</text>
</g>`;
  });
  return html`<svg class="chart" id="${opts.id}" role="img" aria-labelledby="${opts.id}-title" viewBox="0 0 ${WIDTH} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">
<title id="${opts.id}-title">${opts.title}</title>
<line x1="${LABEL_W}" y1="${PAD}" x2="${LABEL_W}" y2="${height - PAD}" stroke="#d9d6cf"></line>
${rows}
</svg>`;
}
