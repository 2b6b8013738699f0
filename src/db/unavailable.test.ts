import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './pool.js';

describe('isDatabaseUnavailable', () => {
  it('recognises a server that is down, restarting or gone away', () => {
    const sys = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
    expect(isDatabaseUnavailable(sys('ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(sys('ECONNRESET'))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([sys('ECONNREFUSED'), sys('ECONNREFUSED')]))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    // SQLSTATE 57P01 admin_shutdown, 57P03 cannot_connect_now, class 08 connection exception
    for (const code of ['57P01', '57P03', '08006', '08001'])
      expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code }))).toBe(true);
  });

  it('does not take a bad query or another failure for an outage', () => {
    for (const code of ['23505', '42P01', '22P02', '40001'])
      expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code }))).toBe(false);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
    expect(
      isDatabaseUnavailable(
        new AggregateError([new Error('a'), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })]),
      ),
    ).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});
