/**
 * Builds the notice record from confirmed matches: pure, no I/O, no clock (the caller passes `now`).
 * One notice per platform per batch; a URL matched for several cases is listed once.
 */
import { hostCandidates } from './host-pattern.js';
import {
  explanation,
  goodFaithStatements,
  legalBases,
  requestedActions,
  TAKE_IT_DOWN_IN_FORCE,
} from './legal-bases.js';
import type {
  Jurisdiction,
  NoticeCandidate,
  NoticeItem,
  NoticeRecord,
  NoticeSettings,
  Platform,
} from './types.js';

/** The reference platforms quote in replies: `HWN-<year>-<id, 6 digits or more>`. */
export function formatNoticeRef(now: Date, id: number): string {
  return `HWN-${now.getUTCFullYear()}-${String(id).padStart(6, '0')}`;
}

/** The removal deadline for a platform: statutory (48 h) where a law sets it, else the default. */
export function noticeDeadline(
  jurisdictions: readonly Jurisdiction[],
  deadlines: NoticeSettings['deadlines'],
  now: Date,
): { hours: number; statutory: boolean } {
  const statutory = jurisdictions.some(
    (j) => deadlines.statutoryJurisdictions.includes(j) && (j !== 'US' || now >= TAKE_IT_DOWN_IN_FORCE),
  );
  return statutory
    ? { hours: deadlines.statutoryHours, statutory: true }
    : { hours: deadlines.defaultHours, statutory: false };
}

/** Input of {@link buildNotice}. */
export interface BuildNoticeInput {
  reference: string;
  /** 1 for a first notice; 2+ for follow-ups on items still online after the deadline. */
  level: number;
  platform: Pick<Platform, 'name' | 'jurisdictions' | 'abuseEmail' | 'webformUrl'>;
  candidates: readonly NoticeCandidate[];
  settings: Pick<NoticeSettings, 'sender' | 'dmca' | 'deadlines'>;
  now: Date;
  /** `reupload` for content found again after an earlier notice got it removed (default standard). */
  kind?: 'standard' | 'reupload' | undefined;
}

/** Builds one notice record. `candidates` must not be empty. */
export function buildNotice(input: BuildNoticeInput): NoticeRecord {
  const { settings, platform, now } = input;
  const items = groupItems(input.candidates);
  const caseRefs = uniqueSorted(items.flatMap((i) => i.caseRefs));
  const deadline = noticeDeadline(platform.jurisdictions, settings.deadlines, now);
  const { signatory, ...sender } = settings.sender;
  return {
    version: 1,
    reference: input.reference,
    level: input.level,
    language: 'en',
    createdAt: now.toISOString(),
    sentAt: null,
    platform: {
      name: platform.name,
      jurisdictions: [...platform.jurisdictions],
      email: platform.abuseEmail,
      webformUrl: platform.webformUrl,
    },
    sender,
    signature: {
      name: signatory.name,
      title: signatory.title,
      // An electronic signature under 47 U.S.C. § 223a(a)(1)(B)(i) and E-SIGN: the typed name.
      text: `/s/ ${signatory.name}, ${signatory.title}, ${sender.organisation}`,
    },
    legalBases: legalBases(platform.jurisdictions, settings, now),
    explanation: explanation(caseRefs),
    goodFaith: goodFaithStatements(),
    requestedActions: requestedActions(deadline.hours, deadline.statutory),
    deadline: { ...deadline, at: null },
    caseRefs,
    items,
    previousRefs: uniqueSorted(items.flatMap((i) => i.previousRefs)),
    kind: input.kind ?? 'standard',
    history: noticeHistory(input.candidates),
  };
}

/** The earlier notices of the candidates, once each, lowest level (then reference) first. */
function noticeHistory(candidates: readonly NoticeCandidate[]): NonNullable<NoticeRecord['history']> {
  const byRef = new Map(candidates.flatMap((c) => c.history ?? []).map((h) => [h.ref, h]));
  return [...byRef.values()].sort(
    (a, b) => a.level - b.level || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0),
  );
}

/**
 * The record without the given matches (a case withdrawn, or a match no longer confirmed). URLs
 * left with no match disappear; the case references and the explanation follow.
 */
