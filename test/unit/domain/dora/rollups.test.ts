import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median, medianOfRuns, percentile, percentileOfRuns } from '../../../../domain/dora/percentiles.ts';
import { addRollups, EMPTY_ROLLUP, type Rollup, totalOf } from '../../../../domain/dora/rollups.ts';

const sortedSamples = fc.array(fc.integer({ min: 0, max: 30 * 86_400 })).map((s) => s.sort((a, b) => a - b));
const count = fc.nat({ max: 50 });
const rollup: fc.Arbitrary<Rollup> = fc.record({
  deployments: count,
  rollbacks: count,
  changes: count,
  failedChanges: count,
  unplanned: count,
  unrecovered: count,
  reworkIncident: count,
  reworkBug: count,
  leadService: sortedSamples,
  leadEnvironment: sortedSamples,
  recovery: sortedSamples,
  alertWatched: count,
  alertAbove: count,
  alertRatios: sortedSamples,
});

describe('the totals of a window of rollups', () => {
  const flat = (runs: readonly (readonly number[])[]) => runs.flat().sort((a, b) => a - b);

  it('hold the counts and sample multisets that adding the days one by one gives, without merging', () => {
    fc.assert(
      fc.property(fc.array(rollup, { maxLength: 40 }), (rollups) => {
        const added = rollups.reduce((total, r) => addRollups(total, r), EMPTY_ROLLUP);
        const { leadService, leadEnvironment, recovery, alertRatios, ...counts } = totalOf(rollups);
        const { leadService: s, leadEnvironment: e, recovery: r, alertRatios: a, ...addedCounts } = added;
        expect(counts).toEqual(addedCounts);
        expect([flat(leadService), flat(leadEnvironment), flat(recovery), flat(alertRatios)]).toEqual([
          s,
          e,
          r,
          a,
        ]);
        expect(medianOfRuns(leadService)).toBe(median(s));
        expect(percentileOfRuns(recovery, 90)).toBe(percentile(r, 90));
      }),
    );
  });

  it('keep each day’s samples as its own sorted run', () => {
    const day = (leadService: number[]): Rollup => ({ ...EMPTY_ROLLUP, deployments: 1, leadService });
    expect(totalOf([day([5, 9]), day([1, 9, 12]), day([])])).toMatchObject({
      deployments: 3,
      leadService: [[5, 9], [1, 9, 12], []],
    });
  });
});
