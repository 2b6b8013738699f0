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

/** "Removal request", or "SECOND NOTICE – removal request" for follow-ups. */
export function noticeTitle(record: NoticeRecord): string {
  const base = 'Removal request: non-consensual intimate imagery';
  if (record.level < 2) return base;
  const ordinal = ORDINALS[record.level] ?? `NO. ${record.level}`;
  return `${ordinal} NOTICE – ${base}`;
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
  const header: [string, string][] = [
    ['Reference', r.reference],
    ['Date', formatUtc(r.sentAt ?? r.createdAt)],
    ['To', r.platform.email ? `${r.platform.name} <${r.platform.email}>` : r.platform.name],
    ['From', `${r.sender.organisation} <${r.sender.email}>`],
    ['Removal deadline', deadline + (r.deadline.statutory ? ', set by law' : '')],
    ['Case reference(s)', r.caseRefs.join(', ')],
  ];
  if (r.previousRefs.length) header.push(['Previous notice(s)', r.previousRefs.join(', ')]);
  const n = r.items.length;
  const intro =
    r.level >= 2
      ? `This is a follow-up notice (notice ${r.level} for these items). The ${n} item${n === 1 ? '' : 's'} ` +
        `below were reported to you in ${r.previousRefs.join(', ') || 'an earlier notice'} and were still ` +
        'available after the removal deadline had passed, when we checked again. We ask you to remove them now.'
      : `We ask you to remove ${n} item${n === 1 ? '' : 's'} of non-consensual intimate imagery from ` +
        `${r.platform.name}. Please quote ${r.reference} in any reply.`;
  const sender = [r.sender.organisation, ...r.sender.address.split('\n'), r.sender.email];
  if (r.sender.phone) sender.push(r.sender.phone);
  if (r.sender.website) sender.push(r.sender.website);
  const sections: DocSection[] = [
    { heading: 'Notice', fields: header, paragraphs: [intro] },
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
  return { url: item.url, fields };
}