export function withoutMatches(record: NoticeRecord, matchIds: Iterable<number>): NoticeRecord {
  const drop = new Set(matchIds);
  const items: NoticeItem[] = [];
  for (const item of record.items) {
    const keep = item.matchIds.map((id, i) => ({ id, ref: item.caseRefs[i] })).filter((m) => !drop.has(m.id));
    if (keep.length === 0) continue;
    items.push({
      ...item,
      matchIds: keep.map((m) => m.id),
      caseRefs: keep.map((m) => m.ref ?? ''),
    });
  }
  const caseRefs = uniqueSorted(items.flatMap((i) => i.caseRefs));
  return { ...record, items, caseRefs, explanation: explanation(caseRefs) };
}

/** The record as sent at `sentAt`: the deadline runs from receipt, so it is fixed only now. */
export function markSent(record: NoticeRecord, sentAt: Date): NoticeRecord {
  const at = new Date(sentAt.getTime() + record.deadline.hours * 3_600_000);
  return { ...record, sentAt: sentAt.toISOString(), deadline: { ...record.deadline, at: at.toISOString() } };
}

/**
 * Splits candidates by platform with a directory of host patterns → platform id (most specific
 * pattern wins). Candidates on hosts no platform covers are returned apart: they need a contact.
 */
export function groupByPlatform(
  candidates: readonly NoticeCandidate[],
  patterns: ReadonlyMap<string, number>,
): { byPlatform: Map<number, NoticeCandidate[]>; unmatched: NoticeCandidate[] } {
  const byPlatform = new Map<number, NoticeCandidate[]>();
  const unmatched: NoticeCandidate[] = [];
  for (const c of candidates) {
    const pattern = hostCandidates(c.host).find((p) => patterns.has(p));
    const platformId = pattern === undefined ? undefined : patterns.get(pattern);
    if (platformId === undefined) {
      unmatched.push(c);
      continue;
    }
    const list = byPlatform.get(platformId) ?? [];
    list.push(c);
    byPlatform.set(platformId, list);
  }
  return { byPlatform, unmatched };
}

/** Unmatched candidates counted per host, largest first (the batch's "needs contact" list). */
export function countByHost(candidates: readonly NoticeCandidate[]): { host: string; matches: number }[] {
  const counts = new Map<string, number>();
  for (const c of candidates) counts.set(c.host, (counts.get(c.host) ?? 0) + 1);
  return [...counts]
    .map(([host, matches]) => ({ host, matches }))
    .sort((a, b) => b.matches - a.matches || a.host.localeCompare(b.host));
}

/** Exact digests first, then the smallest perceptual distance. */
const SIGNAL_RANK: Record<string, number> = { sha256: 0, md5: 1, pdq: 2, vpdq: 3, blockhash: 4 };

function groupItems(candidates: readonly NoticeCandidate[]): NoticeItem[] {
  const byMedia = new Map<number, NoticeCandidate[]>();
  for (const c of candidates) byMedia.set(c.mediaId, [...(byMedia.get(c.mediaId) ?? []), c]);
  const items: NoticeItem[] = [];
  for (const group of byMedia.values()) {
    const sorted = [...group].sort((a, b) => a.matchId - b.matchId);
    const best = [...group].sort(
      (a, b) => (SIGNAL_RANK[a.signal] ?? 9) - (SIGNAL_RANK[b.signal] ?? 9) || a.distance - b.distance,
    )[0];
    if (!best) continue;
    items.push({
      url: best.url,
      mediaId: best.mediaId,
      matchIds: sorted.map((c) => c.matchId),
      caseRefs: sorted.map((c) => c.caseRef),
      firstSeenAt: best.firstSeenAt.toISOString(),
      lastVerifiedAt: best.lastVerifiedAt.toISOString(),
      evidence: {
        kind: best.kind,
        signal: best.signal,
        distance: best.distance,
        md5: best.md5,
        sha256: best.sha256,
        pdq: best.kind === 'image' ? best.pdq : null,
      },
      previousRefs: uniqueSorted(group.flatMap((c) => (c.previous ? [c.previous.ref] : []))),
      ...reuploadOfGroup(sorted),
    });
  }
  return items.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : a.mediaId - b.mediaId));
}

function reuploadOfGroup(group: readonly NoticeCandidate[]): Pick<NoticeItem, 'reuploadOf'> {
  const origin = group.find((c) => c.reuploadOf)?.reuploadOf;
  return origin ? { reuploadOf: origin } : {};
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
