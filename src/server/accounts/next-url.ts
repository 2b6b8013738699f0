const BASE = 'http://hashwatch.invalid';

/**
 * Where to go after signing in, if `input` is a path on this site; undefined otherwise. Rejects
 * absolute and protocol-relative URLs (`//evil`, and `/\evil`, which browsers read the same way)
 * and control characters, so the login page can never be used to send someone elsewhere.
 */
export function safeNext(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > 2048) return undefined;
  if (!input.startsWith('/') || input.startsWith('//')) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse.
  if (/[\\\u0000-\u001f\u007f]/.test(input)) return undefined;
  let url: URL;
  try {
    url = new URL(input, BASE);
  } catch {
    return undefined;
  }
  if (url.origin !== BASE) return undefined;
  // After signing in, going back to the sign-in or sign-out page would be a loop.
  if (url.pathname === '/login' || url.pathname === '/logout') return undefined;
  return `${url.pathname}${url.search}${url.hash}`;
}
