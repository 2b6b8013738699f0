import { createDb, type Db, migrate } from '../../src/db/index.js';
import { CaseService, type PinPolicy } from '../../src/registry/index.js';
import { forgetCaseInNotices } from '../../src/reports/index.js';
import { appendAudit, createServer, type Server } from '../../src/server/index.js';
import { caseRoutes } from '../../src/server/routes/cases.routes.js';
import { createTestDatabase, silentLog } from './services.js';

/** A migrated database of the test's own, with a pool; `close()` ends the pool and drops it. */
export async function migratedDatabase(): Promise<{ url: string; db: Db; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const db = createDb(database.url, 5);
  await migrate(db.pool);
  return {
    url: database.url,
    db,
    async close() {
      await db.pool.end();
      await database.drop();
    },
  };
}

/** The API server with the case routes over a given database (no network listener; use inject). */
export async function caseApi(
  db: Db,
  options: { pinPolicy?: PinPolicy; lookupsPerMinute?: number; registrationsPerHour?: number } = {},
): Promise<{ app: Server; cases: CaseService }> {
  // Withdrawal wired as in src/main.ts: notices and the audit log are part of it.
  const cases = new CaseService(db, options.pinPolicy, undefined, undefined, {
    notices: forgetCaseInNotices,
    audit: appendAudit,
  });
  const app = await createServer({
    log: silentLog,
    checks: [],
    plugins: [
      {
        prefix: '/api/v1',
        plugin: (instance) =>
          caseRoutes(instance, {
            cases,
            pool: db.pool,
            lookupsPerMinute: options.lookupsPerMinute ?? 1000,
            registrationsPerHour: options.registrationsPerHour ?? 1000,
          }),
      },
    ],
  });
  return { app, cases };
}
