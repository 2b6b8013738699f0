import { describe, expect, it } from 'vitest';
import { normalizeUrl } from './normalize-url.js';

describe('normalizeUrl', () => {
  it('treats trivially different spellings of one URL as the same', () => {
    const forms = [
      'HTTPS://Tube.Example:443/v/1?b=2&a=1#t=30',
      'https://tube.example/v/1?a=1&b=2&utm_source=x',
      'https://tube.example/v/1?utm_medium=y&a=1&fbclid=z&b=2',
    ];
    expect(new Set(forms.map(normalizeUrl))).toEqual(new Set(['https://tube.example/v/1?a=1&b=2']));
  });

  it('keeps what changes the content: path, other parameters, scheme and port', () => {
    expect(normalizeUrl('https://tube.example/v/1?page=2')).not.toBe(
      normalizeUrl('https://tube.example/v/1?page=3'),
    );
    expect(normalizeUrl('http://tube.example:8080/')).toBe('http://tube.example:8080/');
    expect(() => normalizeUrl('not a url')).toThrow();
  });
});
