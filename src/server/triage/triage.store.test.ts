import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { decideMatches, pendingMatches } from './triage.store.js';

describe('triage store', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  const caseIds: number[] = [];
  let itemId: number;

  beforeAll(async () => {
    env = await migratedDatabase();
    const q = env.db.pool;
    for (const ref of ['HW-STOR-E001', 'HW-STOR-E002'])
      caseIds.push(
        (
          await q.query(
            `INSERT INTO cases (ref, pin_hash, consent, contact_email, source)
             VALUES ($1, 'x', '{}', 'someone@private.example', 'web') RETURNING id`,
            [ref],
          )
        ).rows[0].id,
      );
    itemId = (
      await q.query(`INSERT INTO registered_items (case_id, kind) VALUES ($1, 'image') RETURNING id`, [
        caseIds[0],
      ])
    ).rows[0].id;
    await q.query(
      `INSERT INTO registered_hashes (item_id, case_id, signal, value) VALUES ($1, $2, 'pdq', $3)`,
      [itemId, caseIds[0], 'cd'.repeat(32)],
    );
  });
  afterAll(async () => {
    await env?.close();
  });

  let n = 0;
  const media = async () =>
    (
      await env.db.pool.query(
        `INSERT INTO media (url, normalized_url, host, status) VALUES ($1, $1, 'tube.example', 'hashed') RETURNING id`,
        [`https://tube.example/${++n}.jpg`],
      )
    ).rows[0].id as number;
  const match = async (mediaId: number, score: number, caseIndex = 0) =>
    Number(
      (
        await env.db.pool.query(
          `INSERT INTO matches (media_id, case_id, item_id, signal, distance, score, variant)
           VALUES ($1, $2, $3, 'pdq', 10, $4, 'original') RETURNING id`,
          [mediaId, caseIds[caseIndex], caseIndex === 0 ? itemId : null, score],
        )
      ).rows[0].id,
    );
  const stateOf = async (id: number) =>
    (await env.db.pool.query('SELECT state, decided_at FROM matches WHERE id = $1', [id])).rows[0];
  const audits = async (id: number) =>
    (
      await env.db.pool.query('SELECT actor, action, detail FROM audit_log WHERE subject = $1 ORDER BY id', [
        `match:${id}`,
      ])
    ).rows;
  const decide = (matchIds: number[], decision: 'confirm' | 'reject' | 'escalate', reason?: 'not_same') =>
    decideMatches(env.db, { matchIds, decision, actor: 'ana@example.org', ...(reason ? { reason } : {}) });

  it('confirms, rejects and escalates in one go each, with an audit entry per match', async () => {
    const [a, b, c] = [
      await match(await media(), 0.5),
      await match(await media(), 0.5),
      await match(await media(), 0.5),
    ];
    expect(await decide([a, a], 'confirm')).toEqual({
      requested: 1,
      changed: 1,
      unchanged: [],
      awaiting: [],
      alreadyConfirmed: [],
      allowlist: [],
    });
    expect((await decide([b], 'reject', 'not_same')).changed).toBe(1);
    expect((await decide([c], 'escalate')).changed).toBe(1);
    expect((await stateOf(a)).state).toBe('confirmed');
    expect((await stateOf(a)).decided_at).toBeInstanceOf(Date);
    expect((await stateOf(b)).state).toBe('rejected');
    expect((await stateOf(c)).state).toBe('escalated');
    expect(await audits(a)).toEqual([
      { actor: 'ana@example.org', action: 'match.confirm', detail: { reason: null } },
    ]);
    expect(await audits(b)).toEqual([
      { actor: 'ana@example.org', action: 'match.reject', detail: { reason: 'not_same' } },
    ]);
    expect((await audits(c))[0]?.action).toBe('match.escalate');
    const left = (await pendingMatches(env.db.pool, 500)).map((m) => m.id);
    for (const id of [a, b, c]) expect(left).not.toContain(id);
  });

  it('never changes a decided match again, but settles an escalated one', async () => {
    const [a, b] = [await match(await media(), 0.5), await match(await media(), 0.5)];
    await decide([a], 'reject', 'not_same');
    await decide([b], 'escalate');
    expect(await decide([a, b, 999_999], 'escalate')).toMatchObject({
      changed: 0,
      unchanged: [a, b, 999_999],
    });
    expect(await decide([a, b], 'confirm')).toMatchObject({ requested: 2, changed: 1, unchanged: [a] });
    expect((await stateOf(a)).state).toBe('rejected');
    expect((await stateOf(b)).state).toBe('confirmed');
    expect(await audits(a)).toHaveLength(1);
  });

  it('orders the queue by score and shows earlier decisions on the same media', async () => {
    const shared = await media();
    const decided = await match(shared, 0.7, 1);
    await decide([decided], 'reject', 'not_same');
    const pending = await match(shared, 0.97);
    const lower = await match(await media(), 0.96);
    const queue = await pendingMatches(env.db.pool, 500);
    const ids = queue.map((m) => m.id);
    expect(ids.indexOf(pending)).toBeLessThan(ids.indexOf(lower));
    expect(ids).not.toContain(decided);
    const row = queue.find((m) => m.id === pending);
    expect(row).toMatchObject({ caseRef: 'HW-STOR-E001', pageUrl: null, earlier: [{ state: 'rejected' }] });
    expect(row?.earlier[0]?.decidedAt).toBeInstanceOf(Date);
    expect(JSON.stringify(queue)).not.toContain('private.example');
  });

  it('returns the registered hash behind a match rejected as a bad registered hash', async () => {
    const id = await match(await media(), 0.5);
    const result = await decideMatches(env.db, {
      matchIds: [id],
      decision: 'reject',
      reason: 'bad_registered_hash',
      actor: 'ana@example.org',
    });
    expect(result.allowlist).toEqual([
      {
        signal: 'pdq',
        value: 'cd'.repeat(32),
        reason: `rejected in triage as match:${id}`,
        createdBy: 'ana@example.org',
      },
    ]);
  });

  it('rolls the decision back when the allow-list fails, so it can be retried', async () => {
    const id = await match(await media(), 0.5);
    const input = {
      matchIds: [id],
      decision: 'reject' as const,
      reason: 'bad_registered_hash' as const,
      actor: 'a@x.org',
    };
    await expect(
      decideMatches(env.db, input, async () => {
        throw new Error('registry down');
      }),
    ).rejects.toThrow('registry down');
    expect((await stateOf(id)).state).toBe('pending');
    expect(await audits(id)).toEqual([]);
    const seen: unknown[] = [];
    expect((await decideMatches(env.db, input, async (e) => seen.push(e))).changed).toBe(1);
    expect(seen).toHaveLength(1);
  });
});
