/**
 * Machine-readable renderings: the notice record as JSON (attached to every email, for platforms
 * that ingest notices automatically) and an export in Lumen's notice schema (type, sender,
 * principal, recipient, works with infringing URLs, date sent, action taken) for transparency
 * reporting. The principal is the case reference: Lumen is public, a survivor's name never goes there.
 */
import { formatUtc, noticeTitle } from './notice-document.js';
import type { NoticeRecord } from './types.js';

/** Names the format of the JSON attachment, so that automated intake can recognise and version it. */
export const NOTICE_JSON_FORMAT = 'hashwatch-notice';

/** The notice record as indented JSON, with its format name (the record's `version` is the revision). */
export function renderJson(record: NoticeRecord): string {
  return `${JSON.stringify({ format: NOTICE_JSON_FORMAT, ...record }, null, 2)}\n`;
}

/** Lumen's values for `action_taken`. */
export type LumenActionTaken = 'Yes' | 'No' | 'Partial' | 'Unspecified';

/** A notice in the shape Lumen's API takes (`POST /notices`, `{ notice: … }`). */
export interface LumenNotice {
  notice: {
    title: string;
    type: 'DMCA' | 'Other';
    subject: string;
    date_sent: string | null;
    language: string;
    action_taken: LumenActionTaken;
    jurisdiction_list: string;
    tag_list: string;
    works_attributes: {
      description: string;
      kind: string;
      infringing_urls_attributes: { url: string }[];
      copyrighted_urls_attributes: { url: string }[];
    }[];
    entity_notice_roles_attributes: {
      name: 'sender' | 'principal' | 'recipient';
      entity_attributes: { name: string; kind: 'organization' | 'individual'; url?: string };
    }[];
  };
}

/**
 * The Lumen export. `actionTaken` comes from the platform's decision or the rechecks; without
 * either it is `Unspecified`. Hashes stay out: the export is for publication, not for matching.
 */
export function toLumen(record: NoticeRecord, actionTaken: LumenActionTaken = 'Unspecified'): LumenNotice {
  const dmca = record.legalBases.some((b) => b.code === 'DMCA_512C3');
  const sender: LumenNotice['notice']['entity_notice_roles_attributes'][number]['entity_attributes'] = {
    name: record.sender.organisation,
    kind: 'organization',
  };
  if (record.sender.website) sender.url = record.sender.website;
  return {
    notice: {
      title: `${noticeTitle(record)} (${record.reference})`,
      type: dmca ? 'DMCA' : 'Other',
      subject: 'Non-consensual intimate imagery',
      date_sent: record.sentAt ? record.sentAt.slice(0, 10) : null,
      language: record.language,
      action_taken: actionTaken,
      jurisdiction_list: record.platform.jurisdictions.join(', '),
      tag_list: ['ncii', ...record.legalBases.map((b) => b.code.toLowerCase())].join(', '),
      works_attributes: [
        {
          description:
            `Intimate images or videos published without consent, identified by hash match and confirmed ` +
            `by an analyst (case reference ${record.caseRefs.join(', ')}; notice created ${formatUtc(record.createdAt)}).`,
          kind: 'image',
          infringing_urls_attributes: record.items.map((i) => ({ url: i.url })),
          copyrighted_urls_attributes: [],
        },
      ],
      entity_notice_roles_attributes: [
        { name: 'sender', entity_attributes: sender },
        { name: 'principal', entity_attributes: { name: record.caseRefs.join(', '), kind: 'individual' } },
        { name: 'recipient', entity_attributes: { name: record.platform.name, kind: 'organization' } },
      ],
    },
  };
}
