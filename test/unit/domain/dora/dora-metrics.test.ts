import { describe, expect, it } from 'vitest';
import { DEFAULT_DORA_DEFINITIONS } from '../../../../domain/dora/definitions.ts';
import { computeDora, doraWindow } from '../../../../domain/dora/dora-metrics.ts';
import { doraHistory, reordered } from '../../../support/dora-history.ts';

const HOUR = 3600;
// Monday 2 March to Sunday 8 March 2026: seven whole days.
const week = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z' };

/** One week of a service, every number below worked out by hand in the comments. */
function aWeekOfApi() {
  const h = doraHistory();
  h.release('r1', {
    team: 'payments',
    commits: [
      ['c1', '2026-03-01T10:00:00Z'],
      ['c2', '2026-03-01T22:00:00Z'],
    ],
  });
  h.succeeded('d1', { release: 'r1', at: '2026-03-02T10:00:00Z' }); // c1 24 h, c2 12 h
  h.release('r2', { team: 'payments', commits: [['c3', '2026-03-03T09:00:00Z']] });
  h.succeeded('d2', { release: 'r2', at: '2026-03-03T10:00:00Z' }); // c3 1 h
  h.opened('i1', { at: '2026-03-03T12:00:00Z' }); // no deploymentId: blamed on d2 (latest success, 2 h before)
  h.resolved('i1', '2026-03-03T13:30:00Z'); // d2 recovers after 1.5 h, from the incident's opening
  h.release('r3', { team: 'payments', commits: [['c4', '2026-03-04T08:00:00Z']] });
  h.failed('d3', { release: 'r3', at: '2026-03-04T10:00:00Z' });
  h.succeeded('d4', { release: 'r3', at: '2026-03-04T11:00:00Z', fixes: 'd3' }); // d3 recovers in 1 h; c4 3 h
  h.release('r4', { team: 'payments', commits: [['c5', '2026-03-05T00:00:00Z']] });
  h.succeeded('d5', { release: 'r4', at: '2026-03-05T10:00:00Z' }); // c5 10 h
  h.succeeded('d6', { release: 'r2', at: '2026-03-05T10:30:00Z', rollbackOf: 'd5', planned: false }); // d5 recovers in 30 min
  h.succeeded('d7', { release: 'r4', env: 'staging', at: '2026-03-05T09:00:00Z' }); // not production
  return h;
}

describe('computeDora on a hand-worked week', () => {
  const metrics = computeDora(aWeekOfApi().events, { scope: { service: 'api' }, ...week });

  it('counts successful production deployments, rollbacks flagged, on four distinct days', () => {
    // d1, d2, d4, d5, d6 (the rollback d6 included and flagged); d3 failed; d7 is staging.
    expect(metrics.deploymentFrequency).toEqual({
      count: 5,
      rollbacks: 1,
      deployDays: 4,
      perDay: 5 / 7,
      perWeek: 5,
      tier: 'high',
    });
  });

  it('takes each commit to its first successful production deployment', () => {
    // [1 h, 3 h, 10 h, 12 h, 24 h]: median 10 h; nearest-rank p90 is the 5th of 5.
    expect(metrics.leadTimeForChanges).toEqual({
      medianSeconds: 10 * HOUR,
      p90Seconds: 24 * HOUR,
      samples: 5,
      tier: 'elite',
    });
  });

  it('counts failed, fixed, rolled back and incident-linked deployments, rollbacks excluded', () => {
    // d2 (incident within gap), d3 (failed, then fixed), d5 (rolled back) of d1–d5.
    expect(metrics.changeFailureRate).toEqual({ rate: 3 / 5, failed: 3, total: 5, tier: 'low' });
  });

  it('measures recovery from the failure to the remedy or the incident resolving', () => {
    // d5 30 min, d3 1 h, d2 1.5 h: median exactly 1 h is not under an hour, so "high".
    expect(metrics.failedDeploymentRecoveryTime).toEqual({
      medianSeconds: HOUR,
      p90Seconds: 1.5 * HOUR,
      samples: 3,
      unrecovered: 0,
      tier: 'high',
    });
  });

  it('counts fixes and rollbacks as rework', () => {
    expect(metrics.deploymentReworkRate).toEqual({ rate: 2 / 5, unplanned: 2, total: 5 });
  });

  it('gives a series per bucket that adds up to the window', () => {
    const weekly = computeDora(aWeekOfApi().events, { scope: {}, ...week, bucket: 'week' });
    expect(weekly.series).toHaveLength(1);
    expect(weekly.series[0]).toMatchObject({
      bucket: '2026-03-02',
      days: 7,
      deploymentFrequency: { count: 5 },
    });
    const daily = computeDora(aWeekOfApi().events, { scope: {}, ...week });
    expect(daily.series.map((s) => s.deploymentFrequency.count)).toEqual([1, 1, 1, 2, 0, 0, 0]);
    expect(daily.series[3]?.changeFailureRate).toMatchObject({ failed: 1, total: 1 });
  });

  it('is the same whatever order the events were recorded in', () => {
    const { events } = aWeekOfApi();
    const backwards = reordered(
      events,
      events.map((_, i) => events.length - 1 - i),
    );
    expect(computeDora(backwards, { scope: { service: 'api' }, ...week })).toEqual(metrics);
  });
});

