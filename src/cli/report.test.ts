import { describe, expect, it } from 'vitest';
import { parseCsv } from './report.js';

describe('report CSV', () => {
  it('reads url, note and depth with quotes and a header, and names each bad line', () => {
    const problems: string[] = [];
    const rows = parseCsv(
      [
        'url,note,depth',
        'https://a.example/x,"seen on ""page 2"", top",1',
        '',
        'ftp://b.example/y',
        'https://c.example/z,,9',
        'https://d.example/',
      ].join('\n'),
      problems,
    );
    expect(rows).toEqual([
      { line: 2, url: 'https://a.example/x', note: 'seen on "page 2", top', depth: 1 },
      { line: 6, url: 'https://d.example/' },
    ]);
    expect(problems).toEqual([
      'line 4: "ftp://b.example/y" is not an http(s) address',
      'line 5: depth must be a whole number from 0 to 5',
    ]);
  });
});
