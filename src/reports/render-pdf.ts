/**
 * The PDF attachment, drawn with pdfkit entirely in memory (no temporary files). Uses the PDF
 * standard fonts, so nothing is loaded from disk besides pdfkit's own metrics, and streams are left
 * uncompressed: the file stays small (text only) and its text can be checked byte for byte.
 */
import PDFDocument from 'pdfkit';
import { type DocSection, noticeDocument, type RenderOptions } from './notice-document.js';
import type { NoticeRecord } from './types.js';

const MARGIN = 56;
const SANS = 'Helvetica';
const SANS_BOLD = 'Helvetica-Bold';
const MONO = 'Courier';

/** Renders the notice to PDF bytes. Same content as the text and HTML renderings. */
export function renderPdf(record: NoticeRecord, options: RenderOptions = {}): Promise<Buffer> {
  const doc = noticeDocument(record, options);
  const created = new Date(record.sentAt ?? record.createdAt);
  const pdf = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    compress: false,
    // Fixed metadata, so the same record gives the same document.
    info: {
      Title: `${doc.title} (${doc.reference})`,
      Author: record.sender.organisation,
      Subject: doc.reference,
      CreationDate: created,
      ModDate: created,
    },
  });
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    pdf.on('data', (c: Buffer) => chunks.push(c));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  pdf.font(SANS_BOLD).fontSize(15).text(winAnsi(doc.title));
  pdf
    .font(SANS_BOLD)
    .fontSize(11)
    .text(`Reference: ${winAnsi(doc.reference)}`)
    .moveDown(0.5);
  for (const s of doc.sections) drawSection(pdf, s);
  pdf.end();
  return done;
}

function drawSection(pdf: PDFKit.PDFDocument, s: DocSection): void {
  pdf.moveDown(0.6).font(SANS_BOLD).fontSize(12).text(winAnsi(s.heading)).moveDown(0.2);
  for (const [label, value] of s.fields ?? []) drawField(pdf, label, value, 10);
  for (const p of s.paragraphs ?? []) pdf.font(SANS).fontSize(10).text(winAnsi(p)).moveDown(0.3);
  for (const [i, item] of (s.items ?? []).entries()) {
    pdf
      .font(SANS_BOLD)
      .fontSize(10)
      .text(`${i + 1}. `, { continued: true });
    // Courier for URLs: every character is distinct (l/1, O/0) for whoever has to type one.
    pdf.font(MONO).fontSize(9).text(winAnsi(item.url));
    for (const [label, value] of item.fields) drawField(pdf, label, value, 9);
    pdf.moveDown(0.4);
  }
  for (const entry of s.list ?? [])
    pdf
      .font(SANS)
      .fontSize(10)
      .text(`- ${winAnsi(entry)}`)
      .moveDown(0.2);
}

function drawField(pdf: PDFKit.PDFDocument, label: string, value: string, size: number): void {
  pdf
    .font(SANS_BOLD)
    .fontSize(size)
    .text(`${winAnsi(label)}: `, { continued: true });
  pdf.font(SANS).fontSize(size).text(winAnsi(value));
}

/** Characters the standard fonts can show besides Latin-1 (the WinAnsi extras). */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/**
 * The standard fonts only encode WinAnsi (plus line breaks); anything else would print as garbage, so it becomes "?".
 * URLs are percent-encoded by the crawler, so only free text (names, addresses) is affected.
 */
export function winAnsi(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out +=
      code === 0x0a ||
      (code >= 0x20 && code <= 0x7e) ||
      (code >= 0xa0 && code <= 0xff) ||
      WIN_ANSI_EXTRA.has(ch)
        ? ch
        : '?';
  }
  return out;
}
