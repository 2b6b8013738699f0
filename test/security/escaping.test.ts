import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAckToken } from '../../src/reports/ack-token.js';
import { exampleNotice } from '../../src/reports/notice-examples.js';
import { listRoutes, type SecurityApp, startSecurityApp } from './security-app.js';

/** What a hostile page can put in a URL, a host name, an error text or a platform's form address. */
const SCRIPT = '"><script>alert(1)</script>';
const IMG = "'><img src=x onerror=alert(2)>";
const JS_URL = 'javascript:alert(3)';

/** Decodes the HTML character references a browser would decode in an attribute value. */
function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#([0-9]+);?/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&(colon|tab|newline|amp|quot|apos|lt|gt);/gi, (_, n: string) => {
      const named: Record<string, string> = {
        colon: ':',
        tab: '\t',
        newline: '\n',
        amp: '&',
        quot: '"',
        apos: "'",
        lt: '<',
        gt: '>',
      };
      return named[n.toLowerCase()] ?? '';
    });
}

/** Every problem a page has with the payloads: markup that was not escaped, a clickable script URL. */
function problemsOf(body: string): string[] {
  const problems: string[] = [];
  if (body.includes('<script>alert(1)')) problems.push('unescaped <script>');
  if (/<img src=x onerror/i.test(body)) problems.push('unescaped <img onerror>');
  if (/<[^>]*\sonerror\s*=/i.test(body)) problems.push('an onerror attribute');
  for (const m of body.matchAll(
    /\s(href|src|action|formaction|srcset|poster|data)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi,
  )) {
    const value = decodeEntities(m[3] ?? m[4] ?? m[5] ?? '')
      // Browsers ignore control characters and spaces inside a URL's scheme.
      .split('')
      .filter((c) => c.charCodeAt(0) > 0x20)
      .join('')
      .toLowerCase();
    if (/^(javascript|vbscript|data):/.test(value)) problems.push(`${m[1]}="${value.slice(0, 60)}"`);
  }
  return problems;
}

