import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/app.js';
import { REMOVAL_EXPECTED, type RemovalData, seedRemovalData } from '../../../test/helpers/removal-data.js';
import { silentLog } from '../../../test/helpers/services.js';
import { type StaffApp, staffApp } from '../../../test/helpers/staff-app.js';
import { removalStats } from '../../reports/index.js';
import { createServer } from '../app.js';
import { statsPage } from './stats.page.js';
import { statsRoutes } from './stats.routes.js';
import { cachedRemovalStats } from './stats-cache.js';

describe('removal statistics: API, page and metrics', () => {
  let env: Awaited<ReturnType<typeof migratedDatabase>>;
  let data: RemovalData;
  let staff: StaffApp;
  let statsQueries = 0;
  const cookies = { admin: '', analyst: '' };
  const app = () => staff.app;

  beforeAll(async () => {
    env = await migratedDatabase();
    data = await seedRemovalData(env.db.pool);
    // One cached source for all three, as main.ts wires it; the clock stands still, so it never expires.
    const source = cachedRemovalStats(
      (now) => {
        statsQueries++;
        return removalStats(env.db.pool, now);
      },
      { now: () => data.now },
    );
    const opts = { removalStats: source, timing: { deadlineHours: 48, recheckEveryMs: 3_600_000 } };
    staff = await staffApp(env.db, {
      stats: { removalStats: source },
      api: (api) => statsRoutes(api, opts),
      web: (web) => statsPage(web, opts),
    });
    for (const role of ['admin', 'analyst'] as const) cookies[role] = (await staff.signIn(role)).cookie;
  });
  afterAll(async () => {
    await staff?.close();
    await env?.close();
  });

  it('turns away the signed-out: the API answers 401, the page redirects to sign-in', async () => {
    const api = await app().inject('/api/v1/stats');
    expect(api.statusCode).toBe(401);
    expect(api.json()).toMatchObject({ error: { code: 'AUTH_SESSION_REQUIRED' } });
    const res = await app().inject('/stats');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fstats');
  });

  it('answers analysts and admins with every platform’s figures and the totals', async () => {
    for (const cookie of [cookies.analyst, cookies.admin]) {
      const res = await app().inject({ url: '/api/v1/stats', headers: { cookie } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body.generatedAt).toBe(data.now.toISOString());
      expect(body.platforms).toEqual([
        { platformId: data.platforms.alpha, platform: 'Alpha Example', ...REMOVAL_EXPECTED.alpha },
        { platformId: data.platforms.beta, platform: 'Beta Example', ...REMOVAL_EXPECTED.beta },
        { platformId: data.platforms.gamma, platform: 'Gamma Example', ...REMOVAL_EXPECTED.gamma },
      ]);
      expect(body.totals).toEqual(REMOVAL_EXPECTED.totals);
    }
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await app().inject('/api/openapi.json')).json();
    const op = doc.paths['/api/v1/stats']?.get;
    expect(op?.tags).toEqual(['stats']);
    expect(Object.keys(op?.responses[200].content['application/json'].schema.properties)).toEqual([
      'generatedAt',
      'platforms',
      'totals',
    ]);
  });

  it('shows a table and server-drawn SVG charts, without any script', async () => {
    const res = await app().inject({ url: '/stats', headers: { cookie: cookies.analyst } });
    expect(res.statusCode).toBe(200);
    const row = (name: string) =>
      res.body.slice(res.body.indexOf(`<th scope="row">${name}</th>`)).split('</tr>')[0];
    expect(row('Alpha Example')).toContain('<td>3</td><td>8</td><td>5</td>');
    expect(row('Alpha Example')).toContain('<td>63%</td><td>3 h</td>');
    expect(row('Alpha Example')).toContain('<td>2.6 days</td><td>2</td><td>1</td>');
    expect(row('All platforms')).toContain('<td>4 h</td>');
    // Beside the times: removals are seen at a recheck after the deadline, so times have a floor.
    expect(res.body).toContain('a recheck, which runs every 1 h once a notice’s\ndeadline (2 days or more)');
    expect(res.body).not.toContain('<script');
    const charts = res.body.match(/<svg class="chart"[\s\S]*?<\/svg>/g) ?? [];
    expect(charts).toHaveLength(2);
    // Median time: Alpha and Beta have removals (Gamma has none); the longest bar is Beta's 8 h.
    const bars = (svg: string) => [...svg.matchAll(/<rect [^>]*width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(bars(charts[0] ?? '')).toEqual([124, 330]);
    expect(charts[0]).toContain('role="img"');
    // Removal rate, scaled to 100%: Alpha 5/8, Beta 2/3.
    expect(bars(charts[1] ?? '')).toEqual([206, 220]);
    expect(charts[1]).toContain('63% (5 of 8)');
  });

  it('exports the same figures as Prometheus gauges, sharing one cached query with the pages', async () => {
    const text = (await app().inject('/metrics')).body;
    await app().inject('/metrics');
    await app().inject({ url: '/api/v1/stats', headers: { cookie: cookies.analyst } });
    // Every scrape and page view so far was answered from one run of the query.
    expect(statsQueries).toBe(1);
    expect(text).toContain('hashwatch_notices_sent{platform="Alpha Example"} 3');
    expect(text).not.toContain('hashwatch_notices_sent_total');
    expect(text).toContain('hashwatch_items_noticed{platform="Alpha Example"} 8');
    expect(text).toContain('hashwatch_items_removed{platform="Beta Example"} 2');
    expect(text).toContain(`hashwatch_removal_rate{platform="Alpha Example"} ${5 / 8}`);
    expect(text).toContain(
      'hashwatch_time_to_removal_seconds{platform="Alpha Example",quantile="0.5"} 10800',
    );
    expect(text).toContain(
      'hashwatch_time_to_removal_seconds{platform="Alpha Example",quantile="0.9"} 221760',
    );
    expect(text).toContain('hashwatch_items_outstanding_past_deadline{platform="Alpha Example"} 2');
    expect(text).toContain('hashwatch_reuploads{platform="Beta Example"} 1');
    // No removal yet: no rate and no time for Gamma (rather than a misleading 0).
    expect(text).not.toContain('hashwatch_removal_rate{platform="Gamma Example"}');
    expect(text).not.toContain('hashwatch_time_to_removal_seconds{platform="Gamma Example"');
  });

  it('leaves the statistics out of /metrics while Postgres is unavailable', async () => {
    const broken = await createServer({
      log: silentLog,
      checks: [],
      stats: { removalStats: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) },
    });
    try {
      const res = await broken.inject('/metrics');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('hashwatch_process_cpu_seconds_total');
      expect(res.body).not.toMatch(/^hashwatch_notices_sent\{/m);
      expect(res.body).not.toMatch(/^hashwatch_removal_rate\{/m);
    } finally {
      await broken.close();
    }
  });
});
