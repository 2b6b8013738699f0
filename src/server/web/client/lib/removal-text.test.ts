import { describe, expect, it } from 'vitest';
import { removalSummary, roughDuration } from './removal-text.js';

describe('removal figures in plain words', () => {
  it('says nothing was requested yet', () => {
    expect(
      removalSummary({
        itemsNoticed: 0,
        itemsRemoved: 0,
        medianSecondsToRemoval: null,
        outstandingPastDeadline: 0,
      }),
    ).toBe('No removal requests have been sent yet.');
  });

  it('gives counts, the usual time and what is still up, calmly', () => {
    expect(
      removalSummary({
        itemsNoticed: 7,
        itemsRemoved: 6,
        medianSecondsToRemoval: 3.5 * 3600,
        outstandingPastDeadline: 1,
      }),
    ).toBe(
      'Removal was requested for 7 copies; 6 have been taken down so far. Half of those came down within about 4 hours of the request. One is still online after the time the site was given. We keep following up.',
    );
    expect(
      removalSummary({
        itemsNoticed: 1,
        itemsRemoved: 1,
        medianSecondsToRemoval: 3 * 86_400,
        outstandingPastDeadline: 0,
      }),
    ).toBe(
      'Removal was requested for 1 copy; 1 has been taken down so far. It came down about 3 days after the request.',
    );
    expect(
      removalSummary({
        itemsNoticed: 2,
        itemsRemoved: 0,
        medianSecondsToRemoval: null,
        outstandingPastDeadline: 2,
      }),
    ).toBe(
      'Removal was requested for 2 copies; none has been taken down so far. 2 are still online after the time the site was given. We keep following up.',
    );
  });

  it('rounds durations to words', () => {
    expect(roughDuration(600)).toBe('less than an hour');
    expect(roughDuration(3600)).toBe('about 1 hour');
    expect(roughDuration(47 * 3600)).toBe('about 47 hours');
    expect(roughDuration(5 * 86_400)).toBe('about 5 days');
  });
});
