import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { HashwatchError } from '../errors.js';
import { hashToken } from '../registry/index.js';
import { findActiveToken, type TokenRow } from './token.store.js';

export type TokenScope = 'register' | 'report';
export const TOKEN_SCOPES: readonly TokenScope[] = ['register', 'report'];

declare module 'fastify' {
  interface FastifyRequest {
    token?: TokenRow;
  }
}

/** The bearer token of a request, if it sent one. */
function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

/** A preHandler that requires an API token with `scope` (advocates, hotlines). */
export function requireToken(pool: pg.Pool, scope: TokenScope) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearer(req);
    if (!token) {
      throw new HashwatchError(
        'AUTH_REQUIRED',
        'This needs an API token: send "Authorization: Bearer <token>".',
        {
          status: 401,
        },
      );
    }
    const row = await findActiveToken(pool, hashToken(token));
    if (!row)
      throw new HashwatchError('AUTH_INVALID_TOKEN', 'This API token is not valid or was revoked.', {
        status: 401,
      });
    if (!row.scopes.includes(scope)) {
      throw new HashwatchError('AUTH_FORBIDDEN', `This API token does not have the "${scope}" scope.`, {
        status: 403,
      });
    }
    req.token = row;
  };
}

/** Reads an optional token without requiring one (e.g. larger limits for advocates). */
export async function optionalToken(pool: pg.Pool, req: FastifyRequest): Promise<TokenRow | undefined> {
  const token = bearer(req);
  return token ? findActiveToken(pool, hashToken(token)) : undefined;
}
