/**
 * A small, fully known history of notices, removals and re-uploads, for the statistics tests (store,
 * API, page, metrics, case status). Every expected figure is worked out by hand in
 * `REMOVAL_EXPECTED` below from the times set here.
 */
import type pg from 'pg';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The default "now" of the history; the first notice goes out 30 days before it (T0). */
export const NOW = new Date('2026-02-04T06:00:00Z');

export interface RemovalData {
  now: Date;
  /** When the first notice was sent: 30 days before `now`. */
  t0: Date;
  platforms: { alpha: number; beta: number; gamma: number };
  cases: { first: number; second: number };
  caseRefs: { first: string; second: string };
}

/** Every figure before anything was noticed: counts 0, no rate and no times (rather than 0). */
export const NO_FIGURES = {
  noticesSent: 0,
  itemsNoticed: 0,
  itemsRemoved: 0,
  removalRate: null,
  medianSecondsToRemoval: null,
  p90SecondsToRemoval: null,
  outstandingPastDeadline: 0,
  reuploads: 0,
} as const;

/**
 * Hand-worked answers.
 * Alpha: notices N1 (T0) and follow-up N2 (T0+72h) sent, N3 a draft (ignored). Items a1–a7; a1–a5
 * removed 1, 2, 3, 4, 100 h after T0 (a5 was in N1 and N2: measured from N1). a6 is still up and
 * past N1's 48 h deadline (outstanding); a7 is still up but its case was withdrawn (not outstanding).
 * Re-upload notice R1 (T0+5d, deadline T0+7d) names r1 on x.cdn.alpha.example (same file as a1,
 * `reupload_of` N1): still up, so outstanding too. Alpha: 3 sent, 8 items, 5 removed; times
 * [1,2,3,4,100] h → median 3 h; p90 at position 0.9×4 = 3.6 → 4 + 0.6×96 = 61.6 h; 2 outstanding;
 * 1 re-upload.
 * Beta: N4 sent at NOW−24h (deadline NOW+24h): b1 removed after 6 h, b2 still up but not yet due.
 * Re-upload notice R2 (T0+6d) names r2 on beta.example (a copy of a2's registered file, `reupload_of`
 * N1), removed 10 h later. Beta: 2 sent, 3 items, 2 removed; [6,10] h → median 8 h, p90 6 + 0.9×4 =
 * 9.6 h; 0 outstanding; 1 re-upload.
 * Gamma (owns *.alpha.example): nothing.
 * Not re-uploads, although an older, looser definition counted them: r3 (pending, same file as a1,
 * after its removal), r4 (confirmed, another case, same file as a3, never in a notice), r5 (in a
 * re-upload notice R3 that is still a draft), r6 (rejected).
 * Totals: 5 notices; 11 items, 7 removed; [1,2,3,4,6,10,100] h → median 4 h; p90 at 0.9×6 = 5.4 →
 * 10 + 0.4×90 = 46 h; 2 outstanding; 2 re-uploads.
 * Case "first" holds a1–a5, b1, b2, r1, r2: 9 noticed, 7 removed, median 4 h, 1 outstanding (r1).
 * Case "second" holds a6, a7: 2 noticed, 0 removed, no median, 1 outstanding.
 */
export const REMOVAL_EXPECTED = {
  alpha: {
    noticesSent: 3,
    itemsNoticed: 8,
    itemsRemoved: 5,
    removalRate: 5 / 8,
    medianSecondsToRemoval: 3 * 3600,
    p90SecondsToRemoval: 61.6 * 3600,
    outstandingPastDeadline: 2,
    reuploads: 1,
  },
  beta: {
    noticesSent: 2,
    itemsNoticed: 3,
    itemsRemoved: 2,
    removalRate: 2 / 3,
    medianSecondsToRemoval: 8 * 3600,
    p90SecondsToRemoval: 9.6 * 3600,
    outstandingPastDeadline: 0,
    reuploads: 1,
  },
  gamma: NO_FIGURES,
  totals: {
    noticesSent: 5,
    itemsNoticed: 11,
    itemsRemoved: 7,
    removalRate: 7 / 11,
    medianSecondsToRemoval: 4 * 3600,
    p90SecondsToRemoval: 46 * 3600,
    outstandingPastDeadline: 2,
    reuploads: 2,
  },
  firstCase: {
    itemsNoticed: 9,
    itemsRemoved: 7,
    medianSecondsToRemoval: 4 * 3600,
    outstandingPastDeadline: 1,
  },
  secondCase: { itemsNoticed: 2, itemsRemoved: 0, medianSecondsToRemoval: null, outstandingPastDeadline: 1 },
} as const;

