/**
 * The removal figures of a survivor's own case in plain words, for the `/case` page. No platform
 * contacts and nothing about other cases reach this text: the API sends only this case's counts.
 */

/** This case's removal figures, as `GET /api/v1/cases/:ref` sends them. */
export interface CaseRemoval {
  itemsNoticed: number;
  itemsRemoved: number;
  medianSecondsToRemoval: number | null;
  outstandingPastDeadline: number;
}

/** "less than an hour", "about 5 hours", "about 3 days". */
export function roughDuration(seconds: number): string {
  const hours = Math.round(seconds / 3600);
  if (hours < 1) return 'less than an hour';
  if (hours < 48) return `about ${hours} ${hours === 1 ? 'hour' : 'hours'}`;
  return `about ${Math.round(hours / 24)} days`;
}

/** One calm paragraph: what was requested, what came down, how long it usually took, what is still up. */
export function removalSummary(r: CaseRemoval): string {
  if (r.itemsNoticed === 0) return 'No removal requests have been sent yet.';
  const copies = (n: number) => `${n} ${n === 1 ? 'copy' : 'copies'}`;
  const parts = [
    `Removal was requested for ${copies(r.itemsNoticed)}; ${r.itemsRemoved === 0 ? 'none has' : `${r.itemsRemoved} ${r.itemsRemoved === 1 ? 'has' : 'have'}`} been taken down so far.`,
  ];
  if (r.medianSecondsToRemoval !== null) {
    parts.push(
      r.itemsRemoved === 1
        ? `It came down ${roughDuration(r.medianSecondsToRemoval)} after the request.`
        : `Half of those came down within ${roughDuration(r.medianSecondsToRemoval)} of the request.`,
    );
  }
  if (r.outstandingPastDeadline > 0) {
    parts.push(
      `${r.outstandingPastDeadline === 1 ? 'One is' : `${r.outstandingPastDeadline} are`} still online after the time the site was given. We keep following up.`,
    );
  }
  return parts.join(' ');
}
