/**
 * Start-up seeding of the platform directory from `PLATFORMS_FILE`, with every added platform
 * written to the audit log. Insert-only: a platform already in the directory (perhaps edited on
 * `/platforms`) is left exactly as it is, so a restart never undoes an admin's edit.
 */
import type { Db } from '../../db/index.js';
import type { Logger } from '../../logger.js';
import { type SeedResult, seedPlatforms } from '../../reports/index.js';
import { appendAudit } from '../audit/index.js';

/** The audit actor of platforms added from the directory file. */
export const SEED_ACTOR = 'system:platforms-file';

/**
 * Adds the platforms of the YAML file at `path` that are not in the directory yet; each is audited
 * as `platform.edit` (`created`, `seeded`) in its own transaction. A host pattern another platform
 * already owns stays with that platform and is logged as a warning, not a start-up failure.
 */
export async function seedPlatformDirectory(db: Db, path: string, log: Logger): Promise<SeedResult> {
  const result = await seedPlatforms(db.pool, path, (client, p) =>
    appendAudit(client, {
      actor: SEED_ACTOR,
      action: 'platform.edit',
      subject: `platform:${p.id}`,
      detail: {
        name: p.name,
        created: true,
        seeded: true,
        hostPatterns: p.hostPatterns,
        skippedPatterns: p.skipped.map((t) => t.pattern),
      },
    }),
  );
  for (const s of result.skippedPatterns) {
    log.warn(
      { platform: s.platform, pattern: s.pattern, owner: s.owner },
      'platform directory file: host pattern already belongs to another platform; left with it',
    );
  }
  log.info(
    { added: result.added.length, alreadyThere: result.alreadyThere.length },
    'platform directory file read: new platforms added, existing ones left as they are',
  );
  return result;
}