describe('pages escape everything that comes from crawled sites', () => {
  let s: SecurityApp;
  let ackToken = '';
  let noticeId = 0;
  let matchId = 0;

  beforeAll(async () => {
    s = await startSecurityApp();
    const q = (sql: string, params: unknown[] = []) => s.db.pool.query(sql, params);
    const caseId = (await q('SELECT id FROM cases WHERE ref = $1', [s.caseA.ref])).rows[0].id;
    const itemId = (await q('SELECT id FROM registered_items WHERE case_id = $1 LIMIT 1', [caseId])).rows[0]
      .id;
    const report = (
      await q(
        `INSERT INTO reports (url, normalized_url, note, source, status, failure_code, failure_reason)
         VALUES ($1, $1, $2, 'web', 'failed', 'PAGE_FAILED', $3) RETURNING id`,
        [`https://evil.example/${SCRIPT}`, IMG, `The page said ${SCRIPT}`],
      )
    ).rows[0].id;
    const page = (
      await q(
        `INSERT INTO pages (report_id, url, normalized_url, depth, status, failure_reason)
         VALUES ($1, $2, $2, 0, 'done', $3) RETURNING id`,
        [report, JS_URL, IMG],
      )
    ).rows[0].id;
    const medias: number[] = [];
    for (const [url, host] of [
      [`https://evil.example/a.jpg?x=${SCRIPT}`, `${SCRIPT}.example`],
      [JS_URL, 'evil.example'],
      [`https://evil.example/b.jpg#${IMG}`, 'evil.example'],
    ] as const) {
      const media = (
        await q(
          `INSERT INTO media (url, normalized_url, host, status, failure_reason)
           VALUES ($1, $1, $2, 'hashed', $3) RETURNING id`,
          [url, host, SCRIPT],
        )
      ).rows[0].id;
      medias.push(Number(media));
      await q("INSERT INTO page_media (page_id, media_id, via) VALUES ($1, $2, 'img')", [page, media]);
      const m = await q(
        `INSERT INTO matches (media_id, case_id, item_id, signal, distance, score, variant, detail)
         VALUES ($1, $2, $3, 'pdq', 10, 0.9, 'original', $4) RETURNING id`,
        [media, caseId, itemId, { note: SCRIPT }],
      );
      matchId = Number(m.rows[0].id);
    }
    const platform = (
      await q(
        `INSERT INTO platforms (name, abuse_email, webform_url, jurisdictions, preferred_format, escalation_name)
         VALUES ($1, $2, $3, '{US}', 'webform', $4) RETURNING id`,
        [`Tube ${SCRIPT}`, 'abuse@evil.example', JS_URL, IMG],
      )
    ).rows[0].id;
    await q('INSERT INTO platform_hosts (pattern, platform_id) VALUES ($1, $2)', ['evil.example', platform]);
    const body = exampleNotice();
    body.items = body.items.map((item, i) => ({
      ...item,
      url: [JS_URL, `https://evil.example/${SCRIPT}`, `https://evil.example/${IMG}`][i % 3] ?? JS_URL,
      mediaId: medias[i % medias.length] ?? 0,
    }));
    const ack = generateAckToken();
    ackToken = ack.token;
    noticeId = (
      await q(
        `INSERT INTO notices (ref, platform_id, level, status, body, deadline_hours, ack_token_hash, export_text, sent_at)
         VALUES ($1, $2, 1, 'export', $3, 48, $4, $5, now()) RETURNING id`,
        [body.reference, platform, body, ack.hash, `Paste this: ${SCRIPT} ${JS_URL}`],
      )
    ).rows[0].id;
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  });

  it('shows crawled URLs, hosts, errors and platform fields as text on every staff and public page', async () => {
    const concrete: Record<string, string> = {
      '/notices/:id': `/notices/${noticeId}`,
      '/n/:token': `/n/${ackToken}`,
      '/platforms/:id/edit': '/platforms/1/edit',
      '/api/v1/reports/:id': '/api/v1/reports/1',
    };
    const pages = listRoutes(s.app)
      .filter((r) => r.method === 'GET' && !r.url.startsWith('/api/') && !r.url.startsWith('/assets/'))
      .filter((r) => !r.url.includes('/:') || concrete[r.url])
      .filter(
        (r) =>
          !['/healthz', '/readyz', '/metrics', '/favicon.ico', '/triage/preview/:matchId'].includes(r.url),
      );
    expect(pages.map((p) => p.url)).toEqual(
      expect.arrayContaining(['/triage', '/notices', '/notices/:id', '/n/:token']),
    );
    const problems: string[] = [];
    let shown = 0;
    for (const route of pages) {
      const url = concrete[route.url] ?? route.url;
      // As an admin (who sees every staff page); pages that send the signed-in on, as a stranger.
      let res = await s.app.inject({ url, headers: s.credentials.admin.headers });
      if (res.statusCode === 303) res = await s.app.inject({ url });
      if (res.statusCode !== 200) {
        problems.push(`${url}: ${res.statusCode}`);
        continue;
      }
      // The payloads are shown (as text) where crawled data is shown at all: the test sees them.
      if (res.body.includes('&lt;script&gt;alert(1)') || res.body.includes('alert(3)')) shown++;
      for (const p of problemsOf(res.body)) problems.push(`${url}: ${p}`);
    }
    expect(problems).toEqual([]);
    expect(shown).toBeGreaterThanOrEqual(4);
    console.log(`escaping checked on ${pages.map((p) => p.url).join(', ')}`);
  });

  it('the triage page and the acknowledgement page show the javascript: URL, not a link to it', async () => {
    const triage = await s.app.inject({ url: '/triage', headers: s.credentials.analyst.headers });
    expect(triage.body).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(triage.body).toContain(JS_URL);
    expect(problemsOf(triage.body)).toEqual([]);
    const ack = await s.app.inject({ url: `/n/${ackToken}` });
    expect(ack.statusCode).toBe(200);
    expect(ack.body).toContain(JS_URL);
    expect(problemsOf(ack.body)).toEqual([]);
    expect(matchId).toBeGreaterThan(0);
  });

  it('the checker itself finds each kind of hole it looks for', () => {
    expect(problemsOf(`<p>${SCRIPT}</p>`)).toContain('unescaped <script>');
    expect(problemsOf(`<p>${IMG}</p>`)).toEqual(['unescaped <img onerror>', 'an onerror attribute']);
    expect(problemsOf(`<a href="${JS_URL}">x</a>`)).toEqual(['href="javascript:alert(3)"']);
    expect(problemsOf('<a href="&#106;ava&#x73;cript&colon;alert(1)">x</a>')).toHaveLength(1);
    expect(problemsOf("<a href=' java\tscript:x'>x</a>")).toHaveLength(1);
    expect(problemsOf('<a href="/triage?x=javascript:1">x</a>')).toEqual([]);
  });
});
