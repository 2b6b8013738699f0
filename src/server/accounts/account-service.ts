import { createHash, randomBytes, randomInt } from 'node:crypto';
import { type Db, withTransaction } from '../../db/index.js';
import { hashSecret, verifySecret } from '../../registry/index.js';
import { appendAudit } from '../audit/index.js';
import { emailInvalid, loginFailed, userExists, userNotFound } from './errors.js';
import {
  deleteDeadSessions,
  deleteSession,
  deleteUserSessions,
  insertSession,
  touchSession,
} from './session.store.js';
import {
  findUserByEmail,
  insertUser,
  listUsers,
  markUserDisabled,
  type Role,
  reserveLoginAttempt,
  resetLoginFailures,
  type UserRow,
} from './user.store.js';

/** Lockout and session lifetimes. */
export interface AccountPolicy {
  /** Failed sign-ins in a row before the account is paused. */
  maxFailedLogins: number;
  /** How long the pause lasts. */
  lockMs: number;
  /** A session unused for this long ends. */
  sessionIdleMs: number;
  /** A session ends this long after sign-in, however active. */
  sessionMaxMs: number;
}

export const DEFAULT_ACCOUNT_POLICY: AccountPolicy = {
  maxFailedLogins: 5,
  lockMs: 5 * 60_000,
  sessionIdleMs: 12 * 3_600_000,
  sessionMaxMs: 7 * 24 * 3_600_000,
};

/** Who is signed in, as route handlers see it (`req.user`). */
export interface AuthUser {
  id: number;
  email: string;
  role: Role;
}

/** A live session. `id` is the SHA-256 of the cookie token, never the token itself. */
export interface Session {
  id: string;
  user: AuthUser;
  csrfSecret: string;
  expiresAt: Date;
}

// No 0/O, 1/l/I: the password is read off a terminal and typed once.
const PASSWORD_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random 20-character password (about 115 bits) for a new account. */
export function generatePassword(): string {
  return Array.from({ length: 20 }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]).join('');
}

/** Lowercased, trimmed email; throws `USER_EMAIL_INVALID` when it cannot be an address. */
export function normaliseEmail(input: string): string {
  const email = input.trim().toLowerCase();
  if (email.length < 3 || email.length > 254 || !/^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/.test(email)) {
    throw emailInvalid();
  }
  return email;
}

/** SHA-256 of a session token: what the sessions table stores and looks up. */
export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Staff accounts and their sessions. Every change and every sign-in attempt is audited. */
export class AccountService {
  readonly #db: Db;
  readonly policy: Readonly<AccountPolicy>;

  constructor(db: Db, policy: AccountPolicy = DEFAULT_ACCOUNT_POLICY) {
    this.#db = db;
    this.policy = Object.freeze({ ...policy });
  }

  /** Creates an account with a random password, returned once and stored only as a scrypt hash. */
  async addUser(emailInput: string, role: Role, actor: string): Promise<AuthUser & { password: string }> {
    const email = normaliseEmail(emailInput);
    const password = generatePassword();
    const passwordHash = await hashSecret(password);
    const id = await withTransaction(this.#db.pool, async (client) => {
      const newId = await insertUser(client, { email, role, passwordHash });
      if (newId === undefined) throw userExists(email);
      await appendAudit(client, {
        actor,
        action: 'user.add',
        subject: email,
        detail: { role, userId: newId },
      });
      return newId;
    });
    return { id, email, role, password };
  }

  /** Disables an account and ends its sessions at once. */
  async disableUser(emailInput: string, actor: string): Promise<{ email: string; sessionsEnded: number }> {
    const email = normaliseEmail(emailInput);
    return withTransaction(this.#db.pool, async (client) => {
      const user = await findUserByEmail(client, email);
      if (!user) throw userNotFound(email);
      await markUserDisabled(client, user.id);
      const sessionsEnded = await deleteUserSessions(client, user.id);
      await appendAudit(client, {
        actor,
        action: 'user.disable',
        subject: email,
        detail: { userId: user.id, sessionsEnded, wasDisabled: user.disabledAt !== null },
      });
      return { email, sessionsEnded };
    });
  }

  /** Every account (for `hashwatch user list`); no password hashes. */
  async listUsers(): Promise<Omit<UserRow, 'passwordHash'>[]> {
    return (await listUsers(this.#db.pool)).map(({ passwordHash: _omit, ...u }) => u);
  }

  /**
   * Checks email and password and opens a session. Every failure throws the same
   * `AUTH_LOGIN_FAILED` after the same scrypt work (a dummy hash for unknown addresses), and is
   * audited with its real reason and the client address — never the password or a mistyped email.
   */
  async login(
    emailInput: string,
    password: string,
    ip: string,
  ): Promise<{ token: string; session: Session }> {
    let email: string | undefined;
    try {
      email = normaliseEmail(emailInput);
    } catch {
      email = undefined;
    }
    const user = email ? await findUserByEmail(this.#db.pool, email) : undefined;
    const attempt = user
      ? await reserveLoginAttempt(this.#db.pool, user.id, this.policy.maxFailedLogins, this.policy.lockMs)
      : undefined;
    // Always the same scrypt work, whatever happens next.
    const ok = await verifySecret(password, user?.passwordHash);
    const fail = async (reason: string, extra: Record<string, unknown> = {}) => {
      await appendAudit(this.#db, {
        actor: 'anonymous',
        action: 'login.failure',
        subject: user?.email ?? null,
        detail: { reason, ip, ...extra },
      });
      return loginFailed();
    };
    if (!user) throw await fail('unknown-account');
    if (user.disabledAt) throw await fail('disabled');
    if (!attempt) throw await fail('paused');
    if (!ok) {
      const pausedNow = attempt.lockedUntil !== null;
      throw await fail('wrong-password', {
        failedLogins: attempt.failedLogins,
        ...(pausedNow ? { paused: true } : {}),
      });
    }
    await resetLoginFailures(this.#db.pool, user.id);
    const token = randomBytes(32).toString('base64url');
    const session: Session = {
      id: sessionIdOf(token),
      user: { id: user.id, email: user.email, role: user.role },
      csrfSecret: randomBytes(32).toString('base64url'),
      expiresAt: new Date(Date.now() + this.policy.sessionMaxMs),
    };
    await withTransaction(this.#db.pool, async (client) => {
      await deleteDeadSessions(client, user.id, this.policy.sessionIdleMs);
      await insertSession(client, { ...session, userId: user.id });
      await appendAudit(client, {
        actor: user.email,
        action: 'login.success',
        subject: user.email,
        detail: { ip },
      });
    });
    return { token, session };
  }

  /** The live session for a cookie token (refreshing its idle timer), if any. */
  async session(token: string): Promise<Session | undefined> {
    const row = await touchSession(this.#db.pool, sessionIdOf(token), this.policy.sessionIdleMs);
    return row
      ? {
          id: row.id,
          user: { id: row.userId, email: row.email, role: row.role },
          csrfSecret: row.csrfSecret,
          expiresAt: row.expiresAt,
        }
      : undefined;
  }

  /** Ends a session. */
  async logout(session: Session, ip: string): Promise<void> {
    await withTransaction(this.#db.pool, async (client) => {
      if (await deleteSession(client, session.id)) {
        await appendAudit(client, {
          actor: session.user.email,
          action: 'logout',
          subject: session.user.email,
          detail: { ip },
        });
      }
    });
  }
}
