/**
 * Sending one notice, at most once. In one transaction the notice is claimed (`draft|failed` →
 * `sending`, which only one caller can win), items whose match is no longer confirmed are dropped
 * (a withdrawn case wins over sending), the escalation is set from the platform's current
 * hosting-provider contact (escalation.ts), and the route is chosen. The SMTP conversation happens
 * after the commit, so no transaction stays open on the network. A process that dies mid-send
 * leaves the notice `sending`: never sent twice; an admin decides after checking the mail log.
 */
import type pg from 'pg';
import { type Db, withTransaction } from '../db/index.js';
import type { Logger } from '../logger.js';
import { ackUrl, generateAckToken } from './ack-token.js';
import { composeNoticeEmail, deliveryRoute, type Mailer, noticeRecipients } from './delivery.js';
import { NoticeError, noticeNotFound, sendFailed, smtpMissing } from './errors.js';
import { escalationState, withEscalation } from './escalation.js';
import { setNoticeKindAndEscalation } from './escalation.store.js';
import { claimNotice, getNotice, pruneUnconfirmedItems, updateNotice } from './notice.store.js';
import { markSent, withoutMatches } from './notice-builder.js';
import { getPlatform } from './platform.store.js';
import { renderWebformText } from './render-text.js';
import type { NoticeRecord, NoticeSettings } from './types.js';

/** What happened to one notice when it was sent. */
export type SendOutcome =
  | { id: number; ref: string; outcome: 'sent'; messageId: string; recipients: string[] }
  | { id: number; ref: string; outcome: 'export' | 'cancelled'; droppedMatches: number }
  | { id: number; ref: string; outcome: 'skipped'; status: string }
  | { id: number; ref: string; outcome: 'failed'; error: NoticeError };

/** What sending needs. */
export interface SenderDeps {
  db: Db;
  settings: NoticeSettings;
  mailer?: Mailer | undefined;
  log?: Logger | undefined;
}

type Prepared =
  | { kind: 'done'; outcome: SendOutcome }
  | {
      kind: 'email';
      ref: string;
      record: NoticeRecord;
      recipients: { to: string[]; cc: string[] };
      token: string;
    };

/** Sends notice `id` if it is a draft or failed; see the module comment for the guarantees. */
export async function sendNoticeOnce(deps: SenderDeps, id: number, now: Date): Promise<SendOutcome> {
  const { db, settings, mailer, log } = deps;
  let prepared: Prepared;
  try {
    prepared = await withTransaction(db.pool, (client) =>
      prepare(client, id, now, mailer !== undefined, settings),
    );
  } catch (err) {
    // No SMTP transport: the claim was rolled back, the notice stays as it was.
    if (err instanceof NoticeError && err.code === 'NOTICE_SMTP_MISSING') {
      return { id, ref: String(err.details?.ref), outcome: 'failed', error: err };
    }
    throw err;
  }
  if (prepared.kind !== 'email') return prepared.outcome;
  const { record, ref } = prepared;
  try {
    if (!mailer) throw smtpMissing(ref);
    const mail = await composeNoticeEmail(record, prepared.recipients, {
      ackUrl: ackUrl(settings.publicUrl, prepared.token),
    });
    const receipt = await mailer.send(mail);
    await updateNotice(db.pool, id, {
      status: 'sent',
      now,
      messageId: receipt.messageId,
      sentAt: now,
      failureReason: null,
    });
    log?.info({ notice: ref, urls: record.items.length }, 'notice sent');
    const recipients = [...prepared.recipients.to, ...prepared.recipients.cc];
    return { id, ref, outcome: 'sent', messageId: receipt.messageId, recipients };
  } catch (err) {
    const error = sendFailed(ref, err);
    // Not sent after all: the stored record must not claim a send time or a deadline.
    const unsent: NoticeRecord = { ...record, sentAt: null, deadline: { ...record.deadline, at: null } };
    await updateNotice(db.pool, id, { status: 'failed', now, body: unsent, failureReason: error.message });
    log?.warn({ notice: ref, err: error.message }, 'notice not sent');
    return { id, ref, outcome: 'failed', error };
  }
}

async function prepare(
  client: pg.PoolClient,
  id: number,
  now: Date,
  canEmail: boolean,
  settings: Pick<NoticeSettings, 'escalateAfter'>,
): Promise<Prepared> {
  const claimed = await claimNotice(client, id, now);
  if (!claimed) {
    const current = await getNotice(client, id);
    if (!current) throw noticeNotFound(id);
    return { kind: 'done', outcome: { id, ref: current.ref, outcome: 'skipped', status: current.status } };
  }
  const dropped = await pruneUnconfirmedItems(client, id);
  const pruned = dropped.length ? withoutMatches(claimed.body, dropped) : claimed.body;
  const ref = claimed.ref;
  if (pruned.items.length === 0) {
    await updateNotice(client, id, { status: 'cancelled', now, body: pruned });
    return { kind: 'done', outcome: { id, ref, outcome: 'cancelled', droppedMatches: dropped.length } };
  }
  const platform = await getPlatform(client, claimed.platformId);
  if (!platform) throw noticeNotFound(id);
  // The platform's hosting-provider contact as it is now (an admin may have added one since the draft).
  const record = withEscalation(pruned, platform, settings.escalateAfter);
  await setNoticeKindAndEscalation(client, id, {
    kind: record.kind ?? 'standard',
    escalation: escalationState(record),
  });
  if (deliveryRoute(platform) === 'export') {
    await updateNotice(client, id, {
      status: 'export',
      now,
      body: record,
      exportText: renderWebformText(record),
    });
    return { kind: 'done', outcome: { id, ref, outcome: 'export', droppedMatches: dropped.length } };
  }
  // Thrown inside the transaction: the claim rolls back and the notice stays as it was.
  if (!canEmail) throw smtpMissing(ref);
  const sending = markSent(record, now);
  const recipients = noticeRecipients(platform, sending);
  const token = generateAckToken();
  await updateNotice(client, id, {
    status: 'sending',
    now,
    body: sending,
    ackTokenHash: token.hash,
    recipients: [...recipients.to, ...recipients.cc],
  });
  return { kind: 'email', ref, record: sending, recipients, token: token.token };
}
