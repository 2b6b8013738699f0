import { describe, expect, it } from 'vitest';
import { markSent } from './notice-builder.js';
import { noticeSubject } from './notice-document.js';
import { exampleCandidate, exampleNotice } from './notice-examples.js';
import { renderHtml } from './render-html.js';
import { renderJson, toLumen } from './render-json.js';
import { renderPdf, winAnsi } from './render-pdf.js';
import { renderText, renderWebformText } from './render-text.js';

/**
 * The text of an uncompressed pdfkit document: the hex strings of every text-showing operator,
 * decoded and joined, so that a URL wrapped over two lines reads as one string again.
 */
function pdfText(pdf: Buffer): string {
  const content = pdf.toString('latin1');
  let out = '';
  for (const op of content.matchAll(/\[([^\]]*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g)) {
    const hexes =
      op[1] !== undefined ? [...op[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((m) => m[1] ?? '') : [op[2] ?? ''];
    for (const hex of hexes) out += Buffer.from(hex, 'hex').toString('latin1');
  }
  return out;
}

const HOSTILE = 'https://tube.example/v/"><script>alert(1)</script>?a=1&b=<img src=x onerror=alert(2)>';
const sent = markSent(
  exampleNotice({
    candidates: [exampleCandidate(), exampleCandidate({ matchId: 2, mediaId: 2, url: HOSTILE })],
  }),
  new Date('2026-11-02T06:05:00Z'),
);
const ack = 'https://hashwatch.helpline.example/n/abcDEF123_-abcDEF123_-abcDEF123_-abcDEF123_-';

describe('renderings of one record', () => {
  it('all carry the reference, every URL, the sender, the signature and the case reference', async () => {
    const pdf = pdfText(await renderPdf(sent, { ackUrl: ack }));
    const renderings = {
      text: renderText(sent, { ackUrl: ack }),
      webform: renderWebformText(sent),
      json: renderJson(sent),
      pdf,
    };
    for (const [name, out] of Object.entries(renderings)) {
      for (const needle of [
        sent.reference,
        HOSTILE,
        exampleCandidate().url,
        'notices@helpline.example',
        'HW-7Q2K-9M4X',
      ]) {
        // JSON escapes quotes: look for the needle as JSON writes it.
        const expected = name === 'json' ? JSON.stringify(needle).slice(1, -1) : needle;
        expect(out, `${name} lacks ${needle}`).toContain(expected);
      }
    }
    for (const out of [renderings.text, renderings.pdf]) {
      expect(out).toContain('/s/ Alex Example');
      expect(out).toContain(ack);
      expect(out).toContain('2026-11-04 06:05 UTC');
      expect(out).toContain('d41d8cd98f00b204e9800998ecf8427e');
    }
  });

  it('escapes hostile URLs in HTML and links only the acknowledgement page', () => {
    const out = renderHtml(sent, { ackUrl: ack });
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).toContain(
      '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;?a=1&amp;b=&lt;img src=x onerror=alert(2)&gt;',
    );
    expect([...out.matchAll(/<a /g)]).toHaveLength(1);
    expect(out).toContain(`<a href="${ack}">`);
    expect(out).toContain(sent.reference);
  });

  it('leaves the acknowledgement link out of stored or exported renderings unless given', () => {
    expect(renderText(sent)).not.toContain('/n/');
    expect(renderHtml(sent)).not.toContain('<a ');
    expect(renderWebformText(sent)).not.toContain('/n/');
  });

  it('marks a follow-up as such in the subject and the text', () => {
    const second = exampleNotice({ level: 2 });
    expect(noticeSubject(second)).toMatch(/^\[HWN-2026-000123\] SECOND NOTICE/);
    expect(renderText(second)).toMatch(/follow-up notice/);
    expect(noticeSubject(exampleNotice())).not.toMatch(/NOTICE/);
  });
});

describe('JSON and Lumen', () => {
  it('the JSON attachment is the record itself', () => {
    const parsed = JSON.parse(renderJson(sent));
    expect(parsed.reference).toBe(sent.reference);
    expect(parsed.items).toHaveLength(2);
    expect(parsed).toMatchObject({ format: 'hashwatch-notice', version: 1 });
  });

  it('exports to Lumen with the case reference as principal and the URLs as infringing URLs', () => {
    const lumen = toLumen(sent, 'Yes').notice;
    expect(lumen.type).toBe('Other');
    expect(lumen.date_sent).toBe('2026-11-02');
    expect(lumen.action_taken).toBe('Yes');
    expect(lumen.works_attributes[0]?.infringing_urls_attributes.map((u) => u.url).sort()).toEqual(
      [HOSTILE, exampleCandidate().url].sort(),
    );
    const roles = Object.fromEntries(
      lumen.entity_notice_roles_attributes.map((r) => [r.name, r.entity_attributes.name]),
    );
    expect(roles).toEqual({
      sender: 'Helpline Example e.V.',
      principal: 'HW-7Q2K-9M4X',
      recipient: 'Tube Example',
    });
    // Lumen is public: no hashes and no sender email in the export.
    expect(JSON.stringify(lumen)).not.toContain('d41d8cd98f00b204e9800998ecf8427e');
    expect(toLumen(exampleNotice({ settings: { dmca: true } })).notice.type).toBe('DMCA');
  });
});

describe('PDF', () => {
  it('is a PDF, and the same record gives the same bytes', async () => {
    const a = await renderPdf(sent);
    const b = await renderPdf(sent);
    expect(a.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(a.equals(b)).toBe(true);
  });

  it('replaces characters the standard fonts cannot show', () => {
    expect(winAnsi('Müller – “ok” 日本\n✓')).toBe('Müller – “ok” ??\n?');
  });
});
