/**
 * Plain-text renderings of a notice: the email's text part, and the ready-to-paste text for
 * platforms that take notices only through a web form.
 */
import { formatUtc, noticeDocument, noticeSubject, type RenderOptions } from './notice-document.js';
import type { NoticeRecord } from './types.js';

/** The notice as plain text (the email's text part; same content as the HTML and the PDF). */
export function renderText(record: NoticeRecord, options: RenderOptions = {}): string {
  const doc = noticeDocument(record, options);
  const out: string[] = [doc.title.toUpperCase(), `Reference: ${doc.reference}`, ''];
  for (const s of doc.sections) {
    out.push(s.heading.toUpperCase(), '-'.repeat(s.heading.length));
    for (const [label, value] of s.fields ?? []) out.push(`${label}: ${value}`);
    if (s.fields?.length) out.push('');
    for (const p of s.paragraphs ?? []) out.push(p, '');
    for (const [i, item] of (s.items ?? []).entries()) {
      out.push(`${i + 1}. ${item.url}`);
      for (const [label, value] of item.fields) out.push(`   ${label}: ${value}`);
      out.push('');
    }
    for (const entry of s.list ?? []) out.push(`- ${entry}`);
    if (s.list?.length) out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/**
 * A compact text for a platform's web form: forms take a URL list and a free-text reason, often
 * with a length limit, so the URLs come first, one per line, then the reason and the statements.
 */
export function renderWebformText(record: NoticeRecord): string {
  const r = record;
  const lines = [
    `Subject: ${noticeSubject(r)}`,
    '',
    'URLs (one per line):',
    ...r.items.map((i) => i.url),
    '',
    'Reason:',
    r.explanation,
    '',
    'Legal basis:',
    ...r.legalBases.map((b) => `- ${b.title}`),
    '',
    `Requested: removal within ${r.deadline.hours} hours; removal of identical copies; blocking re-uploads by hash.`,
    '',
    'Hash evidence:',
    ...r.items.map(
      (i) =>
        `- ${i.url}: MD5 ${i.evidence.md5}${i.evidence.pdq ? `, PDQ ${i.evidence.pdq}` : ''} ` +
        `(first seen ${formatUtc(i.firstSeenAt)}, verified ${formatUtc(i.lastVerifiedAt)})`,
    ),
    '',
    ...r.goodFaith,
    '',
    `${r.signature.text}`,
    `Contact: ${r.sender.organisation}, ${r.sender.address.replaceAll('\n', ', ')}, ${r.sender.email}`,
    `Case reference(s): ${r.caseRefs.join(', ')} · Notice reference: ${r.reference}`,
  ];
  return `${lines.join('\n')}\n`;
}
