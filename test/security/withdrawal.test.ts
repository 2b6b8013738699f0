import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMatches } from '../../src/crawler/media.store.js';
import { type NoticeItem, NoticeService, WITHDRAWN_EVIDENCE } from '../../src/reports/index.js';
import { exampleNotice, exampleSettings } from '../../src/reports/notice-examples.js';
import { caseApi, migratedDatabase } from '../helpers/app.js';
import { eventually } from '../helpers/process.js';
import { consent, imageItem } from '../helpers/registration.js';

/**
 * After withdrawal no table holds the case's registered hash values. Complements
 * src/server/routes/cases.routes.test.ts (which counts registered_hashes rows) and
 * src/registry/registry-sync.test.ts (which proves the workers' in-memory index drops them): here
 * every column of every table is searched for every value, so a copy kept in an audit entry, a
 * change record or a JSON document would be found too.
 */
describe('withdrawal leaves no registered hash anywhere', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let api: Awaited<ReturnType<typeof caseApi>>;

  beforeAll(async () => {
    env = await migratedDatabase();
    api = await caseApi(env.db);
  });
  afterAll(async () => {
    await api?.app.close();
    await env?.close();
  });

  /** Tables whose rows, as text, contain any of `values`. */
  const tablesHolding = async (values: string[]) => {
    const { rows: tables } = await env.db.pool.query(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    const found: Record<string, number> = {};
    for (const { tablename } of tables) {
      const { rows } = await env.db.pool.query(`SELECT t::text AS row FROM "${tablename}" t`);
      const text = rows.map((r) => r.row.toLowerCase()).join('\n');
      const n = values.filter((v) => text.includes(v)).length;
      if (n) found[tablename] = n;
    }
    return found;
  };

  const registerAndWithdraw = async () => {
    const items = [imageItem(), imageItem()];
    const res = await api.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { consent, items } });
    const { ref, pin } = res.json();
    const values = items.flatMap((i) => [i.sha256, i.md5, i.pdq, i.blockhash]);
    return {
      ref,
      values,
      items,
      withdraw: () =>
        api.app.inject({ method: 'DELETE', url: `/api/v1/cases/${ref}`, headers: { 'x-case-pin': pin } }),
    };
  };

  it('finds the values before withdrawal and none after, in any table', async () => {
    const c = await registerAndWithdraw();
    expect(Object.keys(await tablesHolding(c.values))).toContain('registered_hashes');
    expect((await c.withdraw()).statusCode).toBe(200);
    expect(await tablesHolding(c.values)).toEqual({});
  });

  /** A crawled copy of `item` (same fingerprints: an exact copy), at `url`, as a worker stores it. */
  const crawledCopy = async (item: ReturnType<typeof imageItem>, url: string) => {
    const q = (sql: string, params: unknown[]) => env.db.pool.query(sql, params);
    const content = (
      await q(
        `INSERT INTO contents (sha256, md5, kind, pdq, pdq_quality, blockhash, bytes)
         VALUES ($1, $2, 'image', $3, 90, $4, 1000) RETURNING id`,
        [item.sha256, item.md5, item.pdq, item.blockhash],
      )
    ).rows[0].id;
    const media = (
      await q(
        `INSERT INTO media (url, normalized_url, host, status, content_id)
         VALUES ($1, $1, 'tube.example', 'hashed', $2) RETURNING id`,
        [url, content],
      )
    ).rows[0].id;
    return { content: Number(content), media: Number(media) };
  };
  const caseIdOf = async (ref: string) =>
    Number((await env.db.pool.query('SELECT id FROM cases WHERE ref = $1', [ref])).rows[0].id);
  const addMatch = async (media: number, caseId: number) =>
    Number(
      (
        await env.db.pool.query(
          `INSERT INTO matches (media_id, case_id, signal, distance, score, variant, state)
           VALUES ($1, $2, 'sha256', 0, 1, 'original', 'confirmed') RETURNING id`,
          [media, caseId],
        )
      ).rows[0].id,
    );
  let platform: number | undefined;
  const addNotice = async (reference: string, status: string, items: NoticeItem[], exportText?: string) => {
    platform ??= (await env.db.pool.query("INSERT INTO platforms (name) VALUES ('Tube') RETURNING id"))
      .rows[0].id as number;
    const body = {
      ...exampleNotice(),
      reference,
      items,
      caseRefs: [...new Set(items.flatMap((i) => i.caseRefs))],
    };
    return Number(
      (
        await env.db.pool.query(
          `INSERT INTO notices (ref, platform_id, level, status, body, deadline_hours, export_text, sent_at)
           VALUES ($1, $2, 1, $3, $4, 48, $5, CASE WHEN $3 = 'sent' THEN now() END) RETURNING id`,
          [reference, platform, status, body, exportText ?? null],
        )
      ).rows[0].id,
    );
  };
  const noticeItem = (
    url: string,
    refs: { matchId: number; ref: string }[],
    item: ReturnType<typeof imageItem>,
  ): NoticeItem => ({
    ...(exampleNotice().items[0] as NoticeItem),
    url,
    matchIds: refs.map((r) => r.matchId),
    caseRefs: refs.map((r) => r.ref),
    evidence: {
      kind: 'image',
      signal: 'sha256',
      distance: 0,
      sha256: item.sha256,
      md5: item.md5,
      pdq: item.pdq,
    },
  });
  const notice = async (id: number) =>
    (await env.db.pool.query('SELECT status, body, export_text FROM notices WHERE id = $1', [id])).rows[0];

  it('…including the crawled copy, its match and the notice evidence of an exact match', async () => {
    const c = await registerAndWithdraw();
    const item = c.items[0] ?? imageItem();
    const caseId = await caseIdOf(c.ref);
    const copy = await crawledCopy(item, 'https://tube.example/a.jpg');
    const match = await addMatch(copy.media, caseId);
    const draft = await addNotice('HWN-TEST-DRAFT', 'draft', [
      noticeItem('https://tube.example/a.jpg', [{ matchId: match, ref: c.ref }], item),
    ]);
    expect(Object.keys(await tablesHolding(c.values)).sort()).toEqual([
      'contents',
      'notices',
      'registered_hashes',
    ]);

    expect((await c.withdraw()).statusCode).toBe(200);
    expect(await tablesHolding(c.values)).toEqual({});
    // Nothing links the case to the media any more; the location itself stays, with no fingerprint.
    expect(
      (await env.db.pool.query('SELECT count(*)::int AS n FROM matches WHERE case_id = $1', [caseId])).rows[0]
        .n,
    ).toBe(0);
    expect(
      (await env.db.pool.query('SELECT url, status, content_id FROM media WHERE id = $1', [copy.media])).rows,
    ).toEqual([{ url: 'https://tube.example/a.jpg', status: 'hashed', content_id: null }]);
    // The draft relied on this case alone: nothing is left to send, so it is cancelled.
    const after = await notice(draft);
    expect(after.status).toBe('cancelled');
    expect(after.body.items).toEqual([]);
    expect(JSON.stringify(after.body)).not.toContain(c.ref);
    // Audited in the same transaction, with counts only.
    const { rows: audit } = await env.db.pool.query(
      "SELECT actor, subject, detail FROM audit_log WHERE action = 'case.withdraw' AND subject = $1",
      [`case:${c.ref}`],
    );
    expect(audit).toEqual([
      {
        actor: 'case-pin',
        subject: `case:${c.ref}`,
        detail: {
          registeredHashes: 8,
          matches: 1,
          crawledContents: 1,
          mediaUnlinked: 1,
          noticesRedacted: 0,
          noticesPruned: 1,
          noticesCancelled: 1,
        },
      },
    ]);
  });

  it('keeps a sent notice as the record of what was sent, with the hash evidence replaced', async () => {
    const leaving = await registerAndWithdraw();
    const staying = await registerAndWithdraw();
    const [mine, theirs] = [leaving.items[0] ?? imageItem(), staying.items[0] ?? imageItem()];
    const [leavingId, stayingId] = [await caseIdOf(leaving.ref), await caseIdOf(staying.ref)];
    const a = await crawledCopy(mine, 'https://tube.example/mine.jpg');
    const b = await crawledCopy(theirs, 'https://tube.example/theirs.jpg');
    const m1 = await addMatch(a.media, leavingId);
    const m2 = await addMatch(b.media, stayingId);
    // The same crawled file matched both cases: it is the other survivor's evidence too.
    const m3 = await addMatch(b.media, leavingId);
    const items = [
      noticeItem('https://tube.example/mine.jpg', [{ matchId: m1, ref: leaving.ref }], mine),
      noticeItem(
        'https://tube.example/theirs.jpg',
        [
          { matchId: m2, ref: staying.ref },
          { matchId: m3, ref: leaving.ref },
        ],
        theirs,
      ),
    ];
    const text = items.map((i) => `${i.url} SHA-256 ${i.evidence.sha256} MD5 ${i.evidence.md5}`).join('\n');
    const sent = await addNotice('HWN-TEST-SENT', 'sent', items, text);
    const exported = await addNotice('HWN-TEST-EXPORT', 'export', items, text);
    const before = await notice(sent);

    expect((await leaving.withdraw()).statusCode).toBe(200);
    expect(await tablesHolding(leaving.values.filter((v) => !staying.values.includes(v)))).toEqual({});

    // Sent: every item, URL, reference and date stays; only the withdrawn case's evidence is replaced.
    const after = await notice(sent);
    expect(after.status).toBe('sent');
    expect(after.body.items.map((i: NoticeItem) => [i.url, i.caseRefs])).toEqual(
      before.body.items.map((i: NoticeItem) => [i.url, i.caseRefs]),
    );
    expect(after.body.sentAt).toBe(before.body.sentAt);
    expect(after.body.items[0].evidence).toEqual({
      kind: 'image',
      signal: 'sha256',
      distance: 0,
      sha256: WITHDRAWN_EVIDENCE,
      md5: WITHDRAWN_EVIDENCE,
      pdq: WITHDRAWN_EVIDENCE,
    });
    expect(after.body.items[1].evidence).toEqual(before.body.items[1].evidence);
    expect(after.export_text).toBe(
      `https://tube.example/mine.jpg SHA-256 withdrawn MD5 withdrawn\nhttps://tube.example/theirs.jpg SHA-256 ${theirs.sha256} MD5 ${theirs.md5}`,
    );
    // Not yet submitted: the withdrawn case's items leave it; the other case's stay, its text is new.
    const exp = await notice(exported);
    expect(exp.status).toBe('export');
    expect(exp.body.items.map((i: NoticeItem) => [i.url, i.caseRefs])).toEqual([
      ['https://tube.example/theirs.jpg', [staying.ref]],
    ]);
    expect(exp.body.caseRefs).toEqual([staying.ref]);
    expect(exp.export_text).toContain('https://tube.example/theirs.jpg');
    expect(exp.export_text).not.toContain('mine.jpg');
    expect(exp.export_text).not.toContain(leaving.ref);
    // The other case keeps its match and the crawled file it relies on.
    const { rows } = await env.db.pool.query(
      'SELECT x.case_id, m.content_id FROM matches x JOIN media m ON m.id = x.media_id WHERE x.media_id = ANY($1)',
      [[a.media, b.media]],
    );
    expect(rows).toEqual([{ case_id: String(stayingId), content_id: String(b.content) }]);
  });

  it('never sends a withdrawn case later from a notice whose send failed while it was withdrawn', async () => {
    const c = await registerAndWithdraw();
    const item = c.items[0] ?? imageItem();
    const copy = await crawledCopy(item, 'https://tube.example/sending.jpg');
    const match = await addMatch(copy.media, await caseIdOf(c.ref));
    const id = await addNotice('HWN-TEST-SENDING', 'sending', [
      noticeItem('https://tube.example/sending.jpg', [{ matchId: match, ref: c.ref }], item),
    ]);
    const held = (await notice(id)).body;
    expect((await c.withdraw()).statusCode).toBe(200);
    expect((await notice(id)).body.items[0].evidence.sha256).toBe(WITHDRAWN_EVIDENCE);
    // The SMTP send fails: the sender writes back the record it held, as notice-sender.ts does.
    await env.db.pool.query("UPDATE notices SET status = 'failed', body = $2 WHERE id = $1", [id, held]);
    const notices = new NoticeService({ db: env.db, settings: exampleSettings() });
    expect(await notices.sendNotice(id)).toMatchObject({ outcome: 'cancelled', droppedMatches: 1 });
    const after = await notice(id);
    expect(after.body.items).toEqual([]);
    expect(await tablesHolding(c.values)).toEqual({});
  });

  it('makes a worker recording a match wait for a withdrawal in progress, then record nothing', async () => {
    const c = await registerAndWithdraw();
    const caseId = await caseIdOf(c.ref);
    const copy = await crawledCopy(c.items[0] ?? imageItem(), 'https://tube.example/race.jpg');
    const withdrawing = await env.db.pool.connect();
    try {
      await withdrawing.query('BEGIN');
      await withdrawing.query("UPDATE cases SET status = 'withdrawn' WHERE id = $1", [caseId]);
      const recording = insertMatches(env.db.pool, copy.media, [
        { caseId, itemId: null, signal: 'sha256', distance: 0, score: 1, variant: 'original' } as never,
      ]);
      // The worker's statement is blocked on the case row, not racing past it.
      await eventually(
        async () =>
          (
            await env.db.pool.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO matches%'",
            )
          ).rows[0].n > 0 || undefined,
        5_000,
        'insert waiting on the case row',
      );
      await withdrawing.query('COMMIT');
      expect(await recording).toEqual([]);
    } finally {
      withdrawing.release();
    }
    expect(
      (await env.db.pool.query('SELECT count(*)::int AS n FROM matches WHERE case_id = $1', [caseId])).rows[0]
        .n,
    ).toBe(0);
  });
});
