import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { csrfMatches, csrfTokenFor, fromThisSite } from './csrf.js';

const session = { id: 'a'.repeat(64), csrfSecret: 'secret-of-this-session' };
const req = (headers: Record<string, string>) =>
  ({ headers: { host: 'hw.example', ...headers } }) as unknown as FastifyRequest;

describe('CSRF tokens', () => {
  it('accept only the token of the same session', () => {
    const token = csrfTokenFor(session);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfMatches(session, token)).toBe(true);
    expect(csrfMatches({ ...session, id: 'b'.repeat(64) }, token)).toBe(false);
    expect(csrfMatches({ ...session, csrfSecret: 'another' }, token)).toBe(false);
    expect(csrfMatches(session, `${token}x`)).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(csrfMatches(session, [token])).toBe(false);
  });

  it('treat requests the browser marks as cross-site as foreign', () => {
    expect(fromThisSite(req({}))).toBe(true);
    expect(fromThisSite(req({ 'sec-fetch-site': 'same-origin' }))).toBe(true);
    expect(fromThisSite(req({ 'sec-fetch-site': 'cross-site' }))).toBe(false);
    expect(fromThisSite(req({ 'sec-fetch-site': 'same-site' }))).toBe(false);
    expect(fromThisSite(req({ origin: 'https://hw.example' }))).toBe(true);
    expect(fromThisSite(req({ origin: 'https://evil.example' }))).toBe(false);
    expect(fromThisSite(req({ origin: 'null' }))).toBe(false);
  });
});
