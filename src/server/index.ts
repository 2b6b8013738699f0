export { createServer, type Server, type ServerDeps } from './app.js';
export { type ApiErrorBody, installErrorHandling } from './errors.js';
export type { ReadinessCheck } from './health.routes.js';
export { createMetrics, type QueueDepthSource } from './metrics.js';