/** A notice of the history; times in ms after T0 (NOW is T0 + 30 days). */
interface NoticeRow {
  key: string;
  platform: 'alpha' | 'beta' | 'gamma';
  level: number;
  status: 'sent' | 'draft';
  kind: 'standard' | 'reupload';
  sentAfterT0: number | null;
}

const NOTICES: readonly NoticeRow[] = [
  { key: 'N1', platform: 'alpha', level: 1, status: 'sent', kind: 'standard', sentAfterT0: 0 },
  { key: 'N2', platform: 'alpha', level: 2, status: 'sent', kind: 'standard', sentAfterT0: 72 * HOUR },
  { key: 'N3', platform: 'alpha', level: 1, status: 'draft', kind: 'standard', sentAfterT0: null },
  { key: 'N4', platform: 'beta', level: 1, status: 'sent', kind: 'standard', sentAfterT0: 29 * DAY },
  { key: 'R1', platform: 'alpha', level: 1, status: 'sent', kind: 'reupload', sentAfterT0: 5 * DAY },
  { key: 'R2', platform: 'beta', level: 1, status: 'sent', kind: 'reupload', sentAfterT0: 6 * DAY },
  { key: 'R3', platform: 'beta', level: 1, status: 'draft', kind: 'reupload', sentAfterT0: null },
];

/**
 * A match of the history: `file` names the content (default `file-<name>`), `item` the registered
 * file (default its own); `noticed` lists [notice, level, removed ms after T0].
 */
interface MatchRow {
  name: string;
  host: string;
  case: 'first' | 'second';
  file?: string;
  item?: string;
  state?: 'confirmed' | 'pending' | 'rejected' | 'withdrawn';
  createdAfterT0?: number;
  noticed?: readonly (readonly [notice: string, level: number, removedAfterT0?: number])[];
  reuploadOf?: string;
}

const MATCHES: readonly MatchRow[] = [
  { name: 'a1', host: 'alpha.example', case: 'first', noticed: [['N1', 1, 1 * HOUR]] },
  { name: 'a2', host: 'alpha.example', case: 'first', noticed: [['N1', 1, 2 * HOUR]] },
  { name: 'a3', host: 'alpha.example', case: 'first', noticed: [['N1', 1, 3 * HOUR]] },
  { name: 'a4', host: 'alpha.example', case: 'first', noticed: [['N1', 1, 4 * HOUR]] },
  {
    name: 'a5',
    host: 'alpha.example',
    case: 'first',
    noticed: [
      ['N1', 1, 100 * HOUR],
      ['N2', 2, 100 * HOUR],
    ],
  },
  {
    name: 'a6',
    host: 'alpha.example',
    case: 'second',
    noticed: [
      ['N1', 1],
      ['N2', 2],
    ],
  },
  { name: 'a7', host: 'alpha.example', case: 'second', state: 'withdrawn', noticed: [['N1', 1]] },
  { name: 'a8', host: 'alpha.example', case: 'second', noticed: [['N3', 1]] },
  { name: 'b1', host: 'beta.example', case: 'first', noticed: [['N4', 1, 29 * DAY + 6 * HOUR]] },
  { name: 'b2', host: 'beta.example', case: 'first', noticed: [['N4', 1]] },
  {
    name: 'r1',
    host: 'x.cdn.alpha.example',
    case: 'first',
    file: 'file-a1',
    createdAfterT0: 5 * DAY,
    noticed: [['R1', 1]],
    reuploadOf: 'N1',
  },
  {
    name: 'r2',
    host: 'beta.example',
    case: 'first',
    item: 'a2',
    createdAfterT0: 6 * DAY,
    noticed: [['R2', 1, 6 * DAY + 10 * HOUR]],
    reuploadOf: 'N1',
  },
  {
    name: 'r3',
    host: 'beta.example',
    case: 'first',
    file: 'file-a1',
    state: 'pending',
    createdAfterT0: 7 * DAY,
  },
  { name: 'r4', host: 'unknown.example', case: 'second', file: 'file-a3', createdAfterT0: 7 * DAY },
  {
    name: 'r5',
    host: 'beta.example',
    case: 'first',
    file: 'file-a4',
    createdAfterT0: 8 * DAY,
    noticed: [['R3', 1]],
    reuploadOf: 'N1',
  },
  {
    name: 'r6',
    host: 'beta.example',
    case: 'first',
    file: 'file-a1',
    state: 'rejected',
    createdAfterT0: 9 * DAY,
  },
];

