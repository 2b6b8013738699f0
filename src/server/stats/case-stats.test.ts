import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseApi, migratedDatabase } from '../../../test/helpers/app.js';
import { consent, imageItem as image } from '../../../test/helpers/registration.js';
import { REMOVAL_EXPECTED, type RemovalData, seedRemovalData } from '../../../test/helpers/removal-data.js';
import type { Server } from '../app.js';

describe('a survivor’s /case status shows the removal figures of that case only', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let app: Server;
  let data: RemovalData;
  const holders: Record<'first' | 'second', { ref: string; pin: string }> = {
    first: { ref: '', pin: '' },
    second: { ref: '', pin: '' },
  };

  beforeAll(async () => {
    env = await migratedDatabase();
    ({ app } = await caseApi(env.db));
    // Dated from the real clock, which the case status reads.
    data = await seedRemovalData(env.db.pool, new Date());
    for (const which of ['first', 'second'] as const) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/cases',
        payload: { consent, items: [image()] },
      });
      holders[which] = res.json();
      // Hand the seeded history of this case to the registered one, whose PIN the test holds.
      // A contact address on file, which no status answer may show.
      const { rows } = await env.db.pool.query(
        'UPDATE cases SET contact_email = $2 WHERE ref = $1 RETURNING id',
        [holders[which].ref, `survivor-${which}@private.example`],
      );
      await env.db.pool.query('UPDATE matches SET case_id = $1 WHERE case_id = $2', [
        rows[0].id,
        data.cases[which],
      ]);
    }
  });
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  const status = async (which: 'first' | 'second') => {
    const res = await app.inject({
      url: `/api/v1/cases/${holders[which].ref}`,
      headers: { 'x-case-pin': holders[which].pin },
    });
    expect(res.statusCode).toBe(200);
    return res;
  };

  it('gives each case its own noticed, removed, median time and overdue counts', async () => {
    // Of the first case only r1 is overdue: b2's deadline (a day from now) has not passed.
    expect((await status('first')).json().removal).toEqual(REMOVAL_EXPECTED.firstCase);
    expect((await status('second')).json().removal).toEqual(REMOVAL_EXPECTED.secondCase);
  });

  it('shows no platform contact details and nothing of the other case', async () => {
    const first = (await status('first')).body;
    expect(first).not.toMatch(/abuse@/);
    expect(first).not.toContain('private.example');
    expect(first).not.toContain(holders.second.ref);
    expect(first).not.toContain('a6.jpg');
    const withUrls = await app.inject({
      url: `/api/v1/cases/${holders.second.ref}?urls=true`,
      headers: { 'x-case-pin': holders.second.pin },
    });
    expect(withUrls.body).toContain('a6.jpg');
    expect(withUrls.body).not.toContain('a1.jpg');
    expect(withUrls.body).not.toMatch(/abuse@/);
    expect(withUrls.body).not.toContain('private.example');
  });
});
