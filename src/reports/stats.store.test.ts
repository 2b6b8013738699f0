import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../test/helpers/app.js';
import {
  NO_FIGURES,
  REMOVAL_EXPECTED,
  type RemovalData,
  seedRemovalData,
} from '../../test/helpers/removal-data.js';
import { caseRemovalStats, removalStats } from './stats.store.js';

describe('removal statistics (Postgres)', () => {
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  let data: RemovalData;

  beforeAll(async () => {
    database = await migratedDatabase();
    data = await seedRemovalData(database.db.pool);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('are zero, with no rate or times, before any notice', async () => {
    const empty = await migratedDatabase();
    try {
      const stats = await removalStats(empty.db.pool, data.now);
      expect(stats.platforms).toEqual([]);
      expect(stats.totals).toEqual(NO_FIGURES);
    } finally {
      await empty.close();
    }
  });

  it('computes each platform’s figures and the totals (median and p90 worked out by hand)', async () => {
    const stats = await removalStats(database.db.pool, data.now);
    expect(stats.platforms.map((p) => p.platform)).toEqual([
      'Alpha Example',
      'Beta Example',
      'Gamma Example',
    ]);
    const byName = Object.fromEntries(stats.platforms.map((p) => [p.platform, p]));
    expect(byName['Alpha Example']).toEqual({
      platformId: data.platforms.alpha,
      platform: 'Alpha Example',
      ...REMOVAL_EXPECTED.alpha,
    });
    expect(byName['Beta Example']).toEqual({
      platformId: data.platforms.beta,
      platform: 'Beta Example',
      ...REMOVAL_EXPECTED.beta,
    });
    expect(byName['Gamma Example']).toEqual({
      platformId: data.platforms.gamma,
      platform: 'Gamma Example',
      ...REMOVAL_EXPECTED.gamma,
    });
    expect(stats.totals).toEqual(REMOVAL_EXPECTED.totals);
  });

  it('counts an item as past its deadline only once the deadline has passed', async () => {
    // Before N1's 48 h deadline nothing is overdue; Beta's notice was not even sent yet then.
    const early = await removalStats(database.db.pool, new Date(data.t0.getTime() + 47 * 3_600_000));
    expect(early.totals.outstandingPastDeadline).toBe(0);
    const late = await removalStats(database.db.pool, new Date(data.now.getTime() + 2 * 86_400_000));
    // b2's deadline (now + 24 h) has passed too.
    expect(late.platforms.find((p) => p.platform === 'Beta Example')?.outstandingPastDeadline).toBe(1);
  });

  it('counts re-uploads exactly as the re-upload notices record them, on the notice’s platform', async () => {
    // Pending, unnoticed, draft-notice and rejected look-alikes (r3–r6) count nowhere.
    const stats = await removalStats(database.db.pool, data.now);
    expect(stats.platforms.map((p) => [p.platform, p.reuploads])).toEqual([
      ['Alpha Example', 1],
      ['Beta Example', 1],
      ['Gamma Example', 0],
    ]);
    // Once the re-upload notice R2 is no longer sent (say, marked failed), it no longer counts.
    await database.db.pool.query(
      "UPDATE notices SET status = 'failed' WHERE kind = 'reupload' AND platform_id = $1 AND status = 'sent'",
      [data.platforms.beta],
    );
    try {
      const after = await removalStats(database.db.pool, data.now);
      expect(after.platforms.find((p) => p.platform === 'Beta Example')?.reuploads).toBe(0);
      expect(after.totals.reuploads).toBe(1);
    } finally {
      await database.db.pool.query(
        "UPDATE notices SET status = 'sent' WHERE kind = 'reupload' AND platform_id = $1 AND sent_at IS NOT NULL",
        [data.platforms.beta],
      );
    }
  });

  it('gives a case its own figures only', async () => {
    expect(await caseRemovalStats(database.db.pool, data.caseRefs.first, data.now)).toEqual(
      REMOVAL_EXPECTED.firstCase,
    );
    expect(await caseRemovalStats(database.db.pool, data.caseRefs.second, data.now)).toEqual(
      REMOVAL_EXPECTED.secondCase,
    );
    expect(await caseRemovalStats(database.db.pool, 'HW-NONE-XIST', data.now)).toEqual({
      itemsNoticed: 0,
      itemsRemoved: 0,
      medianSecondsToRemoval: null,
      outstandingPastDeadline: 0,
    });
  });
});
