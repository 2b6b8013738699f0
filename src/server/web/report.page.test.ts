import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { silentLog } from '../../../test/helpers/services.js';
import { ReportService } from '../../crawler/index.js';
import { createServer, type Server } from '../app.js';
import { reportPage } from './report.page.js';

describe('/report page', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let app: Server;
  const queued: number[] = [];

  beforeAll(async () => {
    env = await migratedDatabase();
    const reports = new ReportService(env.db, async (_r, pageId) => void queued.push(pageId), {
      dedupWindowMs: 60_000,
      maxDepth: 2,
    });
    app = await createServer({
      log: silentLog,
      checks: [],
      plugins: [{ plugin: (i) => reportPage(i, { reports, maxDepth: 2, perHour: 100 }) }],
    });
  });
  afterAll(async () => {
    await app.close();
    await env.close();
  });

  const post = (body: string) =>
    app.inject({
      method: 'POST',
      url: '/report',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: body,
    });

  it('files a report from the plain form and says thank you', async () => {
    expect((await app.inject('/report')).body).toContain('<form method="post" action="/report"');
    const res = await post(`url=${encodeURIComponent('https://tube.example/v/1')}&note=seen+today`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('The address was received');
    expect(queued).toHaveLength(1);
    const again = await post(`url=${encodeURIComponent('https://tube.example/v/1')}`);
    expect(again.body).toContain('checked recently');
    expect(queued).toHaveLength(1);
  });

  it('keeps what was typed, escaped, and explains a bad address calmly', async () => {
    const res = await post(
      `url=${encodeURIComponent('javascript:alert(1)"><script>x</script>')}&note=${encodeURIComponent('<b>hi</b>')}`,
    );
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Only http:// and https:// addresses can be checked.');
    expect(res.body).not.toContain('<script>x</script>');
    expect(res.body).toContain('&lt;b&gt;hi&lt;/b&gt;');
  });
});
