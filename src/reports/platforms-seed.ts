/**
 * The platform directory file (YAML), for seeding a fresh installation or keeping the directory in
 * version control. Parsing is pure and reports every problem at once. Loading only adds platforms
 * whose name is not in the directory yet: once there, a platform is edited on `/platforms`, and a
 * restart never undoes that. See config/platforms.example.yaml for the format.
 */
import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { platformsInvalid } from './errors.js';
import { normalizeHostPattern } from './host-pattern.js';
import { type InsertedPlatform, insertPlatform, type TakenPattern } from './platform.store.js';
import { JURISDICTIONS, type PlatformInput } from './types.js';

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

const platformSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    hosts: z.array(z.string()).min(1, { message: 'needs at least one host pattern' }),
    abuseEmail: z.email().optional(),
    webformUrl: httpUrl.optional(),
    trustedFlaggerChannel: z.string().trim().min(1).optional(),
    jurisdictions: z.array(z.enum(JURISDICTIONS)).default([]),
    language: z.literal('en').default('en'),
    preferredFormat: z.enum(['email', 'webform']).optional(),
    hostingProvider: z
      .object({ name: z.string().trim().min(1).optional(), email: z.email() })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => p.abuseEmail !== undefined || p.webformUrl !== undefined, {
    message: 'needs an abuseEmail or a webformUrl, or notices cannot reach it',
  });

const fileSchema = z.object({ platforms: z.array(platformSchema) }).strict();

/** The schema of one directory entry, shared by the YAML file and the admin form on `/platforms`. */
export const platformEntrySchema = platformSchema;
/** One directory entry as written in the file (or sent by the admin form), after the schema. */
export type PlatformEntry = z.infer<typeof platformSchema>;

/** A problem with one entry, by field: `hosts` (a pattern) or `preferredFormat`. */
export interface EntryProblem {
  field: 'hosts' | 'preferredFormat';
  message: string;
}

/**
 * Turns a schema-checked entry into a directory record: host patterns normalised (each checked by
 * the host-pattern rules) and de-duplicated, defaults filled in. Problems are returned, not thrown.
 */
export function platformInputOf(p: PlatformEntry): { input: PlatformInput; problems: EntryProblem[] } {
  const problems: EntryProblem[] = [];
  const hostPatterns: string[] = [];
  for (const host of p.hosts) {
    const n = normalizeHostPattern(host);
    if ('problem' in n) problems.push({ field: 'hosts', message: n.problem });
    else if (!hostPatterns.includes(n.pattern)) hostPatterns.push(n.pattern);
  }
  // A platform without an email address can only be reached through its form.
  const preferredFormat = p.preferredFormat ?? (p.abuseEmail ? 'email' : 'webform');
  if (preferredFormat === 'email' && !p.abuseEmail)
    problems.push({ field: 'preferredFormat', message: 'email needs an abuseEmail' });
  const input: PlatformInput = {
    name: p.name,
    hostPatterns,
    abuseEmail: p.abuseEmail ?? null,
    webformUrl: p.webformUrl ?? null,
    trustedFlaggerChannel: p.trustedFlaggerChannel ?? null,
    jurisdictions: [...new Set(p.jurisdictions)],
    language: p.language,
    preferredFormat,
    escalation: p.hostingProvider
      ? { name: p.hostingProvider.name ?? null, email: p.hostingProvider.email }
      : null,
  };
  return { input, problems };
}

/** Parses and checks a directory file; throws `PLATFORMS_FILE_INVALID` listing every problem. */
export function parsePlatformsYaml(text: string): PlatformInput[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw platformsInvalid([`not valid YAML: ${(err as Error).message}`]);
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    throw platformsInvalid(parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`));
  }
  const problems: string[] = [];
  const formatProblems: string[] = [];
  const seenNames = new Set<string>();
  const seenPatterns = new Map<string, string>();
  const platforms = parsed.data.platforms.map((p, index): PlatformInput => {
    if (seenNames.has(p.name)) problems.push(`platforms.${index}.name: "${p.name}" appears twice`);
    seenNames.add(p.name);
    const { input, problems: entryProblems } = platformInputOf(p);
    for (const e of entryProblems) {
      (e.field === 'hosts' ? problems : formatProblems).push(`platforms.${index}.${e.field}: ${e.message}`);
    }
    for (const pattern of input.hostPatterns) {
      const owner = seenPatterns.get(pattern);
      if (owner !== undefined && owner !== p.name) {
        problems.push(`platforms.${index}.hosts: ${pattern} is also listed for "${owner}"`);
      }
      seenPatterns.set(pattern, p.name);
    }
    return input;
  });
  problems.push(...formatProblems);
  if (problems.length) throw platformsInvalid(problems);
  return platforms;
}

/** What seeding did: platforms added, names already in the directory, host patterns left out. */
export interface SeedResult {
  added: string[];
  alreadyThere: string[];
  /** Patterns of added platforms that another platform already owned (that platform keeps them). */
  skippedPatterns: (TakenPattern & { platform: string })[];
}

/**
 * Reads a directory file and adds each platform whose name is not in the directory yet, with its
 * host patterns; a pattern another platform already owns is left out and reported, never moved.
 * Platforms already there are left exactly as they are (an admin may have edited them).
 * `onInserted` runs in the transaction of each added platform (the audit entry).
 */
export async function seedPlatforms(
  pool: pg.Pool,
  path: string,
  onInserted?: (client: pg.PoolClient, platform: InsertedPlatform & { name: string }) => Promise<unknown>,
): Promise<SeedResult> {
  const platforms = parsePlatformsYaml(await readFile(path, 'utf8'));
  const result: SeedResult = { added: [], alreadyThere: [], skippedPatterns: [] };
  for (const p of platforms) {
    const inserted = await insertPlatform(pool, p, {
      onTaken: 'skip',
      alsoInTransaction: (client, ins) => onInserted?.(client, { ...ins, name: p.name }) ?? Promise.resolve(),
    });
    if (!inserted) {
      result.alreadyThere.push(p.name);
      continue;
    }
    result.added.push(p.name);
    result.skippedPatterns.push(...inserted.skipped.map((t) => ({ ...t, platform: p.name })));
  }
  return result;
}
