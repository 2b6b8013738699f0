import type pg from 'pg';

type Queryable = pg.Pool | pg.PoolClient;

/** Staff roles. An admin can do everything an analyst can. */
export type Role = 'admin' | 'analyst';
export const ROLES: readonly Role[] = ['admin', 'analyst'];

export interface UserRow {
  id: number;
  email: string;
  role: Role;
  passwordHash: string;
  createdAt: Date;
  disabledAt: Date | null;
  failedLogins: number;
  lockedUntil: Date | null;
}

const COLUMNS = 'id, email, role, password_hash, created_at, disabled_at, failed_logins, locked_until';

function toUser(r: Record<string, unknown>): UserRow {
  return {
    id: Number(r.id),
    email: String(r.email),
    role: r.role as Role,
    passwordHash: String(r.password_hash),
    createdAt: r.created_at as Date,
    disabledAt: (r.disabled_at as Date | null) ?? null,
    failedLogins: Number(r.failed_logins),
    lockedUntil: (r.locked_until as Date | null) ?? null,
  };
}

/** The account with this (already lowercased) email, disabled or not. */
export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM users WHERE email = $1`, [email]);
  return rows[0] ? toUser(rows[0]) : undefined;
}

/** Every account, oldest first. */
export async function listUsers(db: Queryable): Promise<UserRow[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM users ORDER BY id`);
  return rows.map(toUser);
}

/** Inserts an account; undefined when the email is taken. */
export async function insertUser(
  db: Queryable,
  u: { email: string; role: Role; passwordHash: string },
): Promise<number | undefined> {
  const { rows } = await db.query(
    `INSERT INTO users (email, role, password_hash) VALUES ($1, $2, $3)
     ON CONFLICT (email) DO NOTHING RETURNING id`,
    [u.email, u.role, u.passwordHash],
  );
  return rows[0] ? Number(rows[0].id) : undefined;
}

/** Marks an account disabled (keeping the first time it was disabled). */
export async function markUserDisabled(db: Queryable, id: number): Promise<void> {
  await db.query('UPDATE users SET disabled_at = coalesce(disabled_at, now()) WHERE id = $1', [id]);
}

/**
 * Counts a sign-in attempt before the password is checked, in one statement, and pauses the account
 * when the count reaches `maxFailures`. Undefined when the account is paused or disabled: then no
 * attempt is allowed. Counting first (and resetting on success) means parallel guesses cannot all
 * slip in before the first failure is recorded.
 */
export async function reserveLoginAttempt(
  db: Queryable,
  id: number,
  maxFailures: number,
  lockMs: number,
): Promise<{ failedLogins: number; lockedUntil: Date | null } | undefined> {
  const { rows } = await db.query(
    `UPDATE users SET
       failed_logins = failed_logins + 1,
       locked_until = CASE WHEN failed_logins + 1 >= $2
                           THEN now() + make_interval(secs => $3::double precision / 1000) ELSE NULL END
     WHERE id = $1 AND disabled_at IS NULL AND (locked_until IS NULL OR locked_until <= now())
     RETURNING failed_logins, locked_until`,
    [id, maxFailures, lockMs],
  );
  const r = rows[0];
  return r ? { failedLogins: Number(r.failed_logins), lockedUntil: r.locked_until ?? null } : undefined;
}

/** After a successful sign-in the count starts again. */
export async function resetLoginFailures(db: Queryable, id: number): Promise<void> {
  await db.query('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1', [id]);
}
