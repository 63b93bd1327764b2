import { describe, expect, it } from 'vitest';
import { daysBetween } from '../../../../domain/dora/calendar.ts';
import { DEFAULT_DORA_DEFINITIONS } from '../../../../domain/dora/definitions.ts';
import {
  cellsInWindow,
  computeDora,
  doraWindow,
  projectAll,
  scopeRollups,
  summarize,
} from '../../../../domain/dora/dora-metrics.ts';
import { evidenceFor } from '../../../../domain/dora/evidence.ts';
import type { MonthRollup } from '../../../../domain/dora/month-rollups.ts';
import { monthlyPlan, summarizeMonthly } from '../../../../domain/dora/monthly-summary.ts';
import { type Rollup, scopeKey } from '../../../../domain/dora/rollups.ts';
import { alertVolumeMet } from '../../../../domain/dora/tiers.ts';
import { doraHistory } from '../../../support/dora-history.ts';

const week = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z' };

/**
 * Seven production successes in a week, six of them watched, worked out by hand. First-day ratios over
 * a non-zero baseline: d1 3/2 = 1.5, d2 2/2 = 1.0, d3 1/4 = 0.25, d6 11/10 = 1.1 → sorted 0.25, 1.0, 1.1,
 * 1.5, median (1.0 + 1.1) / 2 = 1.05. Above baseline: d1 (1.5 > 1.10) and d4 (alerts over a zero
 * baseline); d6 at exactly 1.10 is not more than 10 % above, nor d5 (no alerts, no baseline): 2 of 6.
 */
function aWatchedWeek() {
  const h = doraHistory();
  h.release('r1');
  const deploy = (id: string, at: string) => h.succeeded(id, { release: 'r1', at });
  deploy('d1', '2026-03-02T10:00:00Z');
  h.watched('d1', { at: '2026-03-04T10:00:00Z', alerts: 3, baselineAlerts: 2 });
  h.watched('d1', { at: '2026-03-04T10:01:00Z', alerts: 9, baselineAlerts: 1 }); // a repeat: the first counts
  deploy('d2', '2026-03-03T10:00:00Z');
  h.watched('d2', { at: '2026-03-05T10:00:00Z', alerts: 2, baselineAlerts: 2 });
  h.watched('d3', { at: '2026-03-05T11:00:00Z', alerts: 1, baselineAlerts: 4 }); // before its deployment arrives
  deploy('d3', '2026-03-03T11:00:00Z');
  deploy('d4', '2026-03-04T10:00:00Z');
  h.watched('d4', { at: '2026-03-06T10:00:00Z', alerts: 2, baselineAlerts: 0 });
  deploy('d5', '2026-03-05T10:00:00Z');
  h.watched('d5', { at: '2026-03-07T10:00:00Z', alerts: 0, baselineAlerts: 0 });
  deploy('d6', '2026-03-06T10:00:00Z');
  h.watched('d6', { at: '2026-03-08T10:00:00Z', alerts: 11, baselineAlerts: 10 });
  deploy('d7', '2026-03-07T10:00:00Z'); // not watched (yet): not counted
  h.succeeded('s1', { release: 'r1', env: 'staging', at: '2026-03-03T10:00:00Z' });
  h.watched('s1', { at: '2026-03-05T10:00:00Z', env: 'staging', alerts: 5, baselineAlerts: 1 }); // not production
  return h;
}

