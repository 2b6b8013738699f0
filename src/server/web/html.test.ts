import { describe, expect, it } from 'vitest';
import { html, page, raw } from './html.js';

describe('html', () => {
  it('escapes everything interpolated, including attribute breakers and backticks', () => {
    const url = `https://x.example/"><script>alert(1)</script>'\``;
    expect(html`<a href="${url}">${url}</a>`.value).toBe(
      '<a href="https://x.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&#96;">https://x.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&#96;</a>',
    );
  });

  it('passes nested fragments and arrays through, drops null and false', () => {
    expect(
      html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>${null}${false}${raw('<hr>')}`.value,
    ).toBe('<ul><li>a&lt;</li><li>b</li></ul><hr>');
  });

  it('frames a page with the title escaped and only same-origin scripts', () => {
    const out = page({ title: '<b>x</b>', body: html`<p>hi</p>`, scripts: ['register.js'] });
    expect(out).toContain('<title>&lt;b&gt;x&lt;/b&gt; · hashwatch</title>');
    expect(out).toContain('<script type="module" src="/assets/register.js"></script>');
  });
});
