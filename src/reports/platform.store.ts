/**
 * SQL of the platform directory: platforms, their host patterns, and the hosts of confirmed
 * matches that no platform covers yet ("needs contact", for admins).
 */
import type pg from 'pg';
import { withTransaction } from '../db/index.js';
import { platformHostTaken } from './errors.js';
import { bestPattern, hostCandidates } from './host-pattern.js';
import type { Jurisdiction, Platform, PlatformInput } from './types.js';

type Queryable = pg.Pool | pg.PoolClient;

const PLATFORM_COLUMNS = `p.id, p.name, p.abuse_email, p.webform_url, p.trusted_flagger_channel, p.jurisdictions,
  p.language, p.preferred_format, p.escalation_name, p.escalation_email,
  coalesce((SELECT array_agg(h.pattern ORDER BY h.pattern) FROM platform_hosts h WHERE h.platform_id = p.id), '{}') AS patterns`;

const PLATFORM_VALUES = `(name, abuse_email, webform_url, trusted_flagger_channel, jurisdictions, language,
         preferred_format, escalation_name, escalation_email)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

function platformParams(input: PlatformInput): unknown[] {
  return [
    input.name,
    input.abuseEmail,
    input.webformUrl,
    input.trustedFlaggerChannel,
    input.jurisdictions,
    input.language,
    input.preferredFormat,
    input.escalation?.name ?? null,
    input.escalation?.email ?? null,
  ];
}

/** A host pattern that another platform already owns. */
export interface TakenPattern {
  pattern: string;
  owner: string;
}

/** Gives `platformId` every pattern of `patterns` no other platform owns; returns the ones taken. */
async function addHostPatterns(
  client: pg.PoolClient,
  platformId: number,
  patterns: readonly string[],
): Promise<TakenPattern[]> {
  const { rows } = await client.query<{ pattern: string; name: string }>(
    `WITH ins AS (
       INSERT INTO platform_hosts (pattern, platform_id) SELECT unnest($2::text[]), $1
       ON CONFLICT (pattern) DO NOTHING RETURNING pattern)
     SELECT h.pattern, p.name FROM platform_hosts h JOIN platforms p ON p.id = h.platform_id
      WHERE h.pattern = ANY($2::text[]) AND h.platform_id <> $1 AND h.pattern NOT IN (SELECT pattern FROM ins)
      ORDER BY h.pattern`,
    [platformId, patterns],
  );
  return rows.map((r) => ({ pattern: r.pattern, owner: r.name }));
}

/**
 * Creates a platform, or updates the one with the same name, and makes its host patterns exactly
 * `input.hostPatterns` (already normalised). A pattern owned by another platform is refused.
 * `alsoInTransaction` runs last in the same transaction (an audit entry commits with the edit).
 */
export async function upsertPlatform(
  pool: pg.Pool,
  input: PlatformInput,
  alsoInTransaction?: (client: pg.PoolClient, platformId: number) => Promise<unknown>,
): Promise<number> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO platforms ${PLATFORM_VALUES}
       ON CONFLICT (name) DO UPDATE SET abuse_email = EXCLUDED.abuse_email, webform_url = EXCLUDED.webform_url,
         trusted_flagger_channel = EXCLUDED.trusted_flagger_channel, jurisdictions = EXCLUDED.jurisdictions,
         language = EXCLUDED.language, preferred_format = EXCLUDED.preferred_format,
         escalation_name = EXCLUDED.escalation_name, escalation_email = EXCLUDED.escalation_email, updated_at = now()
       RETURNING id`,
      platformParams(input),
    );
    const id = Number(rows[0]?.id);
    await client.query(
      'DELETE FROM platform_hosts WHERE platform_id = $1 AND NOT (pattern = ANY($2::text[]))',
      [id, input.hostPatterns],
    );
    const [taken] = await addHostPatterns(client, id, input.hostPatterns);
    if (taken) throw platformHostTaken(taken.pattern, taken.owner);
    await alsoInTransaction?.(client, id);
    return id;
  });
}

/** What {@link insertPlatform} did: the new id and the patterns left out (`onTaken: 'skip'`). */
export interface InsertedPlatform {
  id: number;
  hostPatterns: string[];
  skipped: TakenPattern[];
}

/**
 * Creates a platform only if no platform has its name (`ON CONFLICT (name) DO NOTHING`): never
 * changes an existing one. Returns undefined when the name is taken. A host pattern another
 * platform owns is refused (`onTaken: 'refuse'`, nothing is created) or left out and reported
 * (`'skip'`). `alsoInTransaction` runs last in the same transaction (an audit entry).
 */