/**
 * Writes the history above into a migrated, empty database, dated relative to `now` (pass the real
 * clock when the code under test reads it).
 */
export async function seedRemovalData(pool: pg.Pool, now: Date = NOW): Promise<RemovalData> {
  const T0 = new Date(now.getTime() - 30 * DAY);
  const at = (ms: number) => new Date(T0.getTime() + ms);
  const one = async (sql: string, params: unknown[] = []) =>
    Number((await pool.query(sql, params)).rows[0].id);
  const platform = async (name: string, patterns: string[]) => {
    const id = await one(
      `INSERT INTO platforms (name, abuse_email, jurisdictions) VALUES ($1, $2, '{EU}') RETURNING id`,
      [name, `abuse@${name.split(' ')[0]?.toLowerCase()}.example`],
    );
    for (const p of patterns)
      await pool.query('INSERT INTO platform_hosts (pattern, platform_id) VALUES ($1, $2)', [p, id]);
    return id;
  };
  const alpha = await platform('Alpha Example', ['alpha.example', '*.cdn.alpha.example']);
  const beta = await platform('Beta Example', ['beta.example']);
  const gamma = await platform('Gamma Example', ['*.alpha.example']);
  const kase = (ref: string, status = 'active') =>
    one(
      `INSERT INTO cases (ref, pin_hash, consent, source, status) VALUES ($1, 'x', '{}', 'web', $2) RETURNING id`,
      [ref, status],
    );
  const first = await kase('HW-STAT-FRST');
  const second = await kase('HW-STAT-SCND');
  const contents = new Map<string, number>();
  const content = async (key: string) => {
    const known = contents.get(key);
    if (known) return known;
    const id = await one(
      `INSERT INTO contents (sha256, md5, kind, bytes) VALUES (md5($1) || md5($1), md5($1), 'image', 10) RETURNING id`,
      [key],
    );
    contents.set(key, id);
    return id;
  };
  const items = new Map<string, number>();
  /** A media location with a match; `file` names the content, `item` the registered file. */
  const match = async (o: MatchRow, caseId: number) => {
    const itemKey = o.item ?? o.name;
    let item = items.get(itemKey);
    if (!item) {
      item = await one(`INSERT INTO registered_items (case_id, kind) VALUES ($1, 'image') RETURNING id`, [
        caseId,
      ]);
      items.set(itemKey, item);
    }
    const url = `https://${o.host}/${o.name}.jpg`;
    const media = await one(
      `INSERT INTO media (url, normalized_url, host, content_id, status) VALUES ($1, $1, $2, $3, 'hashed') RETURNING id`,
      [url, o.host, await content(o.file ?? `file-${o.name}`)],
    );
    const createdAt = o.createdAfterT0 === undefined ? T0 : at(o.createdAfterT0);
    const id = await one(
      `INSERT INTO matches (media_id, case_id, item_id, signal, distance, score, variant, state, created_at)
       VALUES ($1, $2, $3, 'pdq', 2, 0.95, 'original', $4, $5) RETURNING id`,
      [media, caseId, item, o.state ?? 'confirmed', createdAt],
    );
    return { id, media };
  };
  const notices = new Map<string, number>();
  for (const [i, n] of NOTICES.entries()) {
    const sentAt = n.sentAfterT0 === null ? null : at(n.sentAfterT0);
    notices.set(
      n.key,
      await one(
        `INSERT INTO notices (ref, platform_id, level, status, kind, body, deadline_hours, sent_at, deadline_at)
         VALUES ($1, $2, $3, $4, $5, '{}', 48, $6, $6::timestamptz + interval '48 hours') RETURNING id`,
        [`HWN-TEST-${i + 1}`, { alpha, beta, gamma }[n.platform], n.level, n.status, n.kind, sentAt],
      ),
    );
  }
  const noticeId = (key: string) => notices.get(key) as number;
  const caseIds = { first, second };
  for (const row of MATCHES) {
    const m = await match(row, caseIds[row.case]);
    for (const [key, level, removedAfterT0] of row.noticed ?? []) {
      const removedAt = removedAfterT0 === undefined ? null : at(removedAfterT0);
      await pool.query(
        `INSERT INTO notice_items (notice_id, match_id, media_id, level, removed_at, reupload_of)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [noticeId(key), m.id, m.media, level, removedAt, row.reuploadOf ? noticeId(row.reuploadOf) : null],
      );
    }
  }

  return {
    now,
    t0: T0,
    platforms: { alpha, beta, gamma },
    cases: { first, second },
    caseRefs: { first: 'HW-STAT-FRST', second: 'HW-STAT-SCND' },
  };
}
