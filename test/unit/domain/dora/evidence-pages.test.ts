import { describe, expect, it } from 'vitest';
import { evidencePagePlan } from '../../../../domain/dora/evidence.ts';
import { EMPTY_ROLLUP, type Rollup } from '../../../../domain/dora/rollups.ts';

const day = (deployments: number, leadService: number[] = []): Rollup => ({
  ...EMPTY_ROLLUP,
  deployments,
  changes: deployments,
  leadService,
});

describe('evidencePagePlan', () => {
  // 2 + 0 + 3 + 1 deployments on four days (the second day had only a failure rollup with no deployments).
  const rollups = new Map([
    ['2026-03-04', day(3)],
    ['2026-03-02', day(2)],
    ['2026-03-05', day(1, [60])],
    ['2026-03-03', day(0)],
  ]);

  it('counts the total and reads only the days a page lies on', () => {
    expect(evidencePagePlan('deploymentFrequency', rollups, false, 0, 2)).toEqual({
      total: 6,
      days: ['2026-03-02'],
      skip: 0,
    });
    // Items 2..4 are the three of 4 March; item 5 is 5 March.
    expect(evidencePagePlan('deploymentFrequency', rollups, false, 2, 4)).toEqual({
      total: 6,
      days: ['2026-03-04', '2026-03-05'],
      skip: 0,
    });
    // Item 3 is the second of 4 March.
    expect(evidencePagePlan('deploymentFrequency', rollups, false, 3, 1)).toEqual({
      total: 6,
      days: ['2026-03-04'],
      skip: 1,
    });
  });

  it('reads nothing past the end, and counts per metric', () => {
    expect(evidencePagePlan('deploymentFrequency', rollups, false, 6, 10)).toEqual({
      total: 6,
      days: [],
      skip: 6,
    });
    expect(evidencePagePlan('leadTimeForChanges', rollups, false, 0, 10)).toEqual({
      total: 1,
      days: ['2026-03-05'],
      skip: 0,
    });
    expect(evidencePagePlan('leadTimeForChanges', rollups, true, 0, 10).total).toBe(0);
  });
});
