/**
 * Minimal, safe HTML building: every interpolated value is escaped unless it is already `Html`.
 * Text from crawled pages (URLs, titles) reaches analysts' screens, so nothing is trusted.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** Tagged template: `html\`<p>${text}</p>\`` escapes `text`; nested `html` fragments pass through. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Already-safe markup (use only for constants written in this codebase). */
export function raw(markup: string): Html {
  return new Html(markup);
}

export interface PageOptions {
  title: string;
  body: Html;
  /** Script bundles under /assets to load (deferred, same origin only). */
  scripts?: string[];
  /** Shown in the header when someone is signed in. */
  user?: { email: string; role: string } | undefined;
}

/** The shared page frame: plain, calm, readable on a phone, no third-party resources. */
export function page(opts: PageOptions): string {
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${opts.title} · hashwatch</title>
<link rel="stylesheet" href="/assets/site.css">
${(opts.scripts ?? []).map((s) => html`<script type="module" src="/assets/${s}"></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><a href="/" class="brand">hashwatch</a>${opts.user ? html`<span class="who">${opts.user.email} (${opts.user.role})</span>` : ''}</header>
<main id="main">${opts.body}</main>
<footer><p>Only fingerprints of files are kept here, never the files themselves.</p></footer>
</body>
</html>`}`;
}
