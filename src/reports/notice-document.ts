/**
 * The notice as a document: titled sections of paragraphs, lists, labelled fields and items. The
 * text, HTML and PDF renderers only lay this out, so the three always say the same thing.
 */
import type { NoticeRecord } from './types.js';

/** One URL to remove, with its labelled facts. */
export interface DocItem {
  url: string;
  fields: [label: string, value: string][];
}

/** A titled part of the notice. */
export interface DocSection {
  heading: string;
  fields?: [label: string, value: string][];
  paragraphs?: string[];
  list?: string[];
  items?: DocItem[];
}

/** The whole notice, ready for layout. */
export interface NoticeDocument {
  title: string;
  reference: string;
  sections: DocSection[];
}

/** Options shared by every rendering. */
export interface RenderOptions {
  /** The acknowledgement link (`<publicUrl>/n/<token>`); only present in what is actually sent. */
  ackUrl?: string | undefined;
}

const ORDINALS = ['', '', 'SECOND', 'THIRD', 'FOURTH', 'FIFTH'];

/**
 * "Removal request"; "SECOND NOTICE – removal request" for follow-ups; "ESCALATION – THIRD NOTICE
 * – …" when the hosting provider is addressed too; "RE-UPLOAD – …" for content found again after
 * its removal.
 */
export function noticeTitle(record: NoticeRecord): string {
  const base = 'Removal request: non-consensual intimate imagery';
  if (record.kind === 'reupload' && record.level < 2) return `RE-UPLOAD – ${base}`;
  if (record.level < 2) return base;
  const ordinal = ORDINALS[record.level] ?? `NO. ${record.level}`;
  const escalated = record.escalation?.hostingProvider ? 'ESCALATION – ' : '';
  return `${escalated}${ordinal} NOTICE – ${base}`;
}

/** The email subject: the reference first, so replies thread and can be matched. */
export function noticeSubject(record: NoticeRecord): string {
  const n = record.items.length;
  return `[${record.reference}] ${noticeTitle(record)} (${n} URL${n === 1 ? '' : 's'}, ${record.platform.name})`;
}

/** Formats an ISO time as `2026-11-02 06:00 UTC` (unambiguous for readers in any country). */
export function formatUtc(iso: string | null): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Builds the document of a notice. */
export function noticeDocument(record: NoticeRecord, options: RenderOptions = {}): NoticeDocument {
  const r = record;
  const deadline = r.deadline.at
    ? `${formatUtc(r.deadline.at)} (${r.deadline.hours} hours after receipt)`
    : `${r.deadline.hours} hours after receipt of this notice`;
  const host = r.escalation?.hostingProvider;
  const header: [string, string][] = [
    ['Reference', r.reference],
    ['Date', formatUtc(r.sentAt ?? r.createdAt)],
    ['To', r.platform.email ? `${r.platform.name} <${r.platform.email}>` : r.platform.name],
    ...(host
      ? [
          ['To (hosting provider)', host.name ? `${host.name} <${host.email}>` : host.email] as [
            string,
            string,
          ],
        ]
      : []),
    ['From', `${r.sender.organisation} <${r.sender.email}>`],
    ['Removal deadline', deadline + (r.deadline.statutory ? ', set by law' : '')],
    ['Case reference(s)', r.caseRefs.join(', ')],
  ];
  if (r.previousRefs.length) header.push(['Previous notice(s)', r.previousRefs.join(', ')]);
  const intro = introParagraphs(r);
  const sender = [r.sender.organisation, ...r.sender.address.split('\n'), r.sender.email];
  if (r.sender.phone) sender.push(r.sender.phone);
  if (r.sender.website) sender.push(r.sender.website);
  const sections: DocSection[] = [
    { heading: 'Notice', fields: header, paragraphs: intro },
    ...(r.level >= 2 && r.history?.length
      ? [{ heading: 'Earlier notices', list: r.history.map(historyLine) }]
      : []),
    { heading: 'Why this material is illegal', paragraphs: [r.explanation] },
    { heading: 'Legal basis', list: r.legalBases.map((b) => `${b.title}. ${b.text}`) },
    { heading: 'Material to remove', items: r.items.map(docItem) },
    { heading: 'Requested actions', list: r.requestedActions },
    { heading: 'Statements', list: r.goodFaith },
    {
      heading: 'Acknowledgement',
      paragraphs: [
        options.ackUrl
          ? `Please confirm receipt and tell us your decision at ${options.ackUrl} (no login needed), or reply ` +
            `to ${r.sender.email} quoting ${r.reference}.`
          : `Please confirm receipt and tell us your decision by replying to ${r.sender.email}, quoting ${r.reference}.`,
      ],
    },
    {
      heading: 'Signature',
      paragraphs: [r.signature.text, `Signed electronically on ${formatUtc(r.sentAt ?? r.createdAt)}.`],
      list: sender,
    },
  ];
  return { title: noticeTitle(r), reference: r.reference, sections };
}

