/**
 * Match triage: analysts confirm, reject or escalate pending matches. Confirmed matches feed the
 * weekly notice batches; nothing reaches a platform without such a confirmation.
 */

export { previewRoutes } from './preview.routes.js';
export {
  fetchPreviewFrame,
  PREVIEW_PROBLEMS,
  type PreviewOptions,
  PreviewProblem,
  type PreviewProblemKind,
} from './preview-fetch.js';
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
  DECIDED_STATES,
  DECISIONS,
  type Decision,
  type DecisionResult,
  decideMatches,
  mediaDecided,
  type PendingMatch,
  pendingMatches,
  REJECT_REASONS,
  type RejectReason,
} from './triage.store.js';
export { SHORTCUTS, type ShortcutAction, shortcutFor } from './triage-keys.js';
