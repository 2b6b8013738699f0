export {
  type AccountPolicy,
  AccountService,
  type AuthUser,
  DEFAULT_ACCOUNT_POLICY,
  generatePassword,
  normaliseEmail,
  type Session,
} from './account-service.js';
export { type CookieSecureMode, parseCookies, serializeCookie } from './cookies.js';
export {
  CSRF_FIELD,
  CSRF_HEADER,
  csrfField,
  csrfToken,
  fromThisSite,
  logoutForm,
  requireCsrf,
} from './csrf.js';
export { type LoginRoutesOptions, loginRoutes } from './login.routes.js';
export { safeNext } from './next-url.js';
export {
  type AccountsRuntime,
  currentUser,
  deny,
  isApiRequest,
  loadSession,
  requireUser,
} from './session-hooks.js';
export { sessionPlugin } from './session-plugin.js';
export { ROLES, type Role } from './user.store.js';
