import type pg from 'pg';
import type { Role } from './user.store.js';

type Queryable = pg.Pool | pg.PoolClient;

/** A live session with its account, as the request hooks need it. */
export interface SessionRow {
  /** SHA-256 (hex) of the cookie token. */
  id: string;
  userId: number;
  email: string;
  role: Role;
  csrfSecret: string;
  expiresAt: Date;
}

export async function insertSession(
  db: Queryable,
  s: { id: string; userId: number; expiresAt: Date; csrfSecret: string },
): Promise<void> {
  await db.query('INSERT INTO sessions (id, user_id, expires_at, csrf_secret) VALUES ($1, $2, $3, $4)', [
    s.id,
    s.userId,
    s.expiresAt,
    s.csrfSecret,
  ]);
}

/**
 * The session with this id if it is neither past its absolute end nor idle longer than `idleMs`
 * and its account is enabled, refreshing `last_seen_at` in the same statement.
 */
export async function touchSession(
  db: Queryable,
  id: string,
  idleMs: number,
): Promise<SessionRow | undefined> {
  const { rows } = await db.query(
    `UPDATE sessions s SET last_seen_at = now()
     FROM users u
     WHERE s.id = $1 AND u.id = s.user_id AND u.disabled_at IS NULL
       AND s.expires_at > now()
       AND s.last_seen_at > now() - make_interval(secs => $2::double precision / 1000)
     RETURNING s.id, s.user_id, s.csrf_secret, s.expires_at, u.email, u.role`,
    [id, idleMs],
  );
  const r = rows[0];
  return r
    ? {
        id: r.id,
        userId: Number(r.user_id),
        email: r.email,
        role: r.role,
        csrfSecret: r.csrf_secret,
        expiresAt: r.expires_at,
      }
    : undefined;
}

/** Ends one session; true when it existed. */
export async function deleteSession(db: Queryable, id: string): Promise<boolean> {
  const res = await db.query('DELETE FROM sessions WHERE id = $1', [id]);
  return (res.rowCount ?? 0) > 0;
}

/** Ends every session of an account (it was disabled). Returns how many ended. */
export async function deleteUserSessions(db: Queryable, userId: number): Promise<number> {
  const res = await db.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
  return res.rowCount ?? 0;
}

/** Removes an account's dead sessions, so the table stays small without a scheduled job. */
export async function deleteDeadSessions(db: Queryable, userId: number, idleMs: number): Promise<void> {
  await db.query(
    `DELETE FROM sessions WHERE user_id = $1
       AND (expires_at <= now() OR last_seen_at <= now() - make_interval(secs => $2::double precision / 1000))`,
    [userId, idleMs],
  );
}