export async function insertPlatform(
  pool: pg.Pool,
  input: PlatformInput,
  options: {
    onTaken: 'refuse' | 'skip';
    alsoInTransaction?: (client: pg.PoolClient, inserted: InsertedPlatform) => Promise<unknown>;
  },
): Promise<InsertedPlatform | undefined> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO platforms ${PLATFORM_VALUES} ON CONFLICT (name) DO NOTHING RETURNING id`,
      platformParams(input),
    );
    if (!rows[0]) return undefined;
    const id = Number(rows[0].id);
    const skipped = await addHostPatterns(client, id, input.hostPatterns);
    const [taken] = skipped;
    if (taken && options.onTaken === 'refuse') throw platformHostTaken(taken.pattern, taken.owner);
    const left = new Set(skipped.map((t) => t.pattern));
    const inserted = { id, hostPatterns: input.hostPatterns.filter((p) => !left.has(p)), skipped };
    await options.alsoInTransaction?.(client, inserted);
    return inserted;
  });
}

/** Every platform, by name. */
export async function listPlatforms(db: Queryable): Promise<Platform[]> {
  const { rows } = await db.query(`SELECT ${PLATFORM_COLUMNS} FROM platforms p ORDER BY p.name`);
  return rows.map(toPlatform);
}

/** One platform by id. */
export async function getPlatform(db: Queryable, id: number): Promise<Platform | undefined> {
  const { rows } = await db.query(`SELECT ${PLATFORM_COLUMNS} FROM platforms p WHERE p.id = $1`, [id]);
  return rows[0] ? toPlatform(rows[0]) : undefined;
}

/** The platform responsible for a host: the most specific pattern wins (exact host, then `*.` suffixes). */
export async function platformForHost(db: Queryable, host: string): Promise<Platform | undefined> {
  const candidates = hostCandidates(host);
  const { rows } = await db.query<{ pattern: string; platform_id: string }>(
    'SELECT pattern, platform_id FROM platform_hosts WHERE pattern = ANY($1::text[])',
    [candidates],
  );
  const best = bestPattern(
    host,
    rows.map((r) => r.pattern),
  );
  const owner = rows.find((r) => r.pattern === best);
  return owner ? getPlatform(db, Number(owner.platform_id)) : undefined;
}

/** Every host pattern with its platform id: the directory the batch groups matches with. */
export async function hostPatternDirectory(db: Queryable): Promise<Map<string, number>> {
  const { rows } = await db.query<{ pattern: string; platform_id: string }>(
    'SELECT pattern, platform_id FROM platform_hosts',
  );
  return new Map(rows.map((r) => [r.pattern, Number(r.platform_id)]));
}

/** A host with confirmed (or pending) matches that no platform in the directory covers. */
export interface HostNeedingContact {
  host: string;
  /** Matches counted: confirmed, plus pending ones with `includePending`. */
  matches: number;
  /** Of those, still pending triage (0 without `includePending`). */
  pending: number;
  media: number;
  oldestConfirmedAt: Date | null;
}

/**
 * Hosts of confirmed matches not yet in any notice that no platform covers: an admin must add the
 * platform (or a pattern) before these can be notified. With `includePending`, hosts of matches
 * still waiting for triage count too, so the contact can be found before they are confirmed.
 * Largest first.
 */
export async function hostsNeedingContact(
  db: Queryable,
  options: { includePending?: boolean } = {},
): Promise<HostNeedingContact[]> {
  const states = options.includePending ? ['confirmed', 'pending'] : ['confirmed'];
  const { rows } = await db.query<{
    host: string;
    matches: number;
    pending: number;
    media: number;
    oldest: Date | null;
  }>(
    `SELECT me.host, count(*)::int AS matches, count(*) FILTER (WHERE m.state = 'pending')::int AS pending,
            count(DISTINCT me.id)::int AS media, min(m.decided_at) FILTER (WHERE m.state = 'confirmed') AS oldest
       FROM matches m JOIN media me ON me.id = m.media_id
      WHERE m.state = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM notice_items ni WHERE ni.match_id = m.id)
      GROUP BY me.host`,
    [states],
  );
  const directory = await hostPatternDirectory(db);
  return rows
    .filter((r) => bestPattern(r.host, directory.keys()) === undefined)
    .map((r) => ({
      host: r.host,
      matches: r.matches,
      pending: r.pending,
      media: r.media,
      oldestConfirmedAt: r.oldest,
    }))
    .sort((a, b) => b.matches - a.matches || a.host.localeCompare(b.host));
}

function toPlatform(r: Record<string, unknown>): Platform {
  const escalationEmail = r.escalation_email as string | null;
  return {
    id: Number(r.id),
    name: r.name as string,
    hostPatterns: r.patterns as string[],
    abuseEmail: r.abuse_email as string | null,
    webformUrl: r.webform_url as string | null,
    trustedFlaggerChannel: r.trusted_flagger_channel as string | null,
    jurisdictions: r.jurisdictions as Jurisdiction[],
    language: 'en',
    preferredFormat: r.preferred_format as Platform['preferredFormat'],
    escalation: escalationEmail ? { name: r.escalation_name as string | null, email: escalationEmail } : null,
  };
}
