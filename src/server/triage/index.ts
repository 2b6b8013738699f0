/**
 * Match triage: analysts confirm, reject or escalate pending matches. Confirmed matches feed the
 * weekly notice batches; nothing reaches a platform without such a confirmation.
 */
export { triagePage } from './triage.page.js';
export {
  type DecisionCounts,
  MAX_BATCH,
  runDecision,
  type TriageOptions,
  triageRoutes,
} from './triage.routes.js';
export {
  type AllowlistEntry,
  DECISIONS,
  type Decision,
  type DecisionResult,
  decideMatches,
  type PendingMatch,
  pendingMatches,
  REJECT_REASONS,
  type RejectReason,
} from './triage.store.js';
