import { describe, expect, it } from 'vitest';
import { receiptFileName, receiptText } from './receipt.js';

describe('case receipt', () => {
  it('holds the reference, the PIN, the date and where to use them', () => {
    const text = receiptText(
      'HW-7K3M-9Q2P',
      '0123456789',
      new Date('2026-03-04T22:10:00Z'),
      'https://hw.example',
    );
    expect(text).toContain('Case reference: HW-7K3M-9Q2P');
    expect(text).toContain('PIN: 0123456789');
    expect(text).toContain('Registered: 2026-03-04');
    expect(text).toContain('https://hw.example/case');
    expect(text).toContain('cannot be shown again');
  });

  it('names the file after the reference, with nothing a file system could trip on', () => {
    expect(receiptFileName('HW-7K3M-9Q2P')).toBe('hashwatch-case-HW-7K3M-9Q2P.txt');
    expect(receiptFileName('HW/../7K3M 9Q2P')).toBe('hashwatch-case-HW7K3M9Q2P.txt');
  });
});
