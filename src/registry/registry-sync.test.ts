import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../test/helpers/app.js';
import { eventually } from '../../test/helpers/process.js';
import { silentLog } from '../../test/helpers/services.js';
import { createDb, type Db } from '../db/index.js';
import { CaseService } from './case-service.js';
import { RegistrySync } from './registry-sync.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const consent = {
  version: '2026-11',
  role: 'self' as const,
  adult: true,
  acceptedAt: new Date().toISOString(),
};
const item = () => ({
  kind: 'image' as const,
  sha256: hex(32),
  md5: hex(16),
  pdq: hex(32),
  pdqQuality: 90,
  blockhash: null,
});

describe('RegistrySync across workers', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let cases: CaseService;
  const pools: Db[] = [];
  const syncs: RegistrySync[] = [];

  beforeAll(async () => {
    env = await migratedDatabase();
    cases = new CaseService(env.db);
  });
  afterAll(async () => {
    await Promise.all(syncs.map((s) => s.close()));
    await Promise.all(pools.map((p) => p.pool.end()));
    await env.close();
  });

  /** A worker's view: its own pool and LISTEN connection, as in a separate process. */
  const worker = async (checkpointMs = 60_000) => {
    const db = createDb(env.url, 2);
    pools.push(db);
    const sync = new RegistrySync({ db, databaseUrl: env.url, log: silentLog, checkpointMs });
    syncs.push(sync);
    await sync.start();
    return sync;
  };

  it('loads what is registered, follows new cases, and drops a withdrawn case by notification, long before the checkpoint', async () => {
    // Checkpoints are a minute apart, so a change seen within the 15 s bound below came by NOTIFY;
    // how fast that is, is a benchmark figure, not a test assertion.
    const before = item();
    await cases.register({ consent, contactEmail: null, items: [before], source: 'api' });
    const [a, b] = [await worker(), await worker()];
    for (const w of [a, b])
      expect(w.matcher.match({ kind: 'image', pdq: before.pdq, pdqQuality: 90 })).toHaveLength(1);

    const later = item();
    const { ref, pin } = await cases.register({ consent, contactEmail: null, items: [later], source: 'api' });
    for (const w of [a, b]) {
      await eventually(
        async () => (w.matcher.match({ kind: 'image', sha256: later.sha256 }).length ? true : undefined),
        15_000,
        'new case visible',
      );
    }

    await cases.withdraw(ref, pin);
    for (const w of [a, b]) {
      await eventually(
        async () =>
          w.matcher.match({ kind: 'image', pdq: later.pdq, pdqQuality: 90 }).length === 0 ? true : undefined,
        15_000,
        'withdrawn case gone',
      );
    }
    // The other case is untouched.
    expect(a.matcher.match({ kind: 'image', sha256: before.sha256 })).toHaveLength(1);
  });

  it('repairs a missed notification at the next checkpoint', async () => {
    const w = await worker(200);
    const { rows } = await env.db.pool.query('SELECT id FROM registered_items LIMIT 1');
    const stray = hex(32);
    // A row written without a change record: no NOTIFY, no change to replay.
    await env.db.pool.query(
      "INSERT INTO registered_hashes (item_id, case_id, signal, value) SELECT id, case_id, 'sha256', $2 FROM registered_items WHERE id = $1",
      [rows[0].id, stray],
    );
    await eventually(
      async () => (w.matcher.match({ kind: 'image', sha256: stray }).length ? true : undefined),
      5_000,
      'checkpoint rebuild',
    );
  });
});

describe('allow-list and per-hash disable', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let cases: CaseService;
  let sync: RegistrySync;

  beforeAll(async () => {
    env = await migratedDatabase();
    cases = new CaseService(env.db);
    sync = new RegistrySync({ db: env.db, databaseUrl: env.url, log: silentLog, checkpointMs: 60_000 });
    await sync.start();
  });
  afterAll(async () => {
    await sync.close();
    await env.close();
  });

  it('flags registered hashes near an allow-listed one instead of letting them match', async () => {
    const generic = item();
    const near = {
      ...item(),
      pdq: `${generic.pdq.slice(0, 62)}${generic.pdq.slice(62) === '00' ? 'ff' : '00'}`,
    };
    const { ref } = await cases.register({ consent, contactEmail: null, items: [generic], source: 'api' });
    await eventually(
      async () =>
        sync.matcher.match({ kind: 'image', pdq: generic.pdq, pdqQuality: 90 }).length ? true : undefined,
      1_000,
      'visible',
    );

    expect(
      await cases.allowlist({
        signal: 'pdq',
        value: generic.pdq,
        reason: 'blank frame',
        createdBy: 'analyst@test',
      }),
    ).toEqual({ flagged: 1 });
    await eventually(
      async () =>
        sync.matcher.match({ kind: 'image', pdq: generic.pdq, pdqQuality: 90 }).length === 0
          ? true
          : undefined,
      1_000,
      'flagged hash gone',
    );
    // Its digests still match: only the perceptual hash was allow-listed.
    expect(sync.matcher.match({ kind: 'image', sha256: generic.sha256 })).toHaveLength(1);

    // A later registration of a near-identical hash is flagged at once and never enters the matcher.
    await cases.register({ consent, contactEmail: null, items: [near], source: 'api' });
    const { rows } = await env.db.pool.query(
      "SELECT flagged_at IS NOT NULL AS flagged FROM registered_hashes WHERE signal = 'pdq' AND value = $1",
      [near.pdq],
    );
    expect(rows).toEqual([{ flagged: true }]);
    await eventually(
      async () => (sync.matcher.match({ kind: 'image', sha256: near.sha256 }).length ? true : undefined),
      1_000,
      'second case visible',
    );
    expect(sync.matcher.match({ kind: 'image', pdq: near.pdq, pdqQuality: 90 })).toEqual([]);
    expect(ref).toBeTruthy();
  });

  it('stops and restores matching of one hash on every worker, leaving the rest of the case', async () => {
    const a = item();
    const b = item();
    await cases.register({ consent, contactEmail: null, items: [a, b], source: 'api' });
    const pdqOf = async (value: string) =>
      Number(
        (
          await env.db.pool.query("SELECT id FROM registered_hashes WHERE signal = 'pdq' AND value = $1", [
            value,
          ])
        ).rows[0].id,
      );
    const matches = (pdq: string) => sync.matcher.match({ kind: 'image', pdq, pdqQuality: 90 }).length;
    await eventually(async () => (matches(a.pdq) ? true : undefined), 1_000, 'registered');

    expect(await cases.setHashesDisabled([await pdqOf(a.pdq)], true)).toEqual({ changed: 1 });
    await eventually(async () => (matches(a.pdq) === 0 ? true : undefined), 1_000, 'disabled hash gone');
    expect(matches(b.pdq)).toBe(1);
    expect(sync.matcher.match({ kind: 'image', sha256: a.sha256 })).toHaveLength(1);

    expect(await cases.setHashesDisabled([await pdqOf(a.pdq)], false)).toEqual({ changed: 1 });
    await eventually(async () => (matches(a.pdq) === 1 ? true : undefined), 1_000, 'enabled again');
  });
});
