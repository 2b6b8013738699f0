import { describe, expect, it } from 'vitest';
import { parseCookies, serializeCookie, sessionCookieName } from './cookies.js';
import { safeNext } from './next-url.js';

describe('cookies', () => {
  it('reads cookies the way browsers send them, first occurrence winning', () => {
    const c = parseCookies('a=1; hw_session=abc_-9 ; b="quoted"; hw_session=later; junk; =x');
    expect(c.get('hw_session')).toBe('abc_-9');
    expect(c.get('a')).toBe('1');
    expect(c.get('b')).toBe('quoted');
    expect(c.has('junk')).toBe(false);
    expect(parseCookies(undefined).size).toBe(0);
  });

  it('writes httpOnly, SameSite=Strict, Path=/ cookies, Secure only when asked', () => {
    expect(serializeCookie('hw_session', 'tok', { secure: false, maxAgeSeconds: 60 })).toBe(
      'hw_session=tok; Path=/; Max-Age=60; HttpOnly; SameSite=Strict',
    );
    expect(serializeCookie('__Host-hw_session', 'tok', { secure: true })).toBe(
      '__Host-hw_session=tok; Path=/; HttpOnly; SameSite=Strict; Secure',
    );
    expect(serializeCookie('hw_session', '', { secure: false, maxAgeSeconds: 0 })).toContain(
      'Max-Age=0; Expires=',
    );
  });

  it('refuses values that would need escaping (no header injection)', () => {
    expect(() => serializeCookie('hw_session', 'a;b', { secure: false })).toThrow();
    expect(() => serializeCookie('hw_session', 'a\r\nSet-Cookie: x=y', { secure: false })).toThrow();
  });

  it('uses the __Host- prefix exactly when the cookie is Secure', () => {
    expect(sessionCookieName(true)).toBe('__Host-hw_session');
    expect(sessionCookieName(false)).toBe('hw_session');
  });
});

describe('safeNext', () => {
  it('keeps paths on this site', () => {
    expect(safeNext('/triage?page=2#m3')).toBe('/triage?page=2#m3');
    expect(safeNext('/admin')).toBe('/admin');
  });

  it('refuses anything that could leave the site, or loop back to sign-in', () => {
    for (const bad of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      '/ok\r\nLocation: https://evil.example',
      'triage',
      '',
      '/login?next=/x',
      '/logout',
      ['/triage'],
      undefined,
      `/${'a'.repeat(3000)}`,
    ]) {
      expect(safeNext(bad), String(bad)).toBeUndefined();
    }
  });
});
