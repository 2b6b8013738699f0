import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { withTransaction } from '../../db/index.js';
import { AUDIT_GENESIS, appendAudit, canonicalJson, verifyAudit } from './index.js';

describe('audit log', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;

  beforeAll(async () => {
    env = await migratedDatabase();
  });
  afterAll(async () => {
    await env?.close();
  });

  /** Runs `sql` with the append-only trigger off, as only a database superuser could. */
  const tamper = async (sql: string, params: unknown[] = []) => {
    await env.db.pool.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    try {
      await env.db.pool.query(sql, params);
    } finally {
      await env.db.pool.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    }
  };

  it('hashes canonical JSON, whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('chains entries from the genesis hash and verifies an intact log', async () => {
    expect(await verifyAudit(env.db)).toEqual({ ok: true, count: 0, head: AUDIT_GENESIS });
    const first = await appendAudit(env.db, {
      actor: 'a@example.org',
      action: 'login.success',
      detail: { ip: '127.0.0.1' },
    });
    const second = await appendAudit(env.db.pool, {
      actor: 'a@example.org',
      action: 'match.confirm',
      subject: 'match:1',
      detail: { note: 'x', nested: { b: 2, a: 1 } },
    });
    expect(first.prevHash).toBe(AUDIT_GENESIS);
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyAudit(env.db)).toEqual({ ok: true, count: 2, head: second.hash });
  });

  it('joins the caller’s transaction: a rolled-back action leaves no entry', async () => {
    const before = await verifyAudit(env.db);
    await expect(
      withTransaction(env.db.pool, async (client) => {
        await appendAudit(client, { actor: 'a@example.org', action: 'user.add', subject: 'b@example.org' });
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    expect(await verifyAudit(env.db)).toEqual(before);
  });

  it('refuses secrets and contact details in detail, at any depth', async () => {
    for (const detail of [
      { password: 'x' },
      { pin: '123' },
      { a: { contactEmail: 'x' } },
      { token: 't' },
      { newPassword: 'y' },
    ]) {
      await expect(appendAudit(env.db, { actor: 'a', action: 'x', detail })).rejects.toMatchObject({
        code: 'AUDIT_DETAIL_FORBIDDEN',
      });
    }
    await expect(
      appendAudit(env.db, { actor: 'a', action: 'token.add', detail: { tokenId: 3 } }),
    ).resolves.toBeDefined();
  });

  it('keeps one valid chain under 50 concurrent appends', async () => {
    const before = await verifyAudit(env.db);
    const made = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        appendAudit(env.db, { actor: `worker-${i}`, action: 'test.concurrent', detail: { i } }),
      ),
    );
    expect(new Set(made.map((r) => r.prevHash)).size).toBe(50); // no two entries claim the same predecessor
    const after = await verifyAudit(env.db);
    expect(after.ok).toBe(true);
    expect(after.count).toBe(before.count + 50);
  });

  it('reports the first edited entry', async () => {
    const target = await appendAudit(env.db, {
      actor: 'a@example.org',
      action: 'match.reject',
      subject: 'match:7',
    });
    await appendAudit(env.db, { actor: 'a@example.org', action: 'match.confirm', subject: 'match:8' });
    expect((await verifyAudit(env.db)).ok).toBe(true);
    await tamper(`UPDATE audit_log SET action = 'match.confirm' WHERE id = $1`, [target.id]);
    const v = await verifyAudit(env.db);
    expect(v).toMatchObject({ ok: false, brokenAt: target.id, reason: 'hash' });
    // Put it back, so the next test starts from an intact chain.
    await tamper(`UPDATE audit_log SET action = 'match.reject' WHERE id = $1`, [target.id]);
    expect((await verifyAudit(env.db)).ok).toBe(true);
  });

  it('reports a removed entry as a broken link at the entry after it', async () => {
    const gone = await appendAudit(env.db, {
      actor: 'a@example.org',
      action: 'user.disable',
      subject: 'c@example.org',
    });
    const next = await appendAudit(env.db, { actor: 'a@example.org', action: 'logout' });
    await tamper('DELETE FROM audit_log WHERE id = $1', [gone.id]);
    const v = await verifyAudit(env.db);
    expect(v).toMatchObject({ ok: false, brokenAt: next.id, reason: 'link' });
    if (!v.ok) expect(v.count).toBeGreaterThan(50);
  });
});
