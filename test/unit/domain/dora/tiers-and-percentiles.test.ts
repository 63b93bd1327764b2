import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  kthSmallest,
  median,
  medianOfRuns,
  mergeSorted,
  percentile,
  percentileOfRuns,
  subtractSorted,
} from '../../../../domain/dora/percentiles.ts';
import {
  changeFailureTier,
  frequencyTier,
  leadTimeTier,
  recoveryTier,
} from '../../../../domain/dora/tiers.ts';

const HOUR = 3600;
const DAY = 24 * HOUR;

describe('percentiles', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(median([1, 2, 10])).toBe(2);
    expect(median([1, 2, 4, 10])).toBe(3);
  });

  it('takes the nearest-rank p90', () => {
    expect(percentile([], 90)).toBeNull();
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90)).toBe(10);
  });

  it('merges and un-merges sorted multisets', () => {
    expect(mergeSorted([1, 3, 3], [2, 3])).toEqual([1, 2, 3, 3, 3]);
    expect(subtractSorted([1, 2, 3, 3, 3], [2, 3])).toEqual([1, 3, 3]);
    expect(subtractSorted([1, 2], [5])).toEqual([1, 2]);
  });

  it('selects any rank across sorted runs as from their merged, sorted union', () => {
    const run = fc
      .array(
        fc.oneof(
          fc.integer({ min: -5, max: 40 }),
          fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((v) => v + 0),
        ),
        {
          maxLength: 9,
        },
      )
      .map((l) => l.sort((a, b) => a - b));
    fc.assert(
      fc.property(fc.array(run, { maxLength: 14 }), (runs) => {
        const merged = runs.flat().sort((a, b) => a - b);
        for (const [k, value] of merged.entries()) expect(kthSmallest(runs, k)).toBe(value);
        expect(() => kthSmallest(runs, merged.length)).toThrow(RangeError);
        expect(medianOfRuns(runs)).toBe(median(merged));
        for (const p of [1, 50, 90, 99, 100]) expect(percentileOfRuns(runs, p)).toBe(percentile(merged, p));
      }),
    );
    // Many equal values across many runs: the pivot is the answer far more often than not.
    expect(medianOfRuns(Array.from({ length: 365 }, () => [3, 3, 3, 7]))).toBe(3);
  });
});

describe('DORA 2023 tiers', () => {
  it('rates deployment frequency daily, weekly, monthly', () => {
    expect(frequencyTier(1)).toBe('elite');
    expect(frequencyTier(0.99)).toBe('high');
    expect(frequencyTier(1 / 7)).toBe('high');
    expect(frequencyTier(1 / 8)).toBe('medium');
    expect(frequencyTier(1 / 30)).toBe('medium');
    expect(frequencyTier(1 / 31)).toBe('low');
    expect(frequencyTier(0)).toBe('low');
  });

  it('rates lead time under a day, a week, a month', () => {
    expect(leadTimeTier(null)).toBeNull();
    expect(leadTimeTier(DAY - 1)).toBe('elite');
    expect(leadTimeTier(DAY)).toBe('high');
    expect(leadTimeTier(7 * DAY)).toBe('medium');
    expect(leadTimeTier(30 * DAY)).toBe('low');
  });

  it('rates change failure rate at most 5%, 10%, 15%', () => {
    expect(changeFailureTier(null)).toBeNull();
    expect(changeFailureTier(0.05)).toBe('elite');
    expect(changeFailureTier(0.1)).toBe('high');
    expect(changeFailureTier(0.15)).toBe('medium');
    expect(changeFailureTier(0.151)).toBe('low');
  });

  it('rates recovery under an hour, a day, a week', () => {
    expect(recoveryTier(null)).toBeNull();
    expect(recoveryTier(HOUR - 1)).toBe('elite');
    expect(recoveryTier(HOUR)).toBe('high');
    expect(recoveryTier(DAY)).toBe('medium');
    expect(recoveryTier(7 * DAY)).toBe('low');
  });
});
