import { html, page } from '../html.js';

const NO_SCRIPT = html`<noscript><p class="notice">This page needs JavaScript, which is switched off in
this browser.</p></noscript>`;

function statusSection() {
  return html`<section id="status" class="panel" aria-labelledby="status-heading" hidden>
<h2 id="status-heading" tabindex="-1">Your case</h2>
<dl class="facts">
<dt>Case reference</dt><dd id="status-ref"></dd>
<dt>Registered</dt><dd id="status-registered"></dd>
<dt>Files</dt><dd id="status-items"></dd>
<dt>Status</dt><dd id="status-state"></dd>
<dt>What was found</dt><dd id="status-progress"></dd>
</dl>
<div id="status-removal-row" hidden><h3>Removal</h3><p id="status-removal"></p></div>
<div id="status-platforms"></div>
<p><button type="button" id="show-urls" class="secondary" hidden>Show the addresses where it was found</button></p>
<div id="withdraw-area">
<h3>Withdraw</h3>
<p>You can withdraw at any time. You do not have to give a reason.</p>
<button type="button" id="withdraw" class="secondary">Withdraw…</button>
<div id="withdraw-confirm" class="confirm" hidden>
<p id="withdraw-explain">Withdrawing deletes the fingerprints at once; no new requests will be sent on your
behalf. This cannot be undone: to register again you would start a new case.</p>
<p class="actions"><button type="button" id="withdraw-yes" aria-describedby="withdraw-explain">Yes, withdraw and delete the fingerprints</button>
<button type="button" id="withdraw-no" class="secondary">No, keep my case</button></p>
</div>
</div>
</section>`;
}

/** `/case`: look up a case with its reference and PIN, see its status, withdraw. */
export function casePage(): string {
  return page({
    title: 'Check or withdraw a case',
    scripts: ['case.js'],
    body: html`<h1>Check or withdraw a case</h1>
<p class="lead">Enter the case reference and PIN you were given when you registered.</p>
${NO_SCRIPT}
<form id="case-form" class="panel" method="post" action="/case" novalidate>
<label for="ref">Case reference</label>
<input id="ref" name="ref" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false"
 maxlength="32" placeholder="HW-XXXX-XXXX" aria-describedby="ref-hint">
<p id="ref-hint" class="hint">It looks like HW-7K3M-9Q2P.</p>
<label for="pin">PIN</label>
<input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off" maxlength="24">
<p><button type="submit" id="lookup" disabled>Show my case</button></p>
</form>
<div id="case-error" class="error" role="alert" hidden></div>
<p id="case-status" class="hint" role="status" aria-live="polite"></p>
${statusSection()}`,
  });
}
