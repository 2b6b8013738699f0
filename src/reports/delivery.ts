/**
 * Delivery of notices by email: composing the message (text + HTML, with the PDF and the JSON
 * record attached) and a pooled SMTP transport from `SMTP_URL`. The transport is the one adapter
 * that knows nodemailer; the service sees only {@link Mailer}.
 */
import nodemailer from 'nodemailer';
import { noticeSubject } from './notice-document.js';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderPdf } from './render-pdf.js';
import { renderText } from './render-text.js';
import type { NoticeRecord, Platform } from './types.js';

/** A composed notice email. */
export interface NoticeEmail {
  from: { name: string; address: string };
  to: string[];
  cc: string[];
  replyTo: string;
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content: Buffer; contentType: string }[];
  headers: Record<string, string>;
}

/** What the SMTP server said about a message it accepted. */
export interface MailReceipt {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

/** Sends composed emails; `close()` releases pooled connections. */
export interface Mailer {
  send(mail: NoticeEmail): Promise<MailReceipt>;
  close(): void;
}

/**
 * A pooled SMTP mailer (`smtp://` or `smtps://`, credentials in the URL). Pooling keeps a weekly
 * batch of dozens of notices on a couple of connections instead of one handshake per platform.
 */
export function createSmtpMailer(smtpUrl: string, options: { maxConnections?: number } = {}): Mailer {
  const transport = nodemailer.createTransport({
    pool: true,
    url: smtpUrl,
    maxConnections: options.maxConnections ?? 2,
    // A notice that hangs must fail (and be retried), not block the batch forever.
    connectionTimeout: 30_000,
    socketTimeout: 60_000,
  });
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from: mail.from,
        to: mail.to,
        cc: mail.cc,
        replyTo: mail.replyTo,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments,
        headers: mail.headers,
      });
      return {
        messageId: info.messageId,
        accepted: info.accepted.map(String),
        rejected: info.rejected.map(String),
      };
    },
    close: () => transport.close(),
  };
}

/**
 * Who receives a notice: the platform's abuse address, and for an escalation (a record whose
 * `escalation` names a hosting provider, see escalation.ts) the hosting provider too, as a direct
 * recipient: it is asked to act, not informed. Nobody is copied before the escalation level, so a
 * platform gets `NOTICE_ESCALATE_AFTER` chances to act on its own. `cc` stays empty; it is kept
 * for callers that add copies of their own.
 */
export function noticeRecipients(
  platform: Pick<Platform, 'abuseEmail'>,
  record: Pick<NoticeRecord, 'escalation'>,
): { to: string[]; cc: string[] } {
  const to = platform.abuseEmail ? [platform.abuseEmail] : [];
  const host = record.escalation?.hostingProvider?.email;
  if (host && !to.includes(host)) to.push(host);
  return { to, cc: [] };
}

/** Whether a notice goes by email or becomes a ready-to-paste export for the platform's web form. */
export function deliveryRoute(
  platform: Pick<Platform, 'abuseEmail' | 'preferredFormat'>,
): 'email' | 'export' {
  return platform.preferredFormat === 'email' && platform.abuseEmail ? 'email' : 'export';
}

/** Composes the email of a notice: the three renderings of one record plus the JSON record. */
export async function composeNoticeEmail(
  record: NoticeRecord,
  recipients: { to: string[]; cc: string[] },
  options: { ackUrl?: string | undefined } = {},
): Promise<NoticeEmail> {
  const pdf = await renderPdf(record, options);
  return {
    from: { name: record.sender.organisation, address: record.sender.email },
    to: recipients.to,
    cc: recipients.cc,
    replyTo: record.sender.email,
    subject: noticeSubject(record),
    text: renderText(record, options),
    html: renderHtml(record, options),
    attachments: [
      { filename: `${record.reference}.pdf`, content: pdf, contentType: 'application/pdf' },
      {
        filename: `${record.reference}.json`,
        content: Buffer.from(renderJson(record), 'utf8'),
        contentType: 'application/json',
      },
    ],
    // Lets a platform's ticketing system file replies and automated intake under the reference.
    headers: { 'X-Hashwatch-Notice': record.reference },
  };
}
