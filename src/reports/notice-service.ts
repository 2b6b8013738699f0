/**
 * The notice batch: gathers confirmed matches not yet noticed, builds one notice per platform, and
 * delivers each at most once (email, or a web-form export; see notice-sender.ts). Also the
 * follow-ups for items still online after the deadline (escalated to the hosting provider after
 * `escalateAfter` rounds, see escalation.ts), re-upload notices sent without waiting for the weekly
 * batch, and the analyst's review actions. Time comes from `now()` (injectable: the takedown-loop
 * test advances a fake clock by days).
 */
import { type Db, withTransaction } from '../db/index.js';
import type { Logger } from '../logger.js';
import { findNoticeCandidates, lockNoticeBatch } from './candidate.store.js';
import type { Mailer } from './delivery.js';
import { noticeNotFound } from './errors.js';
import { escalationState, withEscalation } from './escalation.js';
import {
  failedReuploadNoticeIds,
  linkReuploadItems,
  setNoticeKindAndEscalation,
} from './escalation.store.js';
import {
  getNotice,
  insertNotice,
  listNotices,
  type NoticeRow,
  nextNoticeId,
  releaseNoticeItems,
  updateNotice,
} from './notice.store.js';
import { buildNotice, countByHost, formatNoticeRef, groupByPlatform, markSent } from './notice-builder.js';
import { type SendOutcome, sendNoticeOnce } from './notice-sender.js';
import { getPlatform, hostPatternDirectory } from './platform.store.js';
import type { NoticeCandidate, NoticeRecord, NoticeSettings } from './types.js';

export type { SendOutcome } from './notice-sender.js';

/** A notice still `sending` this long after its claim had its sender stop mid-send. */
export const INTERRUPTED_SEND_MINUTES = 15;

/** Whether a notice is stuck in `sending` because its sender stopped (see resolveInterruptedSend). */
export function isInterruptedSend(n: Pick<NoticeRow, 'status' | 'updatedAt'>, now: Date): boolean {
  return n.status === 'sending' && now.getTime() - n.updatedAt.getTime() >= INTERRUPTED_SEND_MINUTES * 60_000;
}

/** A notice created by a batch or a follow-up. */
export interface CreatedNotice {
  id: number;
  ref: string;
  platformId: number;
  platformName: string;
  level: number;
  kind: 'standard' | 'reupload';
  /** Escalations only: whether the hosting provider is addressed too, or has no contact. */
  escalation: 'included' | 'no_contact' | null;
  urls: number;
  matches: number;
}

/** The result of {@link NoticeService.runBatch}. */
export interface BatchSummary {
  created: CreatedNotice[];
  sends: SendOutcome[];
  /** Hosts of confirmed matches that no platform in the directory covers yet. */
  needsContact: { host: string; matches: number }[];
}

/** Dependencies of {@link NoticeService}. */
export interface NoticeServiceDeps {
  db: Db;
  settings: NoticeSettings;
  /** Absent when `SMTP_URL` is not set: email notices then stay drafts (`NOTICE_SMTP_MISSING`). */
  mailer?: Mailer | undefined;
  log?: Logger | undefined;
  /** The clock (default: the system clock). Every time the service records comes from it. */
  now?: (() => Date) | undefined;
}

/** Builds, sends and follows up takedown notices. */
export class NoticeService {
  constructor(private readonly deps: NoticeServiceDeps) {}

  /** The current time of the service's clock. */
  now(): Date {
    return this.deps.now ? this.deps.now() : new Date();
  }

