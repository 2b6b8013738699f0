import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { silentLog } from '../../../test/helpers/services.js';
import { listPlatforms } from '../../reports/index.js';
import { verifyAudit } from '../audit/index.js';
import { SEED_ACTOR, seedPlatformDirectory } from './seed-directory.js';

const EXAMPLE = new URL('../../../config/platforms.example.yaml', import.meta.url).pathname;

describe('seeding the platform directory at start-up', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  const audits = async () =>
    (
      await env.db.pool.query(
        "SELECT actor, subject, detail FROM audit_log WHERE action = 'platform.edit' ORDER BY id",
      )
    ).rows;

  beforeAll(async () => {
    env = await migratedDatabase();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('audits each platform it adds, and nothing on the next start', async () => {
    const first = await seedPlatformDirectory(env.db, EXAMPLE, silentLog);
    expect(first.added).toEqual(['Tube Example', 'Clips Example', 'Forum Example']);
    const platforms = await listPlatforms(env.db.pool);
    const tube = platforms.find((p) => p.name === 'Tube Example');
    const entries = await audits();
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.actor === SEED_ACTOR)).toBe(true);
    expect(entries[0]).toEqual({
      actor: SEED_ACTOR,
      subject: `platform:${tube?.id}`,
      detail: {
        name: 'Tube Example',
        created: true,
        seeded: true,
        hostPatterns: ['tube.example', 'www.tube.example', '*.cdn.tube.example'],
        skippedPatterns: [],
      },
    });
    // No contact details in the audit log.
    expect(JSON.stringify(entries)).not.toContain('@');
    const again = await seedPlatformDirectory(env.db, EXAMPLE, silentLog);
    expect(again.added).toEqual([]);
    expect(await audits()).toHaveLength(3);
    expect((await verifyAudit(env.db.pool)).ok).toBe(true);
  });
});
