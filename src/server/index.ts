export { createServer, type Server, type ServerDeps } from './app.js';
export { requireToken, TOKEN_SCOPES, type TokenScope } from './auth.js';
export { type ApiErrorBody, installErrorHandling } from './errors.js';
export type { ReadinessCheck } from './health.routes.js';
export { createMetrics, type QueueDepthSource } from './metrics.js';
export { type CaseRoutesOptions, caseRoutes } from './routes/cases.routes.js';
export { ItemHashesSchema } from './schemas.js';
export { insertToken, revokeToken } from './token.store.js';
export { schemaProblems } from './validate.js';
