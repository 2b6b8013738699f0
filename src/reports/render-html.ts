/**
 * The HTML part of a notice email. Every value is escaped: URLs come from crawled pages and can
 * hold anything. Infringing URLs are shown as text, never as links, so nobody opens one by a stray
 * click; only our own acknowledgement link is clickable. Inline styles, because mail clients drop
 * style sheets.
 */
import { type DocSection, noticeDocument, type RenderOptions } from './notice-document.js';
import type { NoticeRecord } from './types.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Escapes text for HTML content and quoted attributes. The notice stage has its own (the same as
 * the server's templater) because the server imports this stage, never the other way round.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

const e = escapeHtml;

/** The notice as a complete HTML document for the email's HTML part. */
export function renderHtml(record: NoticeRecord, options: RenderOptions = {}): string {
  const doc = noticeDocument(record, options);
  const body = doc.sections.map((s) => section(s, options.ackUrl)).join('\n');
  return `<!doctype html>
<html lang="${e(record.language)}">
<head><meta charset="utf-8"><title>${e(doc.title)}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; line-height: 1.45; color: #111; max-width: 760px;">
<h1 style="font-size: 20px;">${e(doc.title)}</h1>
<p><strong>Reference: ${e(doc.reference)}</strong></p>
${body}
</body>
</html>
`;
}

function section(s: DocSection, ackUrl: string | undefined): string {
  const parts = [`<h2 style="font-size: 16px; border-bottom: 1px solid #ccc;">${e(s.heading)}</h2>`];
  if (s.fields?.length) parts.push(fieldTable(s.fields));
  for (const p of s.paragraphs ?? []) parts.push(`<p>${linkAck(p, ackUrl)}</p>`);
  if (s.items?.length) {
    const items = s.items.map(
      (item) =>
        `<li style="margin-bottom: 12px;"><code style="word-break: break-all;">${e(item.url)}</code>${fieldTable(item.fields)}</li>`,
    );
    parts.push(`<ol>${items.join('')}</ol>`);
  }
  if (s.list?.length) parts.push(`<ul>${s.list.map((x) => `<li>${e(x)}</li>`).join('')}</ul>`);
  return parts.join('\n');
}

function fieldTable(fields: readonly [string, string][]): string {
  const rows = fields.map(
    ([label, value]) =>
      `<tr><th style="text-align: left; padding-right: 12px; vertical-align: top; white-space: nowrap;">${e(label)}</th>` +
      `<td style="word-break: break-all;">${e(value)}</td></tr>`,
  );
  return `<table style="border-collapse: collapse; font-size: 13px;">${rows.join('')}</table>`;
}

/** Escapes a paragraph and turns the (trusted, our own) acknowledgement URL into a link. */
function linkAck(paragraph: string, ackUrl: string | undefined): string {
  if (!ackUrl || !paragraph.includes(ackUrl)) return e(paragraph);
  return paragraph
    .split(ackUrl)
    .map((part) => e(part))
    .join(`<a href="${e(ackUrl)}">${e(ackUrl)}</a>`);
}
