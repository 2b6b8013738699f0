import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { type StaffApp, staffApp } from '../../../test/helpers/staff-app.js';
import { getPlatform, listPlatforms } from '../../reports/index.js';
import { verifyAudit } from '../audit/index.js';
import { platformsPage } from './platforms.page.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('/platforms directory', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let server: StaffApp;
  const staff = { admin: { cookie: '', csrf: '' }, analyst: { cookie: '', csrf: '' } };

  const post = (
    url: string,
    who: { cookie: string; csrf: string } | undefined,
    fields: Record<string, string | string[]>,
  ) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
    if (who?.csrf) body.append('_csrf', who.csrf);
    return server.app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, ...(who ? { cookie: who.cookie } : {}) },
      payload: body.toString(),
    });
  };
  const edits = async () =>
    (
      await env.db.pool.query(
        "SELECT actor, subject, detail FROM audit_log WHERE action = 'platform.edit' ORDER BY id",
      )
    ).rows;

  beforeAll(async () => {
    env = await migratedDatabase();
    server = await staffApp(env.db, { web: (web) => platformsPage(web, { db: env.db }) });
    staff.admin = await server.signIn('admin');
    staff.analyst = await server.signIn('analyst');
    // Matches on hosts no platform covers: two confirmed on one host, one pending on another.
    const { rows } = await env.db.pool.query(
      "INSERT INTO cases (ref, pin_hash, consent, source) VALUES ('HW-PLAT-0001', 'x', '{}', 'web') RETURNING id",
    );
    const add = async (url: string, host: string, state: string) => {
      const m = await env.db.pool.query(
        "INSERT INTO media (url, normalized_url, host, status) VALUES ($1, $1, $2, 'hashed') RETURNING id",
        [url, host],
      );
      await env.db.pool.query(
        `INSERT INTO matches (media_id, case_id, signal, distance, score, variant, state)
         VALUES ($1, $2, 'pdq', 3, 0.9, 'original', $3)`,
        [m.rows[0].id, rows[0].id, state],
      );
    };
    await add('https://img.uncovered.example/1.jpg', 'img.uncovered.example', 'confirmed');
    await add('https://img.uncovered.example/2.jpg', 'img.uncovered.example', 'confirmed');
    await add('https://waiting.example/3.jpg', 'waiting.example', 'pending');
    await add('https://rejected.example/4.jpg', 'rejected.example', 'rejected');
  });
  afterAll(async () => {
    await server?.close();
    await env?.close();
  });

  it('is for signed-in staff only', async () => {
    const res = await server.app.inject('/platforms');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fplatforms');
    expect((await post('/platforms', undefined, { name: 'X', hosts: 'x.example' })).statusCode).toBe(303);
    expect(await listPlatforms(env.db.pool)).toEqual([]);
  });

  it('lets an analyst read the directory but not edit it, nor see the needs-contact list', async () => {
    const list = await server.app.inject({ url: '/platforms', headers: { cookie: staff.analyst.cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('<h1>Platforms</h1>');
    expect(list.body).not.toContain('Needs contact');
    expect(list.body).not.toContain('img.uncovered.example');
    expect(
      (await server.app.inject({ url: '/platforms/new', headers: { cookie: staff.analyst.cookie } }))
        .statusCode,
    ).toBe(403);
    const res = await post('/platforms', staff.analyst, {
      name: 'Sneaky',
      hosts: 'sneaky.example',
      abuseEmail: 'a@sneaky.example',
    });
    expect(res.statusCode).toBe(403);
    expect(await listPlatforms(env.db.pool)).toEqual([]);
  });

  it('shows an admin the hosts that need a contact, with their match counts, largest first', async () => {
    const res = await server.app.inject({ url: '/platforms', headers: { cookie: staff.admin.cookie } });
    expect(res.body).toContain('Needs contact');
    const section = res.body.slice(res.body.indexOf('id="needs-contact"'));
    const uncovered = section.indexOf(
      '<th scope="row">img.uncovered.example</th><td>2</td><td>0</td><td>2</td>',
    );
    const waiting = section.indexOf('<th scope="row">waiting.example</th><td>1</td><td>1</td><td>1</td>');
    expect(uncovered).toBeGreaterThan(-1);
    expect(waiting).toBeGreaterThan(uncovered);
    expect(section).not.toContain('rejected.example');
    expect(section).toContain('<input type="hidden" name="hosts" value="img.uncovered.example">');
  });

  it('refuses an edit without the CSRF token', async () => {
    const res = await post(
      '/platforms',
      { cookie: staff.admin.cookie, csrf: '' },
      {
        name: 'No Token',
        hosts: 'notoken.example',
        abuseEmail: 'abuse@notoken.example',
      },
    );
    expect(res.statusCode).toBe(403);
    expect(await listPlatforms(env.db.pool)).toEqual([]);
    expect(await edits()).toEqual([]);
  });

  it('explains each problem in the form and keeps what was typed', async () => {
    const res = await post('/platforms', staff.admin, {
      name: 'Broken Example',
      hosts: 'good.example\nbad host!\n*.example',
      abuseEmail: 'not-an-email',
      webformUrl: 'ftp://broken.example/form',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('does not look like an email address');
    expect(res.body).toContain('must be a full http(s) address');
    expect(res.body).toContain('value="not-an-email"');
    expect(res.body).toContain('aria-invalid="true"');
    const hosts = await post('/platforms', staff.admin, {
      name: 'Broken Example',
      hosts: 'good.example\nbad_host!\n*.example',
      abuseEmail: 'abuse@broken.example',
    });
    expect(hosts.statusCode).toBe(400);
    expect(hosts.body).toContain('&quot;bad_host!&quot; is not a host name or *.domain pattern');
    expect(hosts.body).toContain('&quot;*.example&quot; is too broad');
    const nothing = await post('/platforms', staff.admin, {
      name: 'Unreachable',
      hosts: 'unreachable.example',
    });
    expect(nothing.body).toContain('without one, notices cannot reach the platform');
    expect(await listPlatforms(env.db.pool)).toEqual([]);
  });

  it('adds a platform for a host from the needs-contact list, audited, and the host is no longer listed', async () => {
    const res = await post('/platforms', staff.admin, {
      name: 'Uncovered Images',
      hosts: 'img.uncovered.example',
      abuseEmail: 'abuse@uncovered.example',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/platforms\?done=created#platform-\d+$/);
    const [created] = await listPlatforms(env.db.pool);
    expect(created).toMatchObject({
      name: 'Uncovered Images',
      hostPatterns: ['img.uncovered.example'],
      abuseEmail: 'abuse@uncovered.example',
      preferredFormat: 'email',
    });
    expect(await edits()).toEqual([
      {
        actor: 'admin@example.org',
        subject: `platform:${created?.id}`,
        detail: {
          name: 'Uncovered Images',
          created: true,
          hostPatterns: ['img.uncovered.example'],
          changed: [],
        },
      },
    ]);
    const page = await server.app.inject({
      url: '/platforms?done=created',
      headers: { cookie: staff.admin.cookie },
    });
    expect(page.body).toContain('The platform was added.');
    expect(page.body.slice(page.body.indexOf('id="needs-contact"'))).not.toContain('img.uncovered.example');
    const again = await post('/platforms', staff.admin, {
      name: 'Uncovered Images',
      hosts: 'x.uncovered.example',
      abuseEmail: 'a@uncovered.example',
    });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('already exists; edit it instead');
    // Adding never overwrites the platform that has the name, and audits nothing.
    expect(await getPlatform(env.db.pool, created?.id ?? 0)).toMatchObject({
      hostPatterns: ['img.uncovered.example'],
      abuseEmail: 'abuse@uncovered.example',
    });
    expect(await edits()).toHaveLength(1);
  });

  it('does not count host patterns typed in another order as a change', async () => {
    const [p] = await listPlatforms(env.db.pool);
    await post(`/platforms/${p?.id}`, staff.admin, {
      hosts: 'img.uncovered.example\nz.reorder.example',
      abuseEmail: 'abuse@uncovered.example',
    });
    // The directory lists them sorted; typed the other way round, they are still the same patterns.
    await post(`/platforms/${p?.id}`, staff.admin, {
      hosts: 'z.reorder.example\nimg.uncovered.example',
      abuseEmail: 'abuse@uncovered.example',
    });
    const [added, reordered] = (await edits()).slice(-2);
    expect(added.detail.changed).toEqual(['hostPatterns']);
    expect(reordered.detail.changed).toEqual([]);
    // Back as it was for the next test.
    await post(`/platforms/${p?.id}`, staff.admin, {
      hosts: 'img.uncovered.example',
      abuseEmail: 'abuse@uncovered.example',
    });
  });

  it('edits a platform and its host patterns, audits the changed fields, and refuses a pattern another platform owns', async () => {
    const [p] = await listPlatforms(env.db.pool);
    const id = p?.id ?? 0;
    const form = await server.app.inject({
      url: `/platforms/${id}/edit`,
      headers: { cookie: staff.admin.cookie },
    });
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('img.uncovered.example</textarea>');
    const saved = await post(`/platforms/${id}`, staff.admin, {
      name: 'Renamed Anyway',
      hosts: 'img.uncovered.example\n*.cdn.uncovered.example',
      abuseEmail: 'abuse@uncovered.example',
      webformUrl: 'https://uncovered.example/report',
      jurisdictions: ['EU', 'UK'],
      preferredFormat: 'webform',
      hostingName: 'Host Co',
      hostingEmail: 'abuse@hostco.example',
    });
    expect(saved.statusCode).toBe(303);
    expect(await getPlatform(env.db.pool, id)).toMatchObject({
      name: 'Uncovered Images',
      hostPatterns: ['*.cdn.uncovered.example', 'img.uncovered.example'],
      jurisdictions: ['EU', 'UK'],
      preferredFormat: 'webform',
      escalation: { name: 'Host Co', email: 'abuse@hostco.example' },
    });
    const last = (await edits()).at(-1);
    expect(last.detail.changed.sort()).toEqual([
      'escalation',
      'hostPatterns',
      'jurisdictions',
      'preferredFormat',
      'webformUrl',
    ]);
    // A second platform may not take a pattern the first one owns.
    await post('/platforms', staff.admin, {
      name: 'Other',
      hosts: 'other.example',
      abuseEmail: 'a@other.example',
    });
    const other = (await listPlatforms(env.db.pool)).find((x) => x.name === 'Other');
    const taken = await post(`/platforms/${other?.id}`, staff.admin, {
      hosts: 'other.example\nimg.uncovered.example',
      abuseEmail: 'a@other.example',
    });
    expect(taken.statusCode).toBe(400);
    expect(taken.body).toContain('already belongs to the platform &quot;Uncovered Images&quot;');
    expect((await getPlatform(env.db.pool, other?.id ?? 0))?.hostPatterns).toEqual(['other.example']);
    expect((await edits()).length).toBe(6);
    expect((await verifyAudit(env.db.pool)).ok).toBe(true);
  });
});
