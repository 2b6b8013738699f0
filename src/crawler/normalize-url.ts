/** Query parameters that only track the visitor and never change what a page shows. */
const TRACKING = /^(utm_[a-z]+|fbclid|gclid|mc_eid|ref_src|_ga)$/i;

/**
 * The form of a URL used to decide "same page" or "same media": lowercase scheme and host, no
 * default port, no fragment, no tracking parameters, remaining parameters sorted. Throws on a URL
 * that does not parse.
 */
export function normalizeUrl(input: string): string {
  const u = new URL(input.trim());
  u.hash = '';
  u.hostname = u.hostname.toLowerCase();
  if ((u.protocol === 'http:' && u.port === '80') || (u.protocol === 'https:' && u.port === '443'))
    u.port = '';
  const params = [...u.searchParams.entries()]
    .filter(([k]) => !TRACKING.test(k))
    .sort(([a], [b]) => a.localeCompare(b));
  u.search = '';
  for (const [k, v] of params) u.searchParams.append(k, v);
  if (u.pathname === '') u.pathname = '/';
  return u.toString();
}