  /**
   * The weekly batch: one notice per platform for confirmed matches not yet noticed (re-uploads
   * the re-upload job has not sent yet go in a re-upload notice of their own). With `send: false`
   * (review mode) the notices stay drafts for an analyst; with `send: true` they are delivered, and
   * notices that failed before are retried. Running it twice sends nothing twice.
   */
  async runBatch(options: { now?: Date | undefined; send: boolean }): Promise<BatchSummary> {
    const now = options.now ?? this.now();
    const { created, needsContact } = await this.createDrafts({ now, level: 1 });
    const sends: SendOutcome[] = [];
    if (options.send) {
      // Drafts left by a batch that died mid-send (or made while review was on) go too: sendNotice
      // claims each one (draft → sending) before emailing, so a concurrent sender never doubles it.
      const waiting = await listNotices(this.deps.db.pool, { statuses: ['failed', 'draft'], limit: 1000 });
      const ids = [...new Set([...waiting.map((n) => n.id), ...created.map((n) => n.id)])];
      for (const id of ids) sends.push(await this.sendNotice(id, now));
    }
    this.deps.log?.info(
      {
        created: created.length,
        sent: sends.filter((s) => s.outcome === 'sent').length,
        needsContact: needsContact.length,
      },
      'notice batch done',
    );
    return { created, sends, needsContact };
  }

  /**
   * Re-upload notices, at once: confirmed matches of content that an earlier notice got removed
   * and that has been found again (see `findNoticeCandidates`). One notice per platform, marked as
   * a re-upload and naming the earlier notice and the removal date. Sent when `send` (else drafts
   * for review). Idempotent: a match is in at most one level-1 notice, so a repeat finds nothing.
   */
  async runReuploads(options: { now?: Date | undefined; send: boolean }): Promise<BatchSummary> {
    const now = options.now ?? this.now();
    const { created, needsContact } = await this.createDrafts({ now, level: 1, reuploadsOnly: true });
    const sends: SendOutcome[] = [];
    if (options.send) {
      const failed = await failedReuploadNoticeIds(this.deps.db.pool);
      for (const id of new Set([...failed, ...created.map((n) => n.id)]))
        sends.push(await this.sendNotice(id, now));
    }
    if (created.length) this.deps.log?.info({ created: created.length }, 're-upload notices made');
    return { created, sends, needsContact };
  }

  /**
   * Follow-up notices (level + 1) for matches whose level-`level` notice passed its deadline while
   * the content stayed online (the recheck decides which). One notice per platform; from level
   * `escalateAfter + 1` it goes to the hosting provider too. Returns the drafts; send them with
   * {@link sendNotice}.
   */
  async createFollowUps(options: {
    now?: Date | undefined;
    level: number;
    matchIds: readonly number[];
  }): Promise<CreatedNotice[]> {
    if (options.matchIds.length === 0) return [];
    const now = options.now ?? this.now();
    const { created } = await this.createDrafts({ ...options, now, level: options.level + 1 });
    return created;
  }

  /**
   * Sends one notice at most once: emailed, exported for the web form, or cancelled when every
   * item's case was withdrawn. Anything not a draft or failed (already sent, being sent) is skipped.
   */
  sendNotice(id: number, now: Date = this.now()): Promise<SendOutcome> {
    return sendNoticeOnce(this.deps, id, now);
  }

  /** Records that an analyst pasted an exported notice into the platform's form: it counts as sent now. */
  async markExportSubmitted(id: number, now: Date = this.now()): Promise<boolean> {
    const notice = await getNotice(this.deps.db.pool, id);
    if (!notice) throw noticeNotFound(id);
    return updateNotice(this.deps.db.pool, id, {
      status: 'sent',
      from: ['export'],
      now,
      body: markSent(notice.body, now),
      sentAt: now,
    });
  }

