import { HashwatchError } from '../../errors.js';

/**
 * Wrong email, wrong password, disabled or paused account: one answer for all, so that trying
 * addresses teaches nothing about which staff accounts exist.
 */
export function loginFailed(): HashwatchError {
  return new HashwatchError(
    'AUTH_LOGIN_FAILED',
    'That email address and password do not match an active account. After several failed attempts an ' +
      'account is paused for a few minutes; if you are sure of your password, please wait a little and try again.',
    { status: 401 },
  );
}

/** Too many sign-in attempts from one address (per minute). */
export function loginRateLimited(retryAfterSeconds: number): HashwatchError {
  return new HashwatchError(
    'AUTH_LOGIN_RATE_LIMITED',
    'There have been many sign-in attempts from this network just now. Please wait a minute and try again.',
    { status: 429, details: { retryAfterSeconds } },
  );
}

/** No valid session: never signed in, signed out, expired or idle too long, or account disabled. */
export function sessionRequired(): HashwatchError {
  return new HashwatchError('AUTH_SESSION_REQUIRED', 'Please sign in first; your session may have ended.', {
    status: 401,
  });
}

/** Signed in, but the account's role does not reach this page. */
export function roleForbidden(role: string): HashwatchError {
  return new HashwatchError(
    'AUTH_ROLE_FORBIDDEN',
    `This part of hashwatch is for ${role === 'admin' ? 'administrators' : 'analysts'} only.`,
    { status: 403, details: { required: role } },
  );
}

/** A state-changing request without the session's CSRF token, or from another site. */
export function csrfInvalid(): HashwatchError {
  return new HashwatchError(
    'CSRF_INVALID',
    'This form has expired or did not come from this hashwatch site, so nothing was changed. ' +
      'Please reload the page and try again.',
    { status: 403 },
  );
}

export function emailInvalid(): HashwatchError {
  return new HashwatchError('USER_EMAIL_INVALID', 'That is not a valid email address.', { status: 400 });
}

export function userExists(email: string): HashwatchError {
  return new HashwatchError('USER_EXISTS', `There is already an account for ${email}.`, { status: 409 });
}

export function userNotFound(email: string): HashwatchError {
  return new HashwatchError('USER_NOT_FOUND', `There is no account for ${email}.`, { status: 404 });
}