describe('post-release alert volume', () => {
  it('given six watched production deployments, reports the median first-day ratio and the share above baseline', () => {
    const metrics = computeDora(aWatchedWeek().events, { scope: { service: 'api' }, ...week });
    expect(metrics.postReleaseAlertVolume).toEqual({
      medianRatio: 1.05,
      shareAboveBaseline: 2 / 6,
      above: 2,
      watched: 6,
      samples: 4,
    });
    expect(alertVolumeMet(metrics.postReleaseAlertVolume.medianRatio)).toBe(true);
  });

  it('lists as evidence the watched deployments, each with its first-day alert volume', () => {
    const store = projectAll(aWatchedWeek().events, DEFAULT_DORA_DEFINITIONS);
    const cells = cellsInWindow(store, doraWindow(week.from, week.to));
    const items = evidenceFor('postReleaseAlertVolume', cells, {});
    expect(items.map((i) => (i.kind === 'deployment' ? [i.deploymentId, i.alertVolume] : []))).toEqual([
      ['d1', { alerts: 3, baselineAlerts: 2, ratio: 1.5 }],
      ['d2', { alerts: 2, baselineAlerts: 2, ratio: 1 }],
      ['d3', { alerts: 1, baselineAlerts: 4, ratio: 0.25 }],
      ['d4', { alerts: 2, baselineAlerts: 0, ratio: null }],
      ['d5', { alerts: 0, baselineAlerts: 0, ratio: null }],
      ['d6', { alerts: 11, baselineAlerts: 10, ratio: 1.1 }],
    ]);
  });

  it('has no ratio and no share, and no verdict on its target, when nothing was watched', () => {
    const h = doraHistory();
    h.release('r1');
    h.succeeded('d1', { release: 'r1', at: '2026-03-02T10:00:00Z' });
    const metrics = computeDora(h.events, { scope: {}, ...week });
    expect(metrics.postReleaseAlertVolume).toEqual({
      medianRatio: null,
      shareAboveBaseline: null,
      above: 0,
      watched: 0,
      samples: 0,
    });
    expect(alertVolumeMet(null)).toBeNull();
  });

  it('counts a deployment over a zero baseline as above it only when it had alerts, with no ratio sample', () => {
    const h = doraHistory();
    h.release('r1');
    h.succeeded('d1', { release: 'r1', at: '2026-03-02T10:00:00Z' });
    h.watched('d1', { at: '2026-03-03T10:00:00Z', alerts: 1, baselineAlerts: 0 });
    const metrics = computeDora(h.events, { scope: {}, ...week });
    expect(metrics.postReleaseAlertVolume).toMatchObject({
      medianRatio: null,
      above: 1,
      watched: 1,
      samples: 0,
    });
  });

  it('meets its target at most 10 % above baseline: a median of 1.10 does, 1.1001 does not', () => {
    expect(alertVolumeMet(1.1)).toBe(true);
    expect(alertVolumeMet(1.1001)).toBe(false);
  });

  it('gives the same answer from month rollups as from days (whole months, a month less its outside days, edge days)', () => {
    const h = aWatchedWeek();
    h.succeeded('j1', { release: 'r1', at: '2026-01-20T10:00:00Z' });
    h.watched('j1', { at: '2026-01-22T10:00:00Z', alerts: 6, baselineAlerts: 3 });
    const store = projectAll(h.events, DEFAULT_DORA_DEFINITIONS);
    const window = doraWindow('2026-01-15T00:00:00Z', '2026-04-15T00:00:00Z');
    const plan = monthlyPlan(window);
    // January is covered from the 15th (17 of 31 days): read as its month less January 1–14.
    expect(plan.months).toEqual(['2026-01', '2026-02', '2026-03']);
    const key = scopeKey({});
    const months = new Map<string, MonthRollup>();
    for (const month of plan.months) months.set(month, store.get(['month', key, month]) as MonthRollup);
    const days = new Map<string, Rollup>();
    for (const range of plan.dayRanges) {
      for (const day of daysBetween(range.first, range.last)) {
        const doc = store.get(['scope', key, day]) as Rollup | undefined;
        if (doc) days.set(day, doc);
      }
    }
    const bin = (month: string, field: string, b: number) =>
      (store.get(['mbin', key, month, field, b]) as number[] | undefined) ?? [];
    const { metrics, missing } = summarizeMonthly({}, window, plan, { months, days, bin }, key, 'v');
    expect(missing).toEqual([]);
    // j1 adds 6/3 = 2.0 (above): ratios 0.25, 1.0, 1.1, 1.5, 2.0 → median 1.1; above 3 of 7.
    const expected = { medianRatio: 1.1, shareAboveBaseline: 3 / 7, above: 3, watched: 7, samples: 5 };
    expect(metrics.postReleaseAlertVolume).toEqual(expected);
    const byDays = summarize({}, window, scopeRollups(store, {}, window), 'month', 'v');
    expect(byDays.postReleaseAlertVolume).toEqual(expected);
  });
});
