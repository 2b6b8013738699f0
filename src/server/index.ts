export {
  type AccountPolicy,
  AccountService,
  type AuthUser,
  CSRF_FIELD,
  CSRF_HEADER,
  csrfField,
  csrfToken,
  currentUser,
  DEFAULT_ACCOUNT_POLICY,
  deny,
  loginRoutes,
  logoutForm,
  ROLES,
  type Role,
  requireCsrf,
  requireUser,
  safeNext,
  sessionPlugin,
} from './accounts/index.js';
export { createServer, type Server, type ServerDeps } from './app.js';
export { type AuditEntry, type AuditVerification, appendAudit, verifyAudit } from './audit/index.js';
export { requireToken, TOKEN_SCOPES, type TokenScope } from './auth.js';
export { type ApiErrorBody, installErrorHandling } from './errors.js';
export type { ReadinessCheck } from './health.routes.js';
export {
  createMetrics,
  type PlatformRemovalFigures,
  type QueueDepthSource,
  type RemovalStatsSource,
} from './metrics.js';
export { type CaseRoutesOptions, caseRoutes } from './routes/cases.routes.js';
export { type ReportRoutesOptions, reportRoutes } from './routes/reports.routes.js';
export { ItemHashesSchema } from './schemas.js';
export { insertToken, revokeToken } from './token.store.js';
export { schemaProblems } from './validate.js';
export { loadAssets } from './web/assets.js';
export { reportPage } from './web/report.page.js';
export { webRoutes } from './web/web.routes.js';
