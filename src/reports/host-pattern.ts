/**
 * Host patterns of the platform directory: `tube.example` names one host, `*.cdn.tube.example`
 * every subdomain of `cdn.tube.example` (not that host itself, as with gate presets). When several
 * patterns cover a host, the most specific wins: the exact host, then the longest `*.` suffix.
 */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Lower-cases and checks a pattern; returns an explanation instead when it is not a host name or
 * `*.` followed by one. A bare `*` or `*.tld` would claim half the internet, so at least two labels
 * must follow the wildcard.
 */
export function normalizeHostPattern(pattern: string): { pattern: string } | { problem: string } {
  const p = pattern.trim().toLowerCase().replace(/\.$/, '');
  const wildcard = p.startsWith('*.');
  const labels = (wildcard ? p.slice(2) : p).split('.');
  if (labels.some((l) => !LABEL.test(l))) {
    return { problem: `"${pattern}" is not a host name or *.domain pattern` };
  }
  if (wildcard && labels.length < 2) {
    return { problem: `"${pattern}" is too broad: a wildcard needs a domain with at least two labels` };
  }
  return { pattern: p };
}

/** The patterns that could cover `host`, most specific first. */
export function hostCandidates(host: string): string[] {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  const labels = h.split('.');
  const wildcards = labels.slice(1, -1).map((_, i) => `*.${labels.slice(i + 1).join('.')}`);
  return [h, ...wildcards];
}

/** The most specific of `patterns` that covers `host`, if any. */
export function bestPattern(host: string, patterns: Iterable<string>): string | undefined {
  const known = new Set(patterns);
  return hostCandidates(host).find((c) => known.has(c));
}
