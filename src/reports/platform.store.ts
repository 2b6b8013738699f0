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

/**
 * Creates a platform, or updates the one with the same name, and makes its host patterns exactly
 * `input.hostPatterns` (already normalised). A pattern owned by another platform is refused.
 */
export async function upsertPlatform(pool: pg.Pool, input: PlatformInput): Promise<number> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO platforms (name, abuse_email, webform_url, trusted_flagger_channel, jurisdictions, language,
         preferred_format, escalation_name, escalation_email)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (name) DO UPDATE SET abuse_email = EXCLUDED.abuse_email, webform_url = EXCLUDED.webform_url,
         trusted_flagger_channel = EXCLUDED.trusted_flagger_channel, jurisdictions = EXCLUDED.jurisdictions,
         language = EXCLUDED.language, preferred_format = EXCLUDED.preferred_format,
         escalation_name = EXCLUDED.escalation_name, escalation_email = EXCLUDED.escalation_email, updated_at = now()
       RETURNING id`,
      [
        input.name,
        input.abuseEmail,
        input.webformUrl,
        input.trustedFlaggerChannel,
        input.jurisdictions,
        input.language,
        input.preferredFormat,
        input.escalation?.name ?? null,
        input.escalation?.email ?? null,
      ],
    );
    const id = Number(rows[0]?.id);
    await client.query(
      'DELETE FROM platform_hosts WHERE platform_id = $1 AND NOT (pattern = ANY($2::text[]))',
      [id, input.hostPatterns],
    );
    const { rows: owners } = await client.query<{ pattern: string; platform_id: string; name: string }>(
      `WITH ins AS (
         INSERT INTO platform_hosts (pattern, platform_id) SELECT unnest($2::text[]), $1
         ON CONFLICT (pattern) DO NOTHING RETURNING pattern)
       SELECT h.pattern, h.platform_id, p.name FROM platform_hosts h JOIN platforms p ON p.id = h.platform_id
        WHERE h.pattern = ANY($2::text[]) AND h.platform_id <> $1 AND h.pattern NOT IN (SELECT pattern FROM ins)`,
      [id, input.hostPatterns],
    );
    const taken = owners[0];
    if (taken) throw platformHostTaken(taken.pattern, taken.name);
    return id;
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

/** A host with confirmed matches that no platform in the directory covers. */
export interface HostNeedingContact {
  host: string;
  matches: number;
  media: number;
  oldestConfirmedAt: Date | null;
}

/**
 * Hosts of confirmed matches not yet in any notice that no platform covers: an admin must add the
 * platform (or a pattern) before these can be notified. Largest first.
 */
export async function hostsNeedingContact(db: Queryable): Promise<HostNeedingContact[]> {
  const { rows } = await db.query<{ host: string; matches: number; media: number; oldest: Date | null }>(
    `SELECT me.host, count(*)::int AS matches, count(DISTINCT me.id)::int AS media, min(m.decided_at) AS oldest
       FROM matches m JOIN media me ON me.id = m.media_id
      WHERE m.state = 'confirmed' AND NOT EXISTS (SELECT 1 FROM notice_items ni WHERE ni.match_id = m.id)
      GROUP BY me.host`,
  );
  const directory = await hostPatternDirectory(db);
  return rows
    .filter((r) => bestPattern(r.host, directory.keys()) === undefined)
    .map((r) => ({ host: r.host, matches: r.matches, media: r.media, oldestConfirmedAt: r.oldest }))
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
