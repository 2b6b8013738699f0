import { describe, expect, it } from 'vitest';
import { NO_FIGURES } from '../../../test/helpers/removal-data.js';
import type { RemovalStats } from '../../reports/index.js';
import { cachedRemovalStats } from './stats-cache.js';

describe('cachedRemovalStats', () => {
  it('runs the query once per minute however often it is asked, and again after', async () => {
    let clock = 1_000_000;
    const runs: Date[] = [];
    const stats = cachedRemovalStats(
      async (now): Promise<RemovalStats> => {
        runs.push(now);
        return { generatedAt: now, platforms: [], totals: NO_FIGURES };
      },
      { now: () => new Date(clock) },
    );
    const first = await stats();
    await Promise.all([stats(), stats(), stats()]);
    clock += 59_999;
    expect(await stats()).toBe(first);
    expect(runs).toHaveLength(1);
    clock += 1;
    expect((await stats()).generatedAt.getTime()).toBe(clock);
    expect(runs).toHaveLength(2);
  });

  it('shares one query between parallel callers and keeps no failure', async () => {
    let calls = 0;
    let fail = true;
    const stats = cachedRemovalStats(async (now) => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new Error('connect ECONNREFUSED');
      return { generatedAt: now, platforms: [], totals: NO_FIGURES };
    });
    const answers = await Promise.allSettled([stats(), stats()]);
    expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    fail = false;
    await expect(stats()).resolves.toMatchObject({ platforms: [] });
    expect(calls).toBe(2);
  });
});
