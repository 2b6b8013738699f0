import type pg from 'pg';

export interface TokenRow {
  id: number;
  name: string;
  scopes: string[];
}

/** The active token with this SHA-256, marking it used. */
export async function findActiveToken(pool: pg.Pool, tokenHash: string): Promise<TokenRow | undefined> {
  const { rows } = await pool.query(
    `UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1 AND revoked_at IS NULL
     RETURNING id, name, scopes`,
    [tokenHash],
  );
  const r = rows[0];
  return r ? { id: Number(r.id), name: r.name, scopes: r.scopes } : undefined;
}

export async function insertToken(
  pool: pg.Pool,
  t: { name: string; tokenHash: string; scopes: string[] },
): Promise<number> {
  const { rows } = await pool.query(
    'INSERT INTO api_tokens (name, token_hash, scopes) VALUES ($1, $2, $3) RETURNING id',
    [t.name, t.tokenHash, t.scopes],
  );
  return Number(rows[0]?.id);
}

export async function revokeToken(pool: pg.Pool, id: number): Promise<boolean> {
  const res = await pool.query(
    'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
    [id],
  );
  return (res.rowCount ?? 0) > 0;
}
