import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  median,
  mergeAllSorted,
  mergeSorted,
  percentile,
  subtractSorted,
} from '../../../../domain/dora/percentiles.ts';
import { addRollups, EMPTY_ROLLUP, type Rollup, sumRollups } from '../../../../domain/dora/rollups.ts';
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

  it('merges many sorted lists at once into what merging them one by one gives', () => {
    expect(mergeAllSorted([])).toEqual([]);
    expect(mergeAllSorted([[], [2], [1, 3], [], [2, 2]])).toEqual([1, 2, 2, 2, 3]);
    const sorted = fc
      .array(fc.integer({ min: 0, max: 50 }), { maxLength: 8 })
      .map((l) => l.sort((a, b) => a - b));
    fc.assert(
      fc.property(fc.array(sorted, { maxLength: 12 }), (lists) => {
        expect(mergeAllSorted(lists)).toEqual(
          lists.reduce<number[]>((all, list) => mergeSorted(all, list), []),
        );
      }),
    );
  });

  it('sums a window of day rollups as adding them one by one does', () => {
    const samples = fc.array(fc.nat(1000), { maxLength: 6 }).map((l) => l.sort((a, b) => a - b));
    const rollup: fc.Arbitrary<Rollup> = fc.record({
      deployments: fc.nat(9),
      rollbacks: fc.nat(9),
      changes: fc.nat(9),
      failedChanges: fc.nat(9),
      unplanned: fc.nat(9),
      unrecovered: fc.nat(9),
      leadService: samples,
      leadEnvironment: samples,
      recovery: samples,
    });
    fc.assert(
      fc.property(fc.array(rollup, { maxLength: 40 }), (days) => {
        expect(sumRollups(days)).toEqual(days.reduce((total, day) => addRollups(total, day), EMPTY_ROLLUP));
      }),
    );
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
