import { describe, expect, it } from 'vitest';
import { parseAckForm } from './ack.routes.js';
import { ackUrl, generateAckToken, hashAckToken, isWellFormedAckToken } from './ack-token.js';

describe('acknowledgement tokens', () => {
  it('are 32 random bytes in base64url, stored only as their SHA-256', () => {
    const a = generateAckToken();
    const b = generateAckToken();
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashAckToken(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).not.toContain(a.token);
    expect(isWellFormedAckToken(a.token)).toBe(true);
    expect(isWellFormedAckToken(`${a.token}x`)).toBe(false);
    expect(isWellFormedAckToken('../../etc/passwd')).toBe(false);
    expect(ackUrl('https://hw.example/', a.token)).toBe(`https://hw.example/n/${a.token}`);
  });

  it('need a decision, and a reason when the material stays up', () => {
    expect(parseAckForm({})).toHaveProperty('problem');
    expect(parseAckForm({ decision: 'maybe' })).toHaveProperty('problem');
    expect(parseAckForm({ decision: 'not_removed', reason: '  ' })).toHaveProperty('problem');
    expect(parseAckForm({ decision: 'not_removed', reason: 'x'.repeat(2001) })).toHaveProperty('problem');
    expect(parseAckForm({ decision: 'removed', reason: ' ' })).toEqual({ decision: 'removed', reason: null });
    expect(parseAckForm({ decision: 'not_removed', reason: ' lawful ' })).toEqual({
      decision: 'not_removed',
      reason: 'lawful',
    });
  });
});
