import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/main.js';
import { generateToken } from '../../src/registry/index.js';
import { AccountService, insertToken, type Server } from '../../src/server/index.js';
import { migratedDatabase } from '../helpers/app.js';
import { consent, imageItem } from '../helpers/registration.js';
import { createTestPrefix, REDIS_URL, silentLog } from '../helpers/services.js';

/** Who is asking: the columns of the authorisation matrix. */
export const PRINCIPALS = [
  'anonymous',
  'survivorA',
  'tokenRegister',
  'tokenReport',
  'analyst',
  'admin',
] as const;
export type Principal = (typeof PRINCIPALS)[number];

/** A registered case, as its survivor holds it, with the hashes it registered. */
export interface TestCase {
  ref: string;
  pin: string;
  sha256: string[];
}

export interface Credentials {
  /** Headers that carry the principal's credential (cookie, bearer token, the case PIN). */
  headers: Record<string, string>;
  /** The session's CSRF token, for staff. */
  csrf?: string;
}

export interface SecurityApp {
  app: Server;
  db: Awaited<ReturnType<typeof migratedDatabase>>['db'];
  caseA: TestCase;
  caseB: TestCase;
  credentials: Record<Principal, Credentials>;
  /** A fresh staff session (for routes that end the session they are called with). */
  signIn(role: 'analyst' | 'admin'): Promise<Credentials>;
  close(): Promise<void>;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const cookieOf = (res: LightMyRequestResponse) => String(res.headers['set-cookie'] ?? '').split(';')[0] ?? '';

/**
 * The whole HTTP server exactly as `hashwatch serve` wires it (every route of every stage, so
 * routes added later are covered too), over a database of its own, with two cases, one API token
 * per scope, and an analyst and an admin signed in.
 */
export async function startSecurityApp(env: Record<string, string> = {}): Promise<SecurityApp> {
  const database = await migratedDatabase();
  const prefix = createTestPrefix();
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix.prefix,
    HOST: '127.0.0.1',
    PORT: '0',
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const server = await startServer(config, silentLog);
  const app = server.app;
  const register = async (): Promise<TestCase> => {
    const items = [imageItem(), imageItem()];
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/cases',
      payload: { consent, contactEmail: 'survivor@private.example', items },
    });
    if (res.statusCode !== 201) throw new Error(`registration failed: ${res.statusCode} ${res.body}`);
    return { ...(res.json() as { ref: string; pin: string }), sha256: items.map((i) => i.sha256) };
  };
  const [caseA, caseB] = [await register(), await register()];
  const token = async (scope: string) => {
    const t = generateToken();
    await insertToken(database.db.pool, {
      name: `hotline-${scope}`,
      tokenHash: t.tokenHash,
      scopes: [scope],
    });
    return { authorization: `Bearer ${t.token}` };
  };
  const accounts = new AccountService(database.db);
  const users = {
    analyst: await accounts.addUser('analyst@example.org', 'analyst', 'test'),
    admin: await accounts.addUser('admin@example.org', 'admin', 'test'),
  };
  const signIn = async (role: 'analyst' | 'admin'): Promise<Credentials> => {
    const u = users[role];
    const res = await app.inject({
      method: 'POST',
      url: '/login',
      headers: FORM,
      payload: new URLSearchParams({ email: u.email, password: u.password }).toString(),
    });
    const cookie = cookieOf(res);
    if (res.statusCode !== 303 || !cookie) throw new Error(`sign-in failed: ${res.statusCode}`);
    const page = await app.inject({ url: '/triage', headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (!csrf) throw new Error('no CSRF token on /triage');
    return { headers: { cookie }, csrf };
  };
  const credentials: Record<Principal, Credentials> = {
    anonymous: { headers: {} },
    survivorA: { headers: { 'x-case-pin': caseA.pin } },
    tokenRegister: { headers: await token('register') },
    tokenReport: { headers: await token('report') },
    analyst: await signIn('analyst'),
    admin: await signIn('admin'),
  };
  return {
    app,
    db: database.db,
    caseA,
    caseB,
    credentials,
    signIn,
    async close() {
      await server.close();
      await database.close();
      await prefix.clean();
    },
  };
}

/** One registered route, as `printRoutes` lists it. */
export interface RouteEntry {
  method: string;
  url: string;
}

/**
 * Every route of the server, from `printRoutes({ commonPrefix: false })`: a tree whose lines are
 * `│   ` / `    ` per level, `├── ` or `└── `, the path segment and `(METHODS)`. Each result is
 * checked with `hasRoute`, so a change of that format fails loudly instead of losing routes.
 */
export function listRoutes(app: Server): RouteEntry[] {
  const stack: string[] = [];
  const routes: RouteEntry[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    if (!line.trim()) continue;
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) throw new Error(`printRoutes line not understood: ${JSON.stringify(line)}`);
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + (m[2] ?? '');
    stack[depth] = path;
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (!app.hasRoute({ method: method as 'GET', url: path }))
        throw new Error(`printRoutes listed ${method} ${path}, which hasRoute does not know`);
      routes.push({ method, url: path });
    }
  }
  return routes;
}
