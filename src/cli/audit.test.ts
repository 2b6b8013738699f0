import { describe, expect, it } from 'vitest';
import { describeVerification } from './audit.js';

describe('audit verify output', () => {
  it('says how many entries are intact, and where and how the chain broke', () => {
    expect(describeVerification({ ok: true, count: 1, head: 'ab' })).toBe(
      'Audit log OK: 1 entry, chain intact. Last hash: ab',
    );
    expect(describeVerification({ ok: false, count: 41, brokenAt: 42, reason: 'hash' })).toBe(
      'Audit log BROKEN at entry 42: its content does not match its hash (the entry was changed). The 41 entries before it are intact.',
    );
    expect(describeVerification({ ok: false, count: 3, brokenAt: 9, reason: 'link' })).toContain(
      'an entry was removed or reordered',
    );
  });
});