function introParagraphs(r: NoticeRecord): string[] {
  const n = r.items.length;
  const items = `${n} item${n === 1 ? '' : 's'}`;
  if (r.kind === 'reupload' && r.level < 2) {
    const earlier = [...new Set(r.items.flatMap((i) => (i.reuploadOf ? [i.reuploadOf.ref] : [])))];
    return [
      `This is a re-upload notice. The ${items} below show content that was removed after our earlier ` +
        `notice ${earlier.join(', ') || 'to you'} and has now been found again. We ask you to remove ` +
        'it now, and to block further uploads of this content by its hashes, listed with each item.',
      `Please quote ${r.reference} in any reply.`,
    ];
  }
  if (r.level < 2)
    return [
      `We ask you to remove ${items} of non-consensual intimate imagery from ` +
        `${r.platform.name}. Please quote ${r.reference} in any reply.`,
    ];
  const followUp =
    `This is a follow-up notice (notice ${r.level} for these items). The ${items} ` +
    `below were reported to you in ${r.previousRefs.join(', ') || 'an earlier notice'} and were still ` +
    'available after the removal deadline had passed, when we checked again. We ask you to remove them now.';
  const host = r.escalation?.hostingProvider;
  if (!host) return [followUp];
  const before = r.escalation?.noticesBefore ?? r.level - 1;
  return [
    `This content is still online after ${before} notice${before === 1 ? '' : 's'} to ${r.platform.name}. ` +
      `We are therefore escalating: this notice goes to ${r.platform.name} and to its hosting provider, ` +
      `${host.name ?? host.email}, together. The earlier notices, with the dates they were sent and their ` +
      'deadlines, are listed below.',
    followUp,
    `To the hosting provider: we ask you to act on this notice under your own terms of service and ` +
      'the law that applies to you, and to remove or disable access to the items below.',
  ];
}

function historyLine(h: NonNullable<NoticeRecord['history']>[number]): string {
  return `${h.ref} (notice ${h.level}): sent ${formatUtc(h.sentAt)}, removal deadline ${formatUtc(h.deadlineAt)}`;
}

function docItem(item: NoticeRecord['items'][number]): DocItem {
  const e = item.evidence;
  const fields: [string, string][] = [
    ['First seen', formatUtc(item.firstSeenAt)],
    ['Last verified online', formatUtc(item.lastVerifiedAt)],
    ['Type', e.kind],
    [
      'Matched by',
      e.signal === 'sha256' || e.signal === 'md5'
        ? `${e.signal} (identical file)`
        : `${e.signal}, distance ${e.distance}`,
    ],
    ['MD5', e.md5],
    ['SHA-256', e.sha256],
  ];
  if (e.pdq) fields.push(['PDQ', e.pdq]);
  fields.push(['Case reference', item.caseRefs.join(', ')]);
  if (item.previousRefs.length) fields.push(['Previously notified in', item.previousRefs.join(', ')]);
  if (item.reuploadOf) {
    const o = item.reuploadOf;
    fields.push([
      'Removed before',
      `${o.url}, after notice ${o.ref} (sent ${formatUtc(o.sentAt)}); removal verified ${formatUtc(o.removedAt)}`,
    ]);
  }
  return { url: item.url, fields };
}
