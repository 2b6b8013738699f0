import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { type StaffApp, staffApp } from '../../../test/helpers/staff-app.js';
import { NoticeService } from '../../reports/index.js';
import { exampleNotice, exampleSettings } from '../../reports/notice-examples.js';
import { noticesPage } from './notices.page.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('/notices review page', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let server: StaffApp;
  let cookie = '';
  let noticeId = 0;

  beforeAll(async () => {
    env = await migratedDatabase();
    const notices = new NoticeService({ db: env.db, settings: exampleSettings() });
    server = await staffApp(env.db, { web: (web) => noticesPage(web, { db: env.db, notices }) });
    cookie = (await server.signIn('analyst', 'reviewer')).cookie;
    const platform = (
      await env.db.pool.query(
        "INSERT INTO platforms (name, jurisdictions) VALUES ('Tube <Example>', '{US}') RETURNING id",
      )
    ).rows[0].id;
    const body = exampleNotice();
    noticeId = (
      await env.db.pool.query(
        "INSERT INTO notices (ref, platform_id, level, status, body, deadline_hours) VALUES ($1, $2, 1, 'draft', $3, 48) RETURNING id",
        [body.reference, platform, body],
      )
    ).rows[0].id;
  });
  afterAll(async () => {
    await server?.close();
    await env?.close();
  });

  it('is for signed-in staff only', async () => {
    const res = await server.app.inject('/notices');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fnotices');
  });

  it('lists drafts, escaped, and previews what the platform receives', async () => {
    const list = await server.app.inject({ url: '/notices', headers: { cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('HWN-2026-000123');
    expect(list.body).toContain('Tube &lt;Example&gt;');
    expect(list.body).toContain(`action="/notices/${noticeId}/send"`);
    const preview = await server.app.inject({ url: `/notices/${noticeId}`, headers: { cookie } });
    expect(preview.body).toContain('HWN-2026-000123');
    expect(preview.headers['cache-control']).toBe('no-store');
  });

  it('discards a draft only with the CSRF token, and audits it', async () => {
    const list = await server.app.inject({ url: '/notices', headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(list.body)?.[1] ?? '';
    const without = await server.app.inject({
      method: 'POST',
      url: `/notices/${noticeId}/cancel`,
      headers: { ...FORM, cookie },
      payload: '',
    });
    expect(without.statusCode).toBe(403);
    const res = await server.app.inject({
      method: 'POST',
      url: `/notices/${noticeId}/cancel`,
      headers: { ...FORM, cookie },
      payload: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/notices?done=cancelled');
    const { rows } = await env.db.pool.query('SELECT status FROM notices WHERE id = $1', [noticeId]);
    expect(rows[0].status).toBe('cancelled');
    const audit = await env.db.pool.query(
      "SELECT actor, subject FROM audit_log WHERE action = 'notice.cancel'",
    );
    expect(audit.rows).toEqual([{ actor: 'reviewer@example.org', subject: `notice:${noticeId}` }]);
  });
});
