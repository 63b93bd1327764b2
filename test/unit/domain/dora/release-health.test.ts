import { describe, expect, it } from 'vitest';
import { DEFAULT_DORA_DEFINITIONS } from '../../../../domain/dora/definitions.ts';
import { cellsInWindow, computeDora, doraWindow, projectAll } from '../../../../domain/dora/dora-metrics.ts';
import { evidenceFor } from '../../../../domain/dora/evidence.ts';
import { rollbackRateMet } from '../../../../domain/dora/tiers.ts';
import { doraHistory } from '../../../support/dora-history.ts';

const week = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z' };

/** A week with one rollback among six finished production deployments, worked out by hand. */
function aWeekWithARollback() {
  const h = doraHistory();
  h.release('r1', { commits: [['c1', '2026-03-01T10:00:00Z']] });
  h.succeeded('d1', { release: 'r1', at: '2026-03-02T10:00:00Z' });
  h.release('r2', { commits: [['c2', '2026-03-03T09:00:00Z']] });
  h.succeeded('d2', { release: 'r2', at: '2026-03-03T10:00:00Z' });
  h.failed('d3', { release: 'r2', at: '2026-03-04T10:00:00Z' }); // finished, failed: counted
  h.succeeded('d4', { release: 'r2', at: '2026-03-04T11:00:00Z' });
  h.release('r3', { commits: [['c3', '2026-03-05T00:00:00Z']] });
  h.succeeded('d5', { release: 'r3', at: '2026-03-05T10:00:00Z' });
  h.succeeded('d6', { release: 'r2', at: '2026-03-05T10:30:00Z', rollbackOf: 'd5' }); // the rollback
  h.succeeded('d7', { release: 'r3', env: 'staging', at: '2026-03-05T09:00:00Z' }); // not production
  h.succeeded('d8', { release: 'r3', at: '2026-03-10T09:00:00Z' }); // after the window
  return h;
}

describe('rollback rate', () => {
  it('given one rollback among six finished production deployments, is 1/6 over six samples', () => {
    const metrics = computeDora(aWeekWithARollback().events, { scope: { service: 'api' }, ...week });
    // d1, d2, d3 (failed), d4, d5, d6 (rollback); d7 is staging, d8 outside the window.
    expect(metrics.rollbackRate).toEqual({ rate: 1 / 6, rollbacks: 1, total: 6, samples: 6 });
    expect(rollbackRateMet(metrics.rollbackRate.rate)).toBe(false);
  });

  it('lists as evidence exactly the deployments it divides by', () => {
    const store = projectAll(aWeekWithARollback().events, DEFAULT_DORA_DEFINITIONS);
    const items = evidenceFor('rollbackRate', cellsInWindow(store, doraWindow(week.from, week.to)), {});
    expect(items.map((i) => (i.kind === 'deployment' ? [i.deploymentId, i.rollback] : []))).toEqual([
      ['d1', false],
      ['d2', false],
      ['d3', false],
      ['d4', false],
      ['d5', false],
      ['d6', true],
    ]);
  });

  it('has no rate, and no verdict on its target, when nothing finished in the window', () => {
    const metrics = computeDora([], { scope: {}, ...week });
    expect(metrics.rollbackRate).toEqual({ rate: null, rollbacks: 0, total: 0, samples: 0 });
    expect(rollbackRateMet(null)).toBeNull();
  });

  it('meets its target below 2 %: one rollback in 51 deployments does, one in 50 does not', () => {
    expect(rollbackRateMet(1 / 51)).toBe(true);
    expect(rollbackRateMet(1 / 50)).toBe(false);
  });
});

describe('the two readings of rework rate', () => {
  /** Five production successes: one for an incident, two for user-facing bugs, one planned, one unstated. */
  function aWeekOfReasons() {
    const h = doraHistory();
    h.release('r1');
    h.succeeded('d1', { release: 'r1', at: '2026-03-02T10:00:00Z', reason: 'planned' });
    h.succeeded('d2', { release: 'r1', at: '2026-03-03T10:00:00Z', reason: 'incident' });
    h.succeeded('d3', { release: 'r1', at: '2026-03-04T10:00:00Z', reason: 'bug' });
    h.succeeded('d4', { release: 'r1', at: '2026-03-05T10:00:00Z', reason: 'bug' });
    h.succeeded('d5', { release: 'r1', at: '2026-03-06T10:00:00Z' });
    h.failed('d6', { release: 'r1', at: '2026-03-06T11:00:00Z' }); // failed: not a deployment made
    h.succeeded('d7', { release: 'r1', env: 'staging', at: '2026-03-06T12:00:00Z', reason: 'bug' });
    return h;
  }

  it('given deployments with reasons, reports the incident reading (1/5) and the bug reading (2/5) with their rules', () => {
    const metrics = computeDora(aWeekOfReasons().events, { scope: {}, ...week });
    expect(metrics.reworkRate.readings).toEqual([
      expect.objectContaining({ rule: 'reason_incident', rate: 1 / 5, rework: 1, total: 5 }),
      expect.objectContaining({ rule: 'reason_bug', rate: 2 / 5, rework: 2, total: 5 }),
    ]);
    // The existing reading (rollbacks, fixes, planned: false) is unchanged: none of these.
    expect(metrics.deploymentReworkRate).toMatchObject({ rate: 0, unplanned: 0, total: 5 });
  });

  it('gives the same readings from month rollups as from days (a long window)', () => {
    const year = { from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' };
    const metrics = computeDora(aWeekOfReasons().events, { scope: {}, ...year, bucket: 'month' });
    expect(metrics.reworkRate.readings.map((r) => r.rework)).toEqual([1, 2]);
  });
});
