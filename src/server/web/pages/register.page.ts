import { CONSENT_TEXT, CONSENT_VERSION } from '../../../registry/consent.js';
import { html, page } from '../html.js';

/** Shown to browsers without JavaScript: fingerprints can only be computed by the page's script. */
const NO_SCRIPT = html`<noscript><p class="notice">This page computes fingerprints on your device with
JavaScript, which is switched off in this browser. Advocates can also use the <code>hashwatch hash</code>
and <code>hashwatch register</code> commands.</p></noscript>`;

const ROLES = [
  { value: 'self', label: 'I am the person shown in these files' },
  {
    value: 'representative',
    label: 'I am authorised to act for the person shown (for example, an advocate)',
  },
  { value: 'guardian', label: 'I am a parent or guardian reporting for a minor' },
] as const;

function filesSection() {
  return html`<section class="panel" aria-labelledby="files-heading">
<h2 id="files-heading">1. Choose your images and videos</h2>
<p>Fingerprints are worked out here, in this browser. Nothing is sent until you press “Register
fingerprints” at the end.</p>
<label for="files">Images and videos</label>
<input id="files" name="files" type="file" multiple accept="image/*,video/*" aria-describedby="files-hint">
<p id="files-hint" class="hint">You can choose several files at once, and choose again to add more.</p>
<label for="folder">Or a whole folder</label>
<input id="folder" name="folder" type="file" multiple webkitdirectory>
<p id="files-summary" class="hint" role="status" aria-live="polite"></p>
<ul id="file-list" class="files" aria-label="Chosen files (names stay on this device)"></ul>
</section>`;
}

function consentSection() {
  return html`<section class="panel" aria-labelledby="consent-heading">
<h2 id="consent-heading">2. Consent</h2>
<p>Please read this statement (version ${CONSENT_VERSION}).</p>
<ul id="consent-text" class="consent-text">${CONSENT_TEXT.map((line) => html`<li>${line}</li>`)}</ul>
<input type="hidden" id="consent-version" value="${CONSENT_VERSION}">
<fieldset>
<legend>Who is registering?</legend>
${ROLES.map(
  (r) =>
    html`<label class="choice"><input type="radio" name="role" value="${r.value}"> <span>${r.label}</span></label>`,
)}
</fieldset>
<label class="choice"><input type="checkbox" id="adult" name="adult" aria-describedby="adult-hint">
<span>I am 18 or over</span></label>
<p id="adult-hint" class="hint">Not needed if you are a parent or guardian reporting for a minor.</p>
<label class="choice"><input type="checkbox" id="accept" name="accept"> <span>I have read and accept this statement</span></label>
<label for="email">Contact email (optional)</label>
<input id="email" name="email" type="email" autocomplete="email" maxlength="254" aria-describedby="email-hint">
<p id="email-hint" class="hint">Only to tell you about removals; you can leave it empty.</p>
</section>`;
}

function resultSection() {
  return html`<section id="result" class="panel result" aria-labelledby="result-heading" hidden>
<h2 id="result-heading" tabindex="-1">Your fingerprints are registered</h2>
<p>Please keep these two numbers. You need them to see what happened or to withdraw.</p>
<dl class="secrets">
<dt>Case reference</dt><dd id="case-ref" class="secret"></dd>
<dt>PIN</dt><dd id="case-pin" class="secret"></dd>
</dl>
<p class="notice"><strong>The PIN cannot be shown again.</strong> Write it down or save it now.</p>
<button type="button" id="save-receipt">Save as a text file</button>
<p>Later, go to <a href="/case">Check or withdraw a case</a> and enter the reference and PIN.</p>
</section>`;
}

/** `/register`: hash files in the browser, accept the consent statement, send only fingerprints. */
export function registerPage(): string {
  return page({
    title: 'Register fingerprints',
    scripts: ['register.js'],
    body: html`<h1>Register fingerprints of your images</h1>
<p class="lead">Your files stay on this device; only fingerprints are sent.</p>
${NO_SCRIPT}
<form id="register-form" method="post" action="/register" novalidate>
${filesSection()}
${consentSection()}
<div id="form-error" class="error" role="alert" hidden></div>
<p><button type="submit" id="submit" disabled>Register fingerprints</button></p>
<p id="submit-status" class="hint" role="status" aria-live="polite"></p>
</form>
${resultSection()}`,
  });
}
