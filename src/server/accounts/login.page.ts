import { html, page } from '../web/html.js';

/** What the sign-in form shows: the address typed (never the password), where to go next, a message. */
export interface LoginFormState {
  email?: string;
  next?: string | undefined;
  error?: string | undefined;
  notice?: string | undefined;
}

/**
 * `/login`: a plain form that works without JavaScript. It also tells anyone who arrived here by
 * mistake (a survivor looking for help) that they need no account, and where to go instead.
 */
export function loginPage(state: LoginFormState = {}): string {
  return page({
    title: 'Sign in',
    body: html`<h1>Sign in</h1>
<p class="lead">This is for analysts and administrators of this hashwatch service.</p>
${state.notice ? html`<p class="notice" role="status">${state.notice}</p>` : ''}
${state.error ? html`<p class="error" role="alert">${state.error}</p>` : ''}
<form method="post" action="/login" class="panel">
  ${state.next ? html`<input type="hidden" name="next" value="${state.next}">` : ''}
  <label for="email">Email address</label>
  <input type="email" id="email" name="email" required maxlength="254" autocomplete="username" value="${state.email ?? ''}">
  <label for="password">Password</label>
  <input type="password" id="password" name="password" required maxlength="1024" autocomplete="current-password">
  <p><button type="submit">Sign in</button></p>
</form>
<p>If you are looking for help with your own images, you do not need an account:
you can <a href="/register">register fingerprints of your images</a> or <a href="/case">check a case</a>.</p>`,
  });
}
