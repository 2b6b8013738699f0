export {
  AUDIT_GENESIS,
  type AuditEntry,
  type AuditRecord,
  type AuditTarget,
  appendAudit,
  auditHash,
} from './audit.store.js';
export { type AuditVerification, verifyAudit } from './audit-verify.js';
export { canonicalJson } from './canonical-json.js';
