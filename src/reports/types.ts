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
  /** The hosting provider, copied on follow-up notices when the platform ignores the first. */
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
}
