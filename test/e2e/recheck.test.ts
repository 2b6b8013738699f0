import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { GuardedFetcher, recheckProcessor } from '../../src/crawler/index.js';
import { sha256Hex } from '../../src/hashing/index.js';
import { downloadLimits, noticeService } from '../../src/main.js';
import type { JobContext } from '../../src/queue/index.js';
import { Matcher } from '../../src/registry/index.js';
import { migratedDatabase } from '../helpers/app.js';
import { silentLog } from '../helpers/services.js';

/**
 * After a notice's deadline, the recheck re-fetches every URL: the one the platform took down (410)
 * is recorded as removed with its time, the one still up gets a second notice, marked as such.
 */
describe('recheck after the notice deadline', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let server: http.Server;
  let base = '';
  let still: Buffer;

  beforeAll(async () => {
    still = await sharp('test/fixtures/photos/skimage-coffee.jpg').resize(200).jpeg().toBuffer();
    server = http.createServer((req, res) => {
      if (req.url === '/still.jpg') res.writeHead(200, { 'content-type': 'image/jpeg' }).end(still);
      else res.writeHead(410).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    env = await migratedDatabase();
  });
  afterAll(async () => {
    server?.close();
    await env?.close();
  });

  it('records the removal and follows up on what is still up', async () => {
    const db = env.db.pool;
    const one = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows[0];
    const caseId = (
      await one(
        `INSERT INTO cases (ref, pin_hash, consent, source) VALUES ('HW-2345-6789', 'x', '{"version":"t","role":"self","adult":true}', 'api') RETURNING id`,
      )
    ).id;
    const content = async (sha: string) =>
      (
        await one(
          `INSERT INTO contents (sha256, md5, kind, bytes) VALUES ($1, $2, 'image', 1) RETURNING id`,
          [sha, sha.slice(0, 32)],
        )
      ).id;
    const media = async (path: string, contentId: number) =>
      (
        await one(
          `INSERT INTO media (url, normalized_url, host, content_id, status) VALUES ($1, $1, '127.0.0.1', $2, 'hashed') RETURNING id`,
          [`${base}${path}`, contentId],
        )
      ).id;
    const gone = await media('/gone.jpg', await content(randomBytes(32).toString('hex')));
    const up = await media('/still.jpg', await content(sha256Hex(still)));
    const match = async (mediaId: number) =>
      (
        await one(
          `INSERT INTO matches (media_id, case_id, signal, distance, score, variant, state, decided_at)
           VALUES ($1, $2, 'sha256', 0, 1, 'original', 'confirmed', now()) RETURNING id`,
          [mediaId, caseId],
        )
      ).id;
    const [mGone, mUp] = [await match(gone), await match(up)];
    const platform = (
      await one(
        `INSERT INTO platforms (name, abuse_email, jurisdictions) VALUES ('Tube', 'abuse@tube.example', '{US}') RETURNING id`,
      )
    ).id;
    await db.query(`INSERT INTO platform_hosts (pattern, platform_id) VALUES ('127.0.0.1', $1)`, [platform]);
    const sentAt = new Date(Date.now() - 72 * 3_600_000);
    const notice = (
      await one(
        `INSERT INTO notices (ref, platform_id, level, status, body, deadline_hours, deadline_at, sent_at)
         VALUES ('HWN-T-1', $1, 1, 'sent', '{}', 48, $2, $3) RETURNING id`,
        [platform, new Date(sentAt.getTime() + 48 * 3_600_000), sentAt],
      )
    ).id;
    await db.query(
      'INSERT INTO notice_items (notice_id, match_id, media_id, level) VALUES ($1, $2, $3, 1), ($1, $4, $5, 1)',
      [notice, mGone, gone, mUp, up],
    );

    const config = loadConfig({ CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true', NOTICE_REVIEW: 'true' });
    const fetcher = new GuardedFetcher({ allowPrivateNetworks: true });
    const { notices, close } = noticeService(config, env.db, silentLog);
    const run = recheckProcessor({
      db: env.db,
      fetcher,
      settings: {
        maxPages: 1,
        page: { timeoutMs: 1, maxScrollMs: 1, maxScrollHeight: 1, maxMedia: 1, idleMs: 1 },
        download: downloadLimits(config),
      },
      notices,
      matcher: () => new Matcher(),
      send: false,
      maxLevel: 3,
    });
    const ctx = {
      jobId: 't',
      attempt: 1,
      signal: new AbortController().signal,
      log: silentLog,
      progress: async () => {},
      delay: async () => {
        throw new Error('no delay');
      },
    } as unknown as JobContext;
    try {
      expect(await run({}, ctx)).toBe('removed 1, follow-up notices 1');
      const removed = await one('SELECT removed_at FROM notice_items WHERE match_id = $1', [mGone]);
      expect(removed.removed_at.getTime()).toBeGreaterThan(sentAt.getTime());
      const followUp = await one(
        `SELECT n.level, n.status, n.body->>'title' AS title FROM notices n JOIN notice_items i ON i.notice_id = n.id WHERE i.match_id = $1 AND i.level = 2`,
        [mUp],
      );
      expect(followUp).toMatchObject({ level: 2, status: 'draft' });
      // Run again: nothing is removed twice and no second follow-up is made.
      expect(await run({}, ctx)).toBe('removed 0, follow-up notices 0');
    } finally {
      close();
      await fetcher.close();
    }
  }, 60_000);
});
