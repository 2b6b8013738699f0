/**
 * The platform directory file (YAML), for seeding a fresh installation or keeping the directory in
 * version control. Parsing is pure and reports every problem at once; loading upserts by name.
 * See config/platforms.example.yaml for the format.
 */
import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { platformsInvalid } from './errors.js';
import { normalizeHostPattern } from './host-pattern.js';
import { upsertPlatform } from './platform.store.js';
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
  const seenNames = new Set<string>();
  const seenPatterns = new Map<string, string>();
  const platforms = parsed.data.platforms.map((p, index): PlatformInput => {
    if (seenNames.has(p.name)) problems.push(`platforms.${index}.name: "${p.name}" appears twice`);
    seenNames.add(p.name);
    const hostPatterns: string[] = [];
    for (const host of p.hosts) {
      const n = normalizeHostPattern(host);
      if ('problem' in n) {
        problems.push(`platforms.${index}.hosts: ${n.problem}`);
        continue;
      }
      const owner = seenPatterns.get(n.pattern);
      if (owner !== undefined && owner !== p.name) {
        problems.push(`platforms.${index}.hosts: ${n.pattern} is also listed for "${owner}"`);
      }
      seenPatterns.set(n.pattern, p.name);
      if (!hostPatterns.includes(n.pattern)) hostPatterns.push(n.pattern);
    }
    return {
      name: p.name,
      hostPatterns,
      abuseEmail: p.abuseEmail ?? null,
      webformUrl: p.webformUrl ?? null,
      trustedFlaggerChannel: p.trustedFlaggerChannel ?? null,
      jurisdictions: [...new Set(p.jurisdictions)],
      language: p.language,
      // A platform without an email address can only be reached through its form.
      preferredFormat: p.preferredFormat ?? (p.abuseEmail ? 'email' : 'webform'),
      escalation: p.hostingProvider
        ? { name: p.hostingProvider.name ?? null, email: p.hostingProvider.email }
        : null,
    };
  });
  for (const [i, p] of platforms.entries()) {
    if (p.preferredFormat === 'email' && !p.abuseEmail) {
      problems.push(`platforms.${i}.preferredFormat: email needs an abuseEmail`);
    }
  }
  if (problems.length) throw platformsInvalid(problems);
  return platforms;
}

/** Reads a directory file and upserts every platform in it (by name). Returns how many. */
export async function seedPlatforms(pool: pg.Pool, path: string): Promise<number> {
  const platforms = parsePlatformsYaml(await readFile(path, 'utf8'));
  for (const p of platforms) await upsertPlatform(pool, p);
  return platforms.length;
}
