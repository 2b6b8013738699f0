/**
 * The notice batch: gathers confirmed matches not yet noticed, builds one notice per platform, and
 * delivers each at most once (email, or a web-form export; see notice-sender.ts). Also the
 * follow-ups for items still online after the deadline, and the analyst's review actions.
 */
import { type Db, withTransaction } from '../db/index.js';
import type { Logger } from '../logger.js';
import { findNoticeCandidates, lockNoticeBatch } from './candidate.store.js';
import type { Mailer } from './delivery.js';
import { noticeNotFound } from './errors.js';
import {
  getNotice,
  insertNotice,
  listNotices,
  nextNoticeId,
  releaseNoticeItems,
  updateNotice,
} from './notice.store.js';
import { buildNotice, countByHost, formatNoticeRef, groupByPlatform, markSent } from './notice-builder.js';
import { type SendOutcome, sendNoticeOnce } from './notice-sender.js';
import { getPlatform, hostPatternDirectory } from './platform.store.js';
import type { NoticeSettings } from './types.js';

export type { SendOutcome } from './notice-sender.js';

/** A notice created by a batch or a follow-up. */
export interface CreatedNotice {
  id: number;
  ref: string;
  platformId: number;
  platformName: string;
  level: number;
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
}

/** Builds, sends and follows up takedown notices. */
export class NoticeService {
  constructor(private readonly deps: NoticeServiceDeps) {}

  /**
   * The weekly batch: one notice per platform for confirmed matches not yet noticed. With
   * `send: false` (review mode) the notices stay drafts for an analyst; with `send: true` they are
   * delivered, and notices that failed before are retried. Running it twice sends nothing twice.
   */
  async runBatch(options: { now: Date; send: boolean }): Promise<BatchSummary> {
    const { created, needsContact } = await this.createDrafts({ now: options.now, level: 1 });
    const sends: SendOutcome[] = [];
    if (options.send) {
      const failed = await listNotices(this.deps.db.pool, { statuses: ['failed'], limit: 1000 });
      const ids = [...new Set([...failed.map((n) => n.id), ...created.map((n) => n.id)])];
      for (const id of ids) sends.push(await this.sendNotice(id, options.now));
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
   * Follow-up notices (level + 1) for matches whose level-`level` notice passed its deadline while
   * the content stayed online (the recheck decides which). One notice per platform; the hosting
   * provider is copied. Returns the drafts; send them with {@link sendNotice}.
   */
  async createFollowUps(options: {
    now: Date;
    level: number;
    matchIds: readonly number[];
  }): Promise<CreatedNotice[]> {
    if (options.matchIds.length === 0) return [];
    const { created } = await this.createDrafts({ ...options, level: options.level + 1 });
    return created;
  }

  /**
   * Sends one notice at most once: emailed, exported for the web form, or cancelled when every
   * item's case was withdrawn. Anything not a draft or failed (already sent, being sent) is skipped.
   */
  sendNotice(id: number, now: Date): Promise<SendOutcome> {
    return sendNoticeOnce(this.deps, id, now);
  }

  /** Records that an analyst pasted an exported notice into the platform's form: it counts as sent now. */
  async markExportSubmitted(id: number, now: Date): Promise<boolean> {
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
   * Discards a draft, failed or exported notice (an analyst's review decision). Its matches return
   * to the next batch unless they are rejected in triage.
   */
  async cancelNotice(id: number, now: Date): Promise<boolean> {
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
        const id = await nextNoticeId(client);
        const record = buildNotice({
          reference: formatNoticeRef(now, id),
          level,
          platform,
          candidates: list,
          settings: this.deps.settings,
          now,
        });
        await insertNotice(client, { id, platformId, record, createdAt: now });
        created.push({
          id,
          ref: record.reference,
          platformId,
          platformName: platform.name,
          level,
          urls: record.items.length,
          matches: list.length,
        });
      }
      return { created, needsContact: countByHost(unmatched) };
    });
  }
}
