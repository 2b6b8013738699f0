import type { Config } from '../config.js';
import { createDb } from '../db/index.js';
import { generateToken } from '../registry/index.js';
import { insertToken, TOKEN_SCOPES, type TokenScope } from '../server/index.js';

/** `hashwatch token add`: creates an API token and prints it once; only its hash is stored. */
export async function addTokenCommand(
  config: Readonly<Config>,
  name: string,
  scopes: string[],
): Promise<number> {
  const bad = scopes.filter((s) => !TOKEN_SCOPES.includes(s as TokenScope));
  if (bad.length || scopes.length === 0) {
    process.stderr.write(
      `Scopes must be among: ${TOKEN_SCOPES.join(', ')} (got: ${scopes.join(', ') || 'none'}).\n`,
    );
    return 2;
  }
  const db = createDb(config.db.url, 1);
  try {
    const { token, tokenHash } = generateToken();
    const id = await insertToken(db.pool, { name, tokenHash, scopes });
    process.stdout.write(
      `Token ${id} for "${name}" (${scopes.join(', ')}):\n${token}\nIt is shown only now.\n`,
    );
    return 0;
  } finally {
    await db.pool.end();
  }
}
