/**
 * The reports stage, notices part: the platform directory, building one takedown notice per
 * platform from confirmed matches, rendering it (text, HTML, PDF, JSON, Lumen), delivering it
 * (pooled SMTP or a web-form export) and the `/n/<token>` acknowledgement page.
 */

export { type NoticeAckRoutesOptions, noticeAckRoutes, parseAckForm } from './ack.routes.js';
export { ackUrl, generateAckToken, hashAckToken, isWellFormedAckToken } from './ack-token.js';
export { findNoticeCandidates } from './candidate.store.js';
export {
  composeNoticeEmail,
  createSmtpMailer,
  deliveryRoute,
  type Mailer,
  type MailReceipt,
  type NoticeEmail,
  noticeRecipients,
} from './delivery.js';
export { NOTICE_ERROR_CODES, NoticeError, type NoticeErrorCode } from './errors.js';
export {
  DEFAULT_ESCALATE_AFTER,
  escalationState,
  isEscalationLevel,
  withEscalation,
} from './escalation.js';
export {
  type PlatformNeedingEscalationContact,
  platformsNeedingEscalationContact,
  type ReuploadCount,
  reuploadCounts,
} from './escalation.store.js';
export { bestPattern, hostCandidates, normalizeHostPattern } from './host-pattern.js';
export { noticeBatchJob, REPORTS_JOBS, recheckJob, reuploadNoticeJob } from './jobs.js';
export { TAKE_IT_DOWN_IN_FORCE } from './legal-bases.js';
export { type NoticeJobDeps, noticeBatchProcessor, reuploadNoticeProcessor } from './notice.processor.js';
export { getNotice, listNotices, type NoticeRow, type NoticeStatus } from './notice.store.js';
export {
  type BuildNoticeInput,
  buildNotice,
  countByHost,
  formatNoticeRef,
  groupByPlatform,
  markSent,
  noticeDeadline,
  withoutMatches,
} from './notice-builder.js';
export {
  formatUtc,
  noticeDocument,
  noticeSubject,
  noticeTitle,
  type RenderOptions,
} from './notice-document.js';
export {
  type BatchSummary,
  type CreatedNotice,
  INTERRUPTED_SEND_MINUTES,
  isInterruptedSend,
  NoticeService,
  type NoticeServiceDeps,
  type SendOutcome,
} from './notice-service.js';
export { forgetCaseInNotices, type NoticeWithdrawal, WITHDRAWN_EVIDENCE } from './notice-withdrawal.js';
export {
  getPlatform,
  type HostNeedingContact,
  hostsNeedingContact,
  type InsertedPlatform,
  insertPlatform,
  listPlatforms,
  platformForHost,
  type TakenPattern,
  upsertPlatform,
} from './platform.store.js';
export {
  type EntryProblem,
  type PlatformEntry,
  parsePlatformsYaml,
  platformEntrySchema,
  platformInputOf,
  type SeedResult,
  seedPlatforms,
} from './platforms-seed.js';
export { findOverdueItems, markMediaRemoved, type OverdueItem } from './recheck.store.js';
export { renderHtml } from './render-html.js';
export { type LumenActionTaken, type LumenNotice, renderJson, toLumen } from './render-json.js';
export { renderPdf } from './render-pdf.js';
export { renderText, renderWebformText } from './render-text.js';
export {
  type CaseRemovalFigures,
  caseRemovalStats,
  type PlatformRemovalStats,
  type RemovalFigures,
  type RemovalStats,
  removalStats,
} from './stats.store.js';
export {
  JURISDICTIONS,
  type Jurisdiction,
  type LegalBasis,
  type NoticeCandidate,
  type NoticeEvidence,
  type NoticeHistoryEntry,
  type NoticeItem,
  type NoticeRecord,
  type NoticeSettings,
  type Platform,
  type PlatformInput,
  type ReuploadOrigin,
  type SenderIdentity,
} from './types.js';
