/**
 * Plain data shared by the notice stage: the platform directory entry, who sends notices, and the
 * notice record itself. The record is what gets stored (as JSON) and what every rendering is made
 * from, so the email, the PDF and the JSON export can never disagree.
 */

/** Legal systems a platform answers to; each adds its legal basis to a notice. */
export const JURISDICTIONS = ['EU', 'US', 'UK'] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

/** A platform in the directory. */
export interface Platform {
  id: number;
  name: string;
  /** Host names, or `*.domain` for every subdomain of `domain`. */
  hostPatterns: string[];
  abuseEmail: string | null;
  webformUrl: string | null;
  trustedFlaggerChannel: string | null;
  jurisdictions: Jurisdiction[];
  /** Only `en` exists so far. */
  language: 'en';
  preferredFormat: 'email' | 'webform';
  /**
   * The hosting provider: addressed as well as the platform once a notice reaches level
   * `NOTICE_ESCALATE_AFTER + 1` (the platform left the content up through that many notices).
   */
  escalation: { name: string | null; email: string } | null;
}

/** A platform as written in the directory file or the admin form (no id yet). */
export type PlatformInput = Omit<Platform, 'id'>;

/** The organisation sending notices and the person who signs them. */
export interface SenderIdentity {
  organisation: string;
  /** Postal address, one line or several separated by newlines. */
  address: string;
  email: string;
  phone?: string | undefined;
  website?: string | undefined;
  signatory: { name: string; title: string };
  /** Designated trusted flagger under DSA Art. 22 (notices get priority). */
  trustedFlagger: boolean;
}

/** Everything the builder needs besides the evidence; the lead maps `config.ts` into this. */
export interface NoticeSettings {
  sender: SenderIdentity;
  /** Add a DMCA §512(c)(3) notification (only when the survivors hold the copyright). */
  dmca: boolean;
  deadlines: {
    /** Where no law sets a removal deadline (e.g. 168 = 7 days). */
    defaultHours: number;
    /** The statutory deadline (48 h under the TAKE IT DOWN Act). */
    statutoryHours: number;
    /** Jurisdictions where the statutory deadline applies (default `US`). */
    statutoryJurisdictions: Jurisdiction[];
  };
  /** Public base URL of this hashwatch, for acknowledgement links (`<publicUrl>/n/<token>`). */
  publicUrl: string;
  /**
   * Notices to the platform alone before the hosting provider is addressed too: the notice at level
   * `escalateAfter + 1` and later go to both (`NOTICE_ESCALATE_AFTER`, default 2).
   */
  escalateAfter?: number | undefined;
}

/** An earlier notice about the same items, as an escalation or follow-up lists it. */
export interface NoticeHistoryEntry {
  ref: string;
  level: number;
  sentAt: string | null;
  deadlineAt: string | null;
}

/** The earlier notice whose item was removed before the same content was found again. */
export interface ReuploadOrigin {
  noticeId: number;
  ref: string;
  sentAt: string | null;
  /** When the recheck found the earlier URL gone. */
  removedAt: string;
  /** The earlier address of the content. */
  url: string;
}

/** One confirmed match ready to be put in a notice (read by the store, never holds contact data). */
export interface NoticeCandidate {
  matchId: number;
  caseRef: string;
  mediaId: number;
  url: string;
  host: string;
  kind: 'image' | 'video';
  firstSeenAt: Date;
  lastVerifiedAt: Date;
  signal: string;
  distance: number;
  md5: string;
  sha256: string;
  pdq: string | null;
  /** For follow-up notices: the earlier notice that covered this match. */
  previous?: { ref: string; sentAt: Date | null; deadlineAt: Date | null } | undefined;
  /** Every earlier sent notice that covered this match, lowest level first. */
  history?: NoticeHistoryEntry[] | undefined;
  /** Level 1 only: this match's content was removed after an earlier notice and is found again. */
  reuploadOf?: ReuploadOrigin | undefined;
}

/** Hash evidence for one URL: fingerprints of the file found there, never the file. */
export interface NoticeEvidence {
  kind: 'image' | 'video';
  /** Strongest matching signal (`sha256`, `md5`, `pdq`, `vpdq`, `blockhash`). */
  signal: string;
  /** Hamming distance for perceptual signals (0 = identical). */
  distance: number;
  md5: string;
  sha256: string;
  pdq: string | null;
}

/** One URL in a notice. Several matches (cases) can point at the same URL. */
export interface NoticeItem {
  url: string;
  mediaId: number;
  matchIds: number[];
  caseRefs: string[];
  firstSeenAt: string;
  lastVerifiedAt: string;
  evidence: NoticeEvidence;
  /** Follow-ups: the earlier notice(s) that asked for this URL's removal. */
  previousRefs: string[];
  /** Re-upload notices: where and when the same content was removed before. */
  reuploadOf?: ReuploadOrigin | undefined;
}

/** A legal basis a notice relies on. */
export interface LegalBasis {
  code: 'DSA_ART16' | 'TAKE_IT_DOWN' | 'UK_OSA' | 'TERMS' | 'DMCA_512C3';
  title: string;
  text: string;
}

/** The complete notice: every rendering is made from this, and it is stored as sent. */
export interface NoticeRecord {
  version: 1;
  reference: string;
  level: number;
  language: 'en';
  createdAt: string;
  /** Set when the notice is sent (or submitted through a web form). */
  sentAt: string | null;
  platform: { name: string; jurisdictions: Jurisdiction[]; email: string | null; webformUrl: string | null };
  sender: Omit<SenderIdentity, 'signatory'>;
  signature: { name: string; title: string; text: string };
  legalBases: LegalBasis[];
  explanation: string;
  goodFaith: string[];
  requestedActions: string[];
  deadline: { hours: number; statutory: boolean; at: string | null };
  /** The survivors, only ever as case references. */
  caseRefs: string[];
  items: NoticeItem[];
  previousRefs: string[];
  /** `reupload`: content removed after an earlier notice, found again (absent in older records: standard). */
  kind?: 'standard' | 'reupload' | undefined;
  /** Earlier notices about these items (refs, sent dates, deadlines), lowest level first. */
  history?: NoticeHistoryEntry[] | undefined;
  /**
   * Set from level `escalateAfter + 1`: the hosting provider this notice also goes to, or `null`
   * when the platform has no hosting-provider contact (the escalation was not possible).
   */
  escalation?:
    | { hostingProvider: { name: string | null; email: string } | null; noticesBefore: number }
    | undefined;
}
