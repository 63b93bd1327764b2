import { describe, expect, it } from 'vitest';
import { computeDora } from '../../../../domain/dora/dora-metrics.ts';
import { changeFailureTier, leadTimeTier } from '../../../../domain/dora/tiers.ts';
import { doraHistory } from '../../../support/dora-history.ts';

/**
 * Published worked examples of the definitions, reproduced through the whole computation.
 * Sources: Apache DevLake's DORA metric pages (devlake.apache.org/docs/Metrics/CFR and
 * /LeadTimeForChanges) and the DORA 2023 State of DevOps benchmark table they quote.
 */
const day = { from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z' };

function fiveDeployments() {
  const h = doraHistory();
  h.release('r1');
  for (let i = 1; i <= 5; i += 1) h.succeeded(`d${i}`, { release: 'r1', at: `2026-03-02T0${i}:00:00Z` });
  return h;
}

describe('published worked examples', () => {
  it('"five deployments in a day and one causes a failure, that is a 20% change failure rate"', () => {
    const h = fiveDeployments();
    h.opened('i1', { at: '2026-03-02T03:30:00Z', deploymentId: 'd3' });
    expect(computeDora(h.events, { scope: {}, ...day }).changeFailureRate).toEqual({
      rate: 0.2,
      failed: 1,
      total: 5,
      tier: 'low',
    });
  });

  it('"five deployments and two deployments cause one or more incidents, that is a 40% change failure rate"', () => {
    const h = fiveDeployments();
    h.opened('i1', { at: '2026-03-02T02:10:00Z', deploymentId: 'd2' });
    h.opened('i2', { at: '2026-03-02T02:20:00Z', deploymentId: 'd2' });
    h.opened('i3', { at: '2026-03-02T05:10:00Z' }); // blamed on d5, the latest before it
    expect(computeDora(h.events, { scope: {}, ...day }).changeFailureRate).toMatchObject({
      rate: 0.4,
      failed: 2,
      total: 5,
    });
  });

  it('"three deployments, six changes deployed: the median of the six lead times"', () => {
    const h = doraHistory();
    const hours = [
      [1, 2],
      [3, 4],
      [5, 30],
    ];
    hours.forEach(([a, b], i) => {
      h.release(`r${i}`, {
        commits: [
          [`c${i}a`, new Date(Date.parse('2026-03-20T00:00:00Z') - (a as number) * 3_600_000).toISOString()],
          [`c${i}b`, new Date(Date.parse('2026-03-20T00:00:00Z') - (b as number) * 3_600_000).toISOString()],
        ],
      });
      h.succeeded(`d${i}`, { release: `r${i}`, at: '2026-03-20T00:00:00Z' });
    });
    // Lead times 1, 2, 3, 4, 5, 30 h: the median is the mean of the 3rd and 4th, 3.5 h.
    const month = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
    expect(computeDora(h.events, { scope: {}, ...month }).leadTimeForChanges).toMatchObject({
      medianSeconds: 3.5 * 3600,
      samples: 6,
    });
  });

  it('matches the DORA 2023 benchmark levels', () => {
    // Change failure rate: elite 5%, high 10%, medium 15%, low 64%.
    expect([0.05, 0.1, 0.15, 0.64].map(changeFailureTier)).toEqual(['elite', 'high', 'medium', 'low']);
    // Lead time: under a day, a day to a week, a week to a month, more than a month.
    expect([3600, 3 * 86_400, 14 * 86_400, 60 * 86_400].map(leadTimeTier)).toEqual([
      'elite',
      'high',
      'medium',
      'low',
    ]);
  });
});
