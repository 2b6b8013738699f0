/**
 * A server with sessions and `/login` for tests of staff pages and APIs: the setup every staff
 * test needs once, so each test file only names the routes it tests and who signs in.
 */
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/db/index.js';
import {
  AccountService,
  csrfToken,
  loginRoutes,
  type Role,
  requireUser,
  sessionPlugin,
} from '../../src/server/accounts/index.js';
import { createServer, type Server, type ServerDeps } from '../../src/server/app.js';
import { silentLog } from './services.js';

/** The routes under test. */
export interface StaffPlugins {
  /** Routes mounted under `/api/v1`. */
  api?: (api: FastifyInstance) => Promise<void>;
  /** Pages, registered after the form parser, the rate limiter and `/login`. */
  web?: (web: FastifyInstance) => Promise<void>;
  /** Removal statistics for `/metrics`. */
  stats?: ServerDeps['stats'];
}

/** A signed-in member of staff: the session cookie and the CSRF token of that session. */
export interface Staff {
  email: string;
  cookie: string;
  csrf: string;
}

export interface StaffApp {
  app: Server;
  accounts: AccountService;
  /** Adds an account (`<name>@example.org`, name defaults to the role) and signs it in. */
  signIn(role: Role, name?: string): Promise<Staff>;
  close(): Promise<void>;
}

/** Builds the server over `db` (not listening; use `inject`, or `app.listen` for a browser). */
export async function staffApp(db: Db, plugins: StaffPlugins = {}): Promise<StaffApp> {
  const accounts = new AccountService(db);
  const app = await createServer({
    log: silentLog,
    checks: [],
    ...(plugins.stats ? { stats: plugins.stats } : {}),
    plugins: [
      { plugin: sessionPlugin({ accounts, cookieSecure: 'auto' }) },
      ...(plugins.api ? [{ prefix: '/api/v1', plugin: plugins.api }] : []),
      {
        plugin: async (web) => {
          await web.register(formbody);
          await web.register(rateLimit, { global: false });
          await web.register(loginRoutes, { attemptsPerMinute: 1000, afterLogin: '/' });
          // Test-only: the session's CSRF token, as the pages put it in their forms.
          web.get('/test/csrf-token', { schema: { hide: true }, preHandler: requireUser() }, async (req) =>
            csrfToken(req),
          );
          await plugins.web?.(web);
        },
      },
    ],
  });
  return {
    app,
    accounts,
    async signIn(role, name = role) {
      const user = await accounts.addUser(`${name}@example.org`, role, 'test');
      const login = await app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ email: user.email, password: user.password }).toString(),
      });
      const cookie = String(login.headers['set-cookie'] ?? '').split(';')[0] ?? '';
      if (!cookie) throw new Error(`signing in ${user.email} failed (${login.statusCode})`);
      const csrf = (await app.inject({ url: '/test/csrf-token', headers: { cookie } })).body;
      return { email: user.email, cookie, csrf };
    },
    close: () => app.close(),
  };
}
