import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../test/helpers/app.js';
import { examplePlatform } from './notice-examples.js';
import {
  getPlatform,
  hostsNeedingContact,
  insertPlatform,
  listPlatforms,
  platformForHost,
  upsertPlatform,
} from './platform.store.js';
import { seedPlatforms } from './platforms-seed.js';

describe('platform directory (Postgres)', () => {
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  const pool = () => database.db.pool;

  beforeAll(async () => {
    database = await migratedDatabase();
    await seedPlatforms(pool(), new URL('../../config/platforms.example.yaml', import.meta.url).pathname);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('seeds the example file, and seeding again changes nothing', async () => {
    const first = await listPlatforms(pool());
    await seedPlatforms(pool(), new URL('../../config/platforms.example.yaml', import.meta.url).pathname);
    expect(await listPlatforms(pool())).toEqual(first);
    expect(first.map((p) => p.name)).toEqual(['Clips Example', 'Forum Example', 'Tube Example']);
    expect(first.find((p) => p.name === 'Tube Example')).toMatchObject({
      hostPatterns: ['*.cdn.tube.example', 'tube.example', 'www.tube.example'],
      jurisdictions: ['EU', 'US'],
      preferredFormat: 'email',
      escalation: { name: 'Hosting Example Ltd', email: 'abuse@hosting.example' },
    });
  });

  it('never changes a platform already in the directory when seeding again (an admin edit stays)', async () => {
    const tube = (await listPlatforms(pool())).find((p) => p.name === 'Tube Example');
    if (!tube) throw new Error('Tube Example was not seeded');
    // An admin edit on /platforms: another address, one pattern fewer.
    await upsertPlatform(pool(), {
      ...tube,
      abuseEmail: 'new-abuse@tube.example',
      hostPatterns: ['tube.example', 'www.tube.example'],
    });
    const result = await seedPlatforms(
      pool(),
      new URL('../../config/platforms.example.yaml', import.meta.url).pathname,
    );
    expect(result).toEqual({
      added: [],
      alreadyThere: ['Tube Example', 'Clips Example', 'Forum Example'],
      skippedPatterns: [],
    });
    expect(await getPlatform(pool(), tube.id)).toMatchObject({
      abuseEmail: 'new-abuse@tube.example',
      hostPatterns: ['tube.example', 'www.tube.example'],
    });
    // Put back what the other tests expect.
    await upsertPlatform(pool(), tube);
  });

  it('adds a new platform from the file but leaves a pattern another platform owns with it, instead of failing', async () => {
    const file = join(tmpdir(), `hw-platforms-${process.pid}-${Date.now()}.yaml`);
    await writeFile(
      file,
      `platforms:
  - name: Newcomer Example
    hosts: [newcomer.example, tube.example]
    abuseEmail: abuse@newcomer.example
`,
    );
    const result = await seedPlatforms(pool(), file).finally(() => rm(file, { force: true }));
    expect(result).toEqual({
      added: ['Newcomer Example'],
      alreadyThere: [],
      skippedPatterns: [{ platform: 'Newcomer Example', pattern: 'tube.example', owner: 'Tube Example' }],
    });
    expect((await platformForHost(pool(), 'newcomer.example'))?.name).toBe('Newcomer Example');
    expect((await platformForHost(pool(), 'tube.example'))?.name).toBe('Tube Example');
  });

  it('inserts only: a taken name returns nothing and changes nothing; a taken pattern can refuse the whole insert', async () => {
    const before = await listPlatforms(pool());
    const tube = before.find((p) => p.name === 'Tube Example');
    expect(
      await insertPlatform(
        pool(),
        examplePlatform({ name: 'Tube Example', hostPatterns: ['elsewhere.tube.example'] }),
        { onTaken: 'refuse' },
      ),
    ).toBeUndefined();
    await expect(
      insertPlatform(
        pool(),
        examplePlatform({ name: 'Grabby Example', hostPatterns: ['grabby.example', 'tube.example'] }),
        {
          onTaken: 'refuse',
        },
      ),
    ).rejects.toMatchObject({ code: 'PLATFORM_HOST_TAKEN', details: { owner: 'Tube Example' } });
    expect(await listPlatforms(pool())).toEqual(before);
    expect(tube).toBeDefined();
  });

  it('finds the platform of a host by the most specific pattern', async () => {
    await upsertPlatform(pool(), {
      ...examplePlatform({ name: 'Video CDN Example', hostPatterns: ['*.video.cdn.tube.example'] }),
    });
    expect((await platformForHost(pool(), 'TUBE.example'))?.name).toBe('Tube Example');
    expect((await platformForHost(pool(), 'img.cdn.tube.example'))?.name).toBe('Tube Example');
    expect((await platformForHost(pool(), 'x.video.cdn.tube.example'))?.name).toBe('Video CDN Example');
    // "*.cdn.tube.example" covers subdomains, not the domain itself.
    expect(await platformForHost(pool(), 'cdn.tube.example')).toBeUndefined();
    expect(await platformForHost(pool(), 'elsewhere.example')).toBeUndefined();
  });

  it('replaces host patterns on update and refuses a pattern another platform owns', async () => {
    const id = await upsertPlatform(
      pool(),
      examplePlatform({ name: 'Moving Example', hostPatterns: ['a.move.example'] }),
    );
    await upsertPlatform(
      pool(),
      examplePlatform({ name: 'Moving Example', hostPatterns: ['b.move.example'] }),
    );
    expect((await getPlatform(pool(), id))?.hostPatterns).toEqual(['b.move.example']);
    await expect(
      upsertPlatform(
        pool(),
        examplePlatform({ name: 'Moving Example', hostPatterns: ['c.move.example', 'tube.example'] }),
      ),
    ).rejects.toMatchObject({ code: 'PLATFORM_HOST_TAKEN', details: { owner: 'Tube Example' } });
    // The refused update left everything as it was.
    expect((await getPlatform(pool(), id))?.hostPatterns).toEqual(['b.move.example']);
    expect((await platformForHost(pool(), 'tube.example'))?.name).toBe('Tube Example');
  });

  it('lists hosts of confirmed matches that no platform covers', async () => {
    const { rows } = await pool().query(
      `INSERT INTO cases (ref, pin_hash, consent, contact_email, source) VALUES ('HW-NEED-0001', 'x', '{}', NULL, 'web')
       RETURNING id`,
    );
    const caseId = rows[0].id;
    const hosts = ['unknown.example', 'unknown.example', 'tube.example', 'pending.example'];
    for (const [i, host] of hosts.entries()) {
      const c = await pool().query(
        `INSERT INTO contents (sha256, md5, kind, bytes) VALUES (md5($1) || md5($1), md5($1), 'image', 10) RETURNING id`,
        [`need-${i}`],
      );
      const m = await pool().query(
        `INSERT INTO media (url, normalized_url, host, content_id, status) VALUES ($1, $1, $2, $3, 'hashed') RETURNING id`,
        [`https://${host}/${i}.jpg`, host, c.rows[0].id],
      );
      await pool().query(
        `INSERT INTO matches (media_id, case_id, signal, distance, score, variant, state)
         VALUES ($1, $2, 'pdq', 3, 0.9, 'original', $3)`,
        [m.rows[0].id, caseId, host === 'pending.example' ? 'pending' : 'confirmed'],
      );
    }
    expect(await hostsNeedingContact(pool())).toEqual([
      { host: 'unknown.example', matches: 2, pending: 0, media: 2, oldestConfirmedAt: null },
    ]);
    expect(await hostsNeedingContact(pool(), { includePending: true })).toEqual([
      { host: 'unknown.example', matches: 2, pending: 0, media: 2, oldestConfirmedAt: null },
      { host: 'pending.example', matches: 1, pending: 1, media: 1, oldestConfirmedAt: null },
    ]);
  });
});