describe('computeDora edges', () => {
  it('answers zeros and nulls when there are no deployments', () => {
    const metrics = computeDora([], { scope: {}, ...week });
    expect(metrics.deploymentFrequency).toEqual({
      count: 0,
      rollbacks: 0,
      deployDays: 0,
      perDay: 0,
      perWeek: 0,
      tier: 'low',
    });
    expect(metrics.leadTimeForChanges).toEqual({
      medianSeconds: null,
      p90Seconds: null,
      samples: 0,
      tier: null,
    });
    expect(metrics.changeFailureRate).toEqual({ rate: null, failed: 0, total: 0, tier: null });
    expect(metrics.failedDeploymentRecoveryTime.medianSeconds).toBeNull();
    expect(metrics.deploymentReworkRate).toEqual({ rate: null, unplanned: 0, total: 0 });
  });

  it('takes the mean of the two middle values for an even count', () => {
    const h = doraHistory();
    h.release('r1', {
      commits: [
        ['a', '2026-03-02T09:00:00Z'],
        ['b', '2026-03-02T08:00:00Z'],
        ['c', '2026-03-02T07:00:00Z'],
        ['d', '2026-03-02T05:00:00Z'],
      ],
    });
    h.succeeded('d1', { release: 'r1', at: '2026-03-02T10:00:00Z' });
    // [1 h, 2 h, 3 h, 5 h]: median (2 h + 3 h) / 2; p90 rank ceil(3.6) = 4.
    expect(computeDora(h.events, { scope: {}, ...week }).leadTimeForChanges).toEqual({
      medianSeconds: 2.5 * HOUR,
      p90Seconds: 5 * HOUR,
      samples: 4,
      tier: 'elite',
    });
  });

  it('blames no deployment for an incident opened before any, or after the gap', () => {
    const h = doraHistory();
    h.opened('early', { at: '2026-03-02T08:00:00Z' });
    h.release('r1');
    h.succeeded('d1', { release: 'r1', at: '2026-03-02T10:00:00Z' });
    h.opened('late', { at: '2026-03-03T10:00:01Z' }); // 24 h and 1 s after d1
    expect(computeDora(h.events, { scope: {}, ...week }).changeFailureRate).toEqual({
      rate: 0,
      failed: 0,
      total: 1,
      tier: 'elite',
    });
  });

  it('blames an incident at exactly the gap, and honours a configured gap', () => {
    const h = doraHistory();
    h.release('r1');
    h.succeeded('d1', { release: 'r1', at: '2026-03-02T10:00:00Z' });
    h.opened('i1', { at: '2026-03-03T10:00:00Z' });
    expect(computeDora(h.events, { scope: {}, ...week }).changeFailureRate.failed).toBe(1);
    const oneHour = { ...DEFAULT_DORA_DEFINITIONS, incidentGapHours: 1 };
    expect(computeDora(h.events, { scope: {}, ...week, definitions: oneHour }).changeFailureRate.failed).toBe(
      0,
    );
  });

  it('prefers the deployment an incident names over the latest one', () => {
    const h = doraHistory();
    h.release('r1');
    h.succeeded('d1', { release: 'r1', at: '2026-03-02T10:00:00Z' });
    h.succeeded('d2', { release: 'r1', at: '2026-03-02T11:00:00Z' });
    h.opened('i1', { at: '2026-03-02T12:00:00Z', deploymentId: 'd1' });
    h.resolved('i1', '2026-03-02T12:20:00Z');
    const metrics = computeDora(h.events, { scope: {}, ...week });
    expect(metrics.changeFailureRate).toMatchObject({ failed: 1, total: 2 });
    // Detected when the incident opened (the deployment itself succeeded): 20 minutes.
    expect(metrics.failedDeploymentRecoveryTime).toMatchObject({ medianSeconds: 1200, tier: 'elite' });
  });

  it('excludes a rollback of a rollback from change failure but counts both as rework', () => {
    const h = doraHistory();
    h.release('v1');
    h.release('v2');
    h.succeeded('d1', { release: 'v1', at: '2026-03-02T10:00:00Z' });
    h.succeeded('d2', { release: 'v2', at: '2026-03-02T11:00:00Z' });
    h.succeeded('d3', { release: 'v1', at: '2026-03-02T11:10:00Z', rollbackOf: 'd2' });
    h.succeeded('d4', { release: 'v2', at: '2026-03-02T11:20:00Z', rollbackOf: 'd3' });
    const metrics = computeDora(h.events, { scope: {}, ...week });
    expect(metrics.deploymentFrequency).toMatchObject({ count: 4, rollbacks: 2 });
    expect(metrics.changeFailureRate).toMatchObject({ rate: 0.5, failed: 1, total: 2 });
    expect(metrics.failedDeploymentRecoveryTime).toMatchObject({ medianSeconds: 600, samples: 1 });
    expect(metrics.deploymentReworkRate).toEqual({ rate: 0.5, unplanned: 2, total: 4 });
  });

  it('counts a commit in two releases once, at its first production deployment', () => {
    const h = doraHistory();
    h.release('rc1', { commits: [['c1', '2026-03-02T00:00:00Z']] });
    h.release('rc2', {
      commits: [
        ['c1', '2026-03-02T00:00:00Z'],
        ['c2', '2026-03-03T00:00:00Z'],
      ],
    });
    // Recorded first, deployed later: c1's first deployment is still d1.
    h.succeeded('d2', { release: 'rc2', at: '2026-03-03T06:00:00Z' });
    h.succeeded('d1', { release: 'rc1', at: '2026-03-02T02:00:00Z' });
    // c1 2 h (d1), c2 6 h (d2): median 4 h.
    expect(computeDora(h.events, { scope: {}, ...week }).leadTimeForChanges).toMatchObject({
      medianSeconds: 4 * HOUR,
      samples: 2,
    });
  });

  it('treats each production environment as production and scopes lead time per environment', () => {
    const h = doraHistory();
    h.release('r1', { commits: [['c1', '2026-03-02T09:00:00Z']] });
    h.succeeded('d1', { release: 'r1', env: 'production', at: '2026-03-02T10:00:00Z' });
    h.succeeded('d2', { release: 'r1', env: 'prod', at: '2026-03-02T12:00:00Z' });
    const all = computeDora(h.events, { scope: {}, ...week });
    expect(all.deploymentFrequency.count).toBe(2);
    // The whole service: c1's first production deployment, 1 h.
    expect(all.leadTimeForChanges).toMatchObject({ medianSeconds: HOUR, samples: 1 });
    // One environment: its own first deployment of c1.
    const prod = computeDora(h.events, { scope: { environment: 'prod' }, ...week });
    expect(prod.leadTimeForChanges).toMatchObject({ medianSeconds: 3 * HOUR, samples: 1 });
    expect(prod.deploymentFrequency.count).toBe(1);
    const configured = { ...DEFAULT_DORA_DEFINITIONS, productionEnvironments: ['prod'] };
    expect(
      computeDora(h.events, { scope: {}, ...week, definitions: configured }).deploymentFrequency.count,
    ).toBe(1);
  });

  it('scopes by team, taken from the release', () => {
    const h = doraHistory();
    h.release('p1', { team: 'payments' });
    h.release('s1', { team: 'search', service: 'search' });
    h.succeeded('d1', { release: 'p1', at: '2026-03-02T10:00:00Z' });
    h.succeeded('d2', { release: 's1', at: '2026-03-02T10:00:00Z' });
    h.failed('d3', { release: 's1', at: '2026-03-02T11:00:00Z' });
    expect(computeDora(h.events, { scope: { team: 'search' }, ...week }).changeFailureRate).toMatchObject({
      failed: 1,
      total: 2,
    });
    expect(computeDora(h.events, { scope: { team: 'payments' }, ...week }).deploymentFrequency.count).toBe(1);
  });

  it('widens a window to whole UTC days', () => {
    expect(doraWindow('2026-03-02T10:00:00Z', '2026-03-03T01:00:00Z')).toEqual({
      from: '2026-03-02T00:00:00.000Z',
      to: '2026-03-04T00:00:00.000Z',
      days: 2,
      firstDay: '2026-03-02',
      lastDay: '2026-03-03',
    });
  });
});
