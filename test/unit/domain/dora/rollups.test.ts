import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addRollups, EMPTY_ROLLUP, type Rollup, sumRollups } from '../../../../domain/dora/rollups.ts';

const sortedSamples = fc.array(fc.integer({ min: 0, max: 30 * 86_400 })).map((s) => s.sort((a, b) => a - b));
const count = fc.nat({ max: 50 });
const rollup: fc.Arbitrary<Rollup> = fc.record({
  deployments: count,
  rollbacks: count,
  changes: count,
  failedChanges: count,
  unplanned: count,
  unrecovered: count,
  leadService: sortedSamples,
  leadEnvironment: sortedSamples,
  recovery: sortedSamples,
});

describe('summing rollups', () => {
  it('gives what adding them one by one gives', () => {
    fc.assert(
      fc.property(fc.array(rollup, { maxLength: 40 }), (rollups) => {
        expect(sumRollups(rollups)).toEqual(rollups.reduce((total, r) => addRollups(total, r), EMPTY_ROLLUP));
      }),
    );
  });

  it('keeps every sample of a window in one sorted list', () => {
    const day = (leadService: number[]): Rollup => ({ ...EMPTY_ROLLUP, deployments: 1, leadService });
    expect(sumRollups([day([5, 9]), day([1, 9, 12]), day([])])).toMatchObject({
      deployments: 3,
      leadService: [1, 5, 9, 9, 12],
    });
  });
});
