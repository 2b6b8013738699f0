/** Plain renderings of the statistics for staff pages. */

/** "45 min", "3.5 h", "2.3 days"; "—" when there is nothing to show. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 3600) return `${Math.max(0, Math.round(seconds / 60))} min`;
  if (seconds < 48 * 3600) return `${trim(seconds / 3600)} h`;
  return `${trim(seconds / 86_400)} days`;
}

/** "71%" (whole percent); "—" before anything was noticed. */
export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)}%`;
}

function trim(n: number): string {
  return n.toFixed(1).replace(/\.0$/, '');
}
