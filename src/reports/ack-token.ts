/**
 * Acknowledgement tokens: the secret in a notice's `/n/<token>` link. 32 random bytes, base64url
 * (43 characters). Only a SHA-256 of the token is stored: a fast hash is enough for 256 random
 * bits, and a database leak does not hand out working links.
 */
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new token and the hash to store. */
export function generateAckToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashAckToken(token) };
}

/** The stored form of a token (hex SHA-256). */
export function hashAckToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether a string can be a token at all (checked before any database lookup). */
export function isWellFormedAckToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** The link a platform follows: `<publicUrl>/n/<token>`. */
export function ackUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/n/${token}`;
}
