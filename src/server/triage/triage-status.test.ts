import { describe, expect, it } from 'vitest';
import { statusLine } from './triage.page.js';

describe('the status line after a decision', () => {
  it('says how many changed, and leaves out "0 matches confirmed" when confirmations are waiting', () => {
    expect(statusLine({ done: 'confirm', n: '2', skipped: '0' }, 1)).toBe('2 matches confirmed.');
    expect(statusLine({ done: 'confirm', n: '0', skipped: '0' }, 1)).toBe('0 matches confirmed.');
    expect(statusLine({ done: 'confirm', n: '0', skipped: '0', waiting: '1' }, 2)).toBe(
      'Your confirmation of 1 match is recorded; another analyst needs to confirm too.',
    );
    expect(statusLine({ done: 'confirm', n: '1', skipped: '0', waiting: '2' }, 2)).toBe(
      '1 match confirmed. Your confirmation of 2 matches is recorded; another analyst needs to confirm too.',
    );
  });

  it('asks for more analysts when three or more must confirm', () => {
    expect(statusLine({ done: 'confirm', n: '0', skipped: '0', waiting: '1' }, 3)).toBe(
      'Your confirmation of 1 match is recorded; more analysts need to confirm too.',
    );
    expect(statusLine({ done: 'confirm', n: '0', skipped: '0', again: '1' }, 3)).toBe(
      'You had already confirmed 1 match; more analysts, other than you, need to confirm.',
    );
    expect(statusLine({ done: 'confirm', n: '0', skipped: '0', again: '1' }, 2)).toBe(
      'You had already confirmed 1 match; a different analyst needs to confirm.',
    );
  });
});
