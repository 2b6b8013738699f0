/**
 * Escalation to the hosting provider: pure rules over a notice record and its platform. The
 * platform alone receives the first `escalateAfter` notices about an item; from the next level on
 * the notice goes to the platform and its hosting provider together, says so, and lists the earlier
 * notices. Without a hosting-provider contact the notice still goes to the platform, and the record
 * says the escalation was not possible (admins find such platforms with
 * `platformsNeedingEscalationContact`).
 */
import type { NoticeRecord, Platform } from './types.js';

/** Notices to the platform alone before the hosting provider is addressed too (`NOTICE_ESCALATE_AFTER`). */
export const DEFAULT_ESCALATE_AFTER = 2;

/** Whether a notice at `level` is an escalation (it goes to the hosting provider as well). */
export function isEscalationLevel(level: number, escalateAfter = DEFAULT_ESCALATE_AFTER): boolean {
  return level > escalateAfter;
}

/**
 * The record with its escalation set from the platform as it is now: applied when the draft is
 * built and again when it is sent, so a contact added in between is used.
 */
export function withEscalation(
  record: NoticeRecord,
  platform: Pick<Platform, 'escalation'>,
  escalateAfter = DEFAULT_ESCALATE_AFTER,
): NoticeRecord {
  if (!isEscalationLevel(record.level, escalateAfter)) {
    const { escalation: _dropped, ...rest } = record;
    return rest;
  }
  const contact = platform.escalation;
  return {
    ...record,
    escalation: {
      hostingProvider: contact ? { name: contact.name, email: contact.email } : null,
      noticesBefore: record.level - 1,
    },
  };
}

/** The `notices.escalation` column for a record: included, not possible, or not an escalation. */
export function escalationState(record: NoticeRecord): 'included' | 'no_contact' | null {
  if (!record.escalation) return null;
  return record.escalation.hostingProvider ? 'included' : 'no_contact';
}
