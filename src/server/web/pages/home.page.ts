import { html, page } from '../html.js';

/** `/`: what hashwatch is, and the two ways in. */
export function homePage(): string {
  return page({
    title: 'Welcome',
    body: html`<h1>Getting intimate images taken down</h1>
<p class="lead">If intimate images or videos of you were shared, or might be, without your consent, hashwatch
can look for copies online and ask the sites that host them to take them down. You, or someone helping
you, register fingerprints of the files: short codes worked out on your own device. The files themselves
are never uploaded.</p>
<p>There are two ways in. To start, register fingerprints of your images. If you have already registered
and have a case reference and PIN, you can see what happened or withdraw. You stay in control: you can
withdraw at any time, without giving a reason.</p>
<ul class="paths">
<li><a class="button" href="/register">Register fingerprints of your images</a></li>
<li><a class="button secondary" href="/case">Check or withdraw a case</a></li>
</ul>`,
  });
}
