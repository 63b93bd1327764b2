import { describe, expect, it } from 'vitest';
import { isWatched, watchEnd, watchOutcome } from '../../../../domain/health/watch-outcome.ts';
import type { StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import { history } from '../../../support/stored-events.ts';

const DEPLOYED = '2026-03-10T12:00:00.000Z';
const pair = { service: 'api', environment: 'production' };

/** Given the deployment's history, when its watch of `hours` ends, then `watchOutcome` says how it went. */
function given(build: (at: ReturnType<typeof history>['at']) => void, hours = 24) {
  const h = history();
  build(h.at);
  const deploymentEvents = h.events.filter(
    (e) => (e.data as { deploymentId?: string }).deploymentId === 'd-1',
  );
  return watchOutcome({ deploymentId: 'd-1', ...pair, hours, deploymentEvents, serviceEvents: h.events });
}

const hoursAfter = (hours: number, from = DEPLOYED) =>
  new Date(Date.parse(from) + hours * 3_600_000).toISOString();
const fired = (at: ReturnType<typeof history>['at'], when: string, alertId: string): StoredEvent =>
  at('alert.fired', when, { alertId, name: 'HighErrorRate', ...pair });
const succeeded = (at: ReturnType<typeof history>['at']) =>
  at('deployment.succeeded', DEPLOYED, { deploymentId: 'd-1', ...pair, version: '2.0.0' });

describe('the watch outcome', () => {
  it('is healthy when alerts stay at the 7-day baseline', () => {
    // 7 alerts in the 7 days before: a mean of 1 per 24 h window. One in the watch: ratio 1.
    const outcome = given((at) => {
      for (let day = 1; day <= 7; day += 1) fired(at, hoursAfter(-24 * day + 1), `before-${day}`);
      succeeded(at);
      fired(at, hoursAfter(3), 'after-1');
    });
    expect(outcome).toEqual({
      deploymentId: 'd-1',
      ...pair,
      hours: 24,
      alerts: 1,
      baselineAlerts: 1,
      ratio: 1,
      incidents: 0,
      rolledBack: false,
      verdict: 'healthy',
      firstDay: { alerts: 1, baselineAlerts: 1, ratio: 1 },
    });
  });

  it('regresses when alerts run more than 10 % above a non-zero baseline', () => {
    // Baseline 14 in 7 days = 2 per 24 h; 3 in the watch = ratio 1.5.
    const outcome = given((at) => {
      for (let i = 0; i < 14; i += 1) fired(at, hoursAfter(-11 * i - 2), `before-${i}`);
      succeeded(at);
      for (let i = 0; i < 3; i += 1) fired(at, hoursAfter(i + 1), `after-${i}`);
    });
    expect(outcome).toMatchObject({ alerts: 3, baselineAlerts: 2, ratio: 1.5, verdict: 'regressed' });
  });

  it('stays healthy at exactly 10 % above the baseline (the limit is "more than")', () => {
    // 70 alerts in 7 days = 10 per 24 h; 11 in the watch = ratio 1.1.
    const outcome = given((at) => {
      for (let i = 0; i < 70; i += 1) fired(at, hoursAfter(-2.3 * i - 1), `before-${i}`);
      succeeded(at);
      for (let i = 0; i < 11; i += 1) fired(at, hoursAfter(i + 1), `after-${i}`);
    });
    expect(outcome).toMatchObject({ alerts: 11, baselineAlerts: 10, verdict: 'healthy' });
    expect(outcome?.ratio).toBeCloseTo(1.1, 10);
  });

  it('has no ratio and stays healthy on alerts alone when the baseline is zero', () => {
    const outcome = given((at) => {
      succeeded(at);
      fired(at, hoursAfter(1), 'after-1');
      fired(at, hoursAfter(2), 'after-2');
    });
    expect(outcome).toMatchObject({ alerts: 2, baselineAlerts: 0, ratio: null, verdict: 'healthy' });
  });

  it('scales the baseline to the watch length: a 72 h watch compares with 72 h windows of the 7 days', () => {
    // 7 alerts in 168 h → 3 per 72 h window; 3 in the 72 h watch → ratio 1.
    const outcome = given((at) => {
      for (let day = 1; day <= 7; day += 1) fired(at, hoursAfter(-24 * day + 1), `before-${day}`);
      succeeded(at);
      for (const h of [1, 30, 71]) fired(at, hoursAfter(h), `after-${h}`);
      fired(at, hoursAfter(73), 'after-the-watch');
    }, 72);
    expect(outcome).toMatchObject({ hours: 72, alerts: 3, baselineAlerts: 3, ratio: 1, verdict: 'healthy' });
  });

  it('records the first 24 h apart (post-release alert volume), whatever the watch length', () => {
    // 14 alerts in 168 h: 6 per 72 h, 2 per 24 h. Alerts at +1, +2, +3 h are the first day; +24 h is not.
    const outcome = given((at) => {
      for (let i = 0; i < 14; i += 1) fired(at, hoursAfter(-11 * i - 2), `before-${i}`);
      succeeded(at);
      for (const h of [1, 2, 3, 24, 30]) fired(at, hoursAfter(h), `after-${h}`);
    }, 72);
    expect(outcome).toMatchObject({ hours: 72, alerts: 5, baselineAlerts: 6 });
    expect(outcome?.ratio).toBeCloseTo(5 / 6, 10);
    expect(outcome?.firstDay).toEqual({ alerts: 3, baselineAlerts: 2, ratio: 1.5 });
  });

  it('takes the baseline from the 7 days before the deployment started, not before it succeeded', () => {
    const started = hoursAfter(-48);
    const outcome = given((at) => {
      fired(at, hoursAfter(-24 * 7 - 47), 'inside-the-7-days-before-start');
      fired(at, hoursAfter(-24 * 7 - 49), 'more-than-7-days-before-start');
      fired(at, hoursAfter(-24), 'during-the-rollout');
      at('deployment.started', started, { deploymentId: 'd-1', ...pair, version: '2.0.0' });
      succeeded(at);
    });
    // One alert in the 7 days before the start: 1 × 24 / 168.
    expect(outcome?.baselineAlerts).toBeCloseTo(1 / 7, 10);
    expect(outcome?.alerts).toBe(0);
  });

  it('counts a firing delivered twice under different event ids once', () => {
    const outcome = given((at) => {
      succeeded(at);
      fired(at, hoursAfter(1), 'fp-1@start');
      fired(at, hoursAfter(1), 'fp-1@start');
    });
    expect(outcome?.alerts).toBe(1);
  });

  it('regresses on an incident opened during the watch, however quiet the alerts', () => {
    const outcome = given((at) => {
      succeeded(at);
      at('incident.opened', hoursAfter(5), { incidentId: 'i-1', ...pair, severity: 'sev3' });
      at('incident.opened', hoursAfter(30), { incidentId: 'i-late', ...pair, severity: 'sev3' });
      at('incident.opened', hoursAfter(6), {
        incidentId: 'i-other',
        ...pair,
        severity: 'sev3',
        deploymentId: 'd-0',
      });
    });
    expect(outcome).toMatchObject({ incidents: 1, rolledBack: false, verdict: 'regressed' });
  });

  it('regresses when the deployment was rolled back during the watch', () => {
    const outcome = given((at) => {
      succeeded(at);
      at('deployment.succeeded', hoursAfter(2), {
        deploymentId: 'd-2',
        ...pair,
        version: '1.9.0',
        rollbackOf: 'd-1',
      });
    });
    expect(outcome).toMatchObject({ rolledBack: true, verdict: 'regressed' });
  });

  it('ignores signals recorded after the watch ended, so deciding again later gives the same outcome', () => {
    const first = given((at) => succeeded(at));
    const later = given((at) => {
      succeeded(at);
      fired(at, hoursAfter(25), 'after-the-watch');
      at('rollback.requested', hoursAfter(26), { deploymentId: 'd-1', ...pair });
    });
    expect(later).toEqual(first);
  });

  it('has no outcome for a deployment that never succeeded', () => {
    const outcome = given((at) => {
      at('deployment.failed', DEPLOYED, { deploymentId: 'd-1', ...pair, version: '2.0.0' });
    });
    expect(outcome).toBeUndefined();
  });
});

describe('which deployments are watched, and until when', () => {
  it('watches production successes that are not rollbacks', () => {
    expect(isWatched({ deploymentId: 'd' }, true)).toBe(true);
    expect(isWatched({ deploymentId: 'd' }, false)).toBe(false);
    expect(isWatched({ deploymentId: 'd', rollbackOf: 'c' }, true)).toBe(false);
  });

  it('ends the watch its hours after the success', () => {
    expect(watchEnd(DEPLOYED, 48)).toBe('2026-03-12T12:00:00.000Z');
  });
});

describe('the watch of a progressive deployment', () => {
  it('runs from the step that gave it all traffic, with the baseline before its first step', () => {
    const outcome = given((at) => {
      // 7 alerts in the 7 days before the first step (an hour before full traffic): 1 per 24 h.
      for (let day = 1; day <= 7; day += 1) fired(at, hoursAfter(-24 * day - 1), `before-${day}`);
      const step = { deploymentId: 'd-1', ...pair, version: '2.0.0', strategy: 'canary' };
      at('deployment.progressed', hoursAfter(-1), { ...step, weight: 10 });
      at('deployment.progressed', DEPLOYED, { ...step, weight: 100 });
      fired(at, hoursAfter(2), 'after-1');
      fired(at, hoursAfter(3), 'after-2');
    });
    expect(outcome).toMatchObject({ alerts: 2, baselineAlerts: 1, ratio: 2, verdict: 'regressed' });
  });

  it('has no outcome while the canary never reached 100 %', () => {
    const outcome = given((at) => {
      at('deployment.progressed', DEPLOYED, {
        deploymentId: 'd-1',
        ...pair,
        version: '2.0.0',
        strategy: 'canary',
        weight: 50,
      });
    });
    expect(outcome).toBeUndefined();
  });
});