  /**
   * Settles a notice whose sender stopped in the middle of sending (a worker killed between the
   * claim and the mail server's answer): it stays `sending`, because sending is at most once and
   * only the mail log can tell whether it went. After checking, an analyst says which: it arrived
   * → `sent` at the time it was claimed (its deadline runs from then); it did not → `failed`, so
   * "send now" or the next batch sends it. Only for notices claimed at least
   * {@link INTERRUPTED_SEND_MINUTES} ago, so a send still under way is never touched.
   */
  async resolveInterruptedSend(id: number, arrived: boolean, now: Date = this.now()): Promise<boolean> {
    const notice = await getNotice(this.deps.db.pool, id);
    if (!notice) throw noticeNotFound(id);
    if (!isInterruptedSend(notice, now)) return false;
    if (arrived) {
      const sentAt = notice.body.sentAt ? new Date(notice.body.sentAt) : notice.updatedAt;
      return updateNotice(this.deps.db.pool, id, { status: 'sent', from: ['sending'], now, sentAt });
    }
    const unsent: NoticeRecord = {
      ...notice.body,
      sentAt: null,
      deadline: { ...notice.body.deadline, at: null },
    };
    return updateNotice(this.deps.db.pool, id, {
      status: 'failed',
      from: ['sending'],
      now,
      body: unsent,
      failureReason:
        'Sending was interrupted and the mail log shows it did not arrive; it can be sent again.',
    });
  }

  /**
   * Discards a draft, failed or exported notice (an analyst's review decision). Its matches return
   * to the next batch unless they are rejected in triage.
   */
  async cancelNotice(id: number, now: Date = this.now()): Promise<boolean> {
    return withTransaction(this.deps.db.pool, async (client) => {
      const changed = await updateNotice(client, id, {
        status: 'cancelled',
        from: ['draft', 'failed', 'export'],
        now,
      });
      if (changed) await releaseNoticeItems(client, id);
      return changed;
    });
  }

  private async createDrafts(options: {
    now: Date;
    level: number;
    matchIds?: readonly number[];
    reuploadsOnly?: boolean;
  }): Promise<{ created: CreatedNotice[]; needsContact: BatchSummary['needsContact'] }> {
    const { now, level } = options;
    return withTransaction(this.deps.db.pool, async (client) => {
      await lockNoticeBatch(client);
      const candidates = await findNoticeCandidates(client, options);
      const { byPlatform, unmatched } = groupByPlatform(candidates, await hostPatternDirectory(client));
      const created: CreatedNotice[] = [];
      for (const [platformId, list] of [...byPlatform].sort(([a], [b]) => a - b)) {
        const platform = await getPlatform(client, platformId);
        if (!platform) continue;
        for (const [kind, group] of splitReuploads(list, level)) {
          const id = await nextNoticeId(client);
          const built = buildNotice({
            reference: formatNoticeRef(now, id),
            level,
            platform,
            candidates: group,
            settings: this.deps.settings,
            now,
            kind,
          });
          const record = withEscalation(built, platform, this.deps.settings.escalateAfter);
          const escalation = escalationState(record);
          await insertNotice(client, { id, platformId, record, createdAt: now });
          await setNoticeKindAndEscalation(client, id, { kind, escalation });
          await linkReuploadItems(
            client,
            id,
            group.flatMap((c) =>
              c.reuploadOf ? [{ matchId: c.matchId, reuploadOf: c.reuploadOf.noticeId }] : [],
            ),
          );
          if (escalation === 'no_contact')
            this.deps.log?.warn(
              { notice: record.reference, platform: platform.name },
              'escalation not possible: the platform has no hosting-provider contact',
            );
          created.push({
            id,
            ref: record.reference,
            platformId,
            platformName: platform.name,
            level,
            kind,
            escalation,
            urls: record.items.length,
            matches: group.length,
          });
        }
      }
      return { created, needsContact: countByHost(unmatched) };
    });
  }
}

/** Level 1: re-uploads apart from first notices (each kind gets its own notice). Else one group. */
function splitReuploads(
  list: readonly NoticeCandidate[],
  level: number,
): ['standard' | 'reupload', NoticeCandidate[]][] {
  if (level !== 1) return [['standard', [...list]]];
  const reuploads = list.filter((c) => c.reuploadOf);
  const standard = list.filter((c) => !c.reuploadOf);
  const groups: ['standard' | 'reupload', NoticeCandidate[]][] = [];
  if (standard.length) groups.push(['standard', standard]);
  if (reuploads.length) groups.push(['reupload', reuploads]);
  return groups;
}
