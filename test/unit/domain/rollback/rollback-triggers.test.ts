import { describe, expect, it } from 'vitest';
import { type Policy, PolicySchema, policyVersion } from '../../../../domain/policies/policy.ts';
import {
  evaluateRollbackTriggers,
  MAX_OBSERVED,
  type MetricSample,
  mayTrigger,
  median,
} from '../../../../domain/rollback/rollback-triggers.ts';
import { decideTriggerRollback } from '../../../../domain/rollback/trigger-rollback.ts';
import { deploymentView, withRollbackTriggers } from '../../../../domain/views/deployment-view.ts';
import { history } from '../../../support/stored-events.ts';

const MINUTE = 60_000;
/** Minutes after the deployment succeeded (10:00 on 2026-12-03) as an instant. */
const t = (minutes: number) => new Date(Date.parse('2026-12-03T10:00:00Z') + minutes * MINUTE).toISOString();

const errorRate2x =
  PolicySchema.parse({
    rollbackTriggers: [{ name: 'errors-2x', metric: 'error_rate', aboveBaseline: 2, forMinutes: 5 }],
  }).rollbackTriggers ?? [];
const latencyOver =
  PolicySchema.parse({
    rollbackTriggers: [{ name: 'p95-slo', metric: 'p95_ms', above: 300, forMinutes: 5 }],
  }).rollbackTriggers ?? [];

let seq = 0;
const sample = (minutes: number, value: number, metric = 'error_rate'): MetricSample => {
  seq += 1;
  return { metric, at: t(minutes), value, seq };
};
/** A steady baseline: one sample an hour over the 7 days before the start, cycling 0.01, 0.02, 0.03. */
const baselineWeek = (): MetricSample[] =>
  Array.from({ length: 7 * 24 }, (_, i) => sample(-15 - i * 60, [0.01, 0.02, 0.03][i % 3] as number));

const evaluate = (samples: readonly MetricSample[], triggers = errorRate2x, now = t(30), watchHours = 24) =>
  evaluateRollbackTriggers({
    triggers,
    deployment: { deploymentId: 'd2', startedAt: t(-10), succeededAt: t(0) },
    watchHours,
    samples,
    now,
  });

describe('rollback trigger policy fields', () => {
  const issuesOf = (rollbackTriggers: unknown) => {
    const result = PolicySchema.safeParse({ rollbackTriggers });
    return result.success ? [] : result.error.issues.map((i) => ({ path: i.path, message: i.message }));
  };

  it('defaults baselineDays to 7', () => {
    expect(errorRate2x[0]).toEqual({
      name: 'errors-2x',
      metric: 'error_rate',
      aboveBaseline: 2,
      forMinutes: 5,
      baselineDays: 7,
    });
  });

  it('requires exactly one of above and aboveBaseline, naming the field', () => {
    expect(issuesOf([{ name: 'a', metric: 'm', forMinutes: 5 }])).toEqual([
      {
        path: ['rollbackTriggers', 0, 'above'],
        message: 'exactly one of above or aboveBaseline is required',
      },
    ]);
    expect(issuesOf([{ name: 'a', metric: 'm', above: 1, aboveBaseline: 2, forMinutes: 5 }])).toEqual([
      {
        path: ['rollbackTriggers', 0, 'aboveBaseline'],
        message: 'exactly one of above or aboveBaseline is required',
      },
    ]);
  });

  it('refuses out-of-range windows, unknown fields and duplicate names with their paths', () => {
    const paths = issuesOf([
      { name: 'a', metric: 'm', above: 1, forMinutes: 0 },
      { name: 'b', metric: 'm', above: 1, forMinutes: 1441, baselineDays: 29 },
      { name: 'c', metric: 'm', above: 1, forMinutes: 5, fourMinutes: 5 },
      { name: 'a', metric: 'm', above: 1, forMinutes: 5 },
    ]).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        ['rollbackTriggers', 0, 'forMinutes'],
        ['rollbackTriggers', 1, 'forMinutes'],
        ['rollbackTriggers', 1, 'baselineDays'],
        ['rollbackTriggers', 2],
      ]),
    );
    // Names are checked once every trigger parses.
    expect(
      issuesOf([
        { name: 'a', metric: 'm', above: 1, forMinutes: 5 },
        { name: 'a', metric: 'n', above: 1, forMinutes: 5 },
      ]),
    ).toEqual([{ path: ['rollbackTriggers', 1, 'name'], message: 'trigger names must be unique' }]);
  });
});

describe('evaluateRollbackTriggers', () => {
  it('multiplies the median of the baseline week, not its mean', () => {
    expect(median([0.01, 0.03, 0.01])).toBe(0.01);
    expect(median([0.01, 0.03])).toBe(0.02);
    // Given a week cycling 0.01, 0.02, 0.03 (median 0.02) and one spike of 5 (which lifts the mean to
    // about 0.05, not the median), when error_rate stays at 0.05 for 5 minutes after the deployment,
    const samples = [...baselineWeek(), sample(-30, 5), ...[1, 2, 3, 4, 5, 6].map((m) => sample(m, 0.05))];
    // then the trigger fires against 2 × 0.02, with the six breaching samples as evidence.
    expect(evaluate(samples)).toEqual([
      {
        status: 'fired',
        evidence: {
          name: 'errors-2x',
          metric: 'error_rate',
          threshold: 0.04,
          baseline: 0.02,
          observed: [1, 2, 3, 4, 5, 6].map((m) => ({ at: t(m), value: 0.05 })),
          forMinutes: 5,
        },
      },
    ]);
  });

  it('takes the baseline only from the baselineDays before the deployment started', () => {
    // Given high samples 8 days before the start and during the rollout (after the start),
    const old = sample(-10 - 8 * 24 * 60, 10);
    const rollout = sample(-5, 10);
    const samples = [...baselineWeek(), old, rollout, ...[0, 1, 2, 3, 4, 5].map((m) => sample(m, 0.05))];
    // then neither moves the baseline.
    expect(evaluate(samples)[0]).toMatchObject({ status: 'fired', evidence: { baseline: 0.02 } });
    const oneDay = PolicySchema.parse({
      rollbackTriggers: [
        { name: 'd1', metric: 'error_rate', aboveBaseline: 2, forMinutes: 5, baselineDays: 1 },
      ],
    }).rollbackTriggers;
    // A 1-day baseline sees only the last 24 hourly samples (still cycling: median 0.02).
    expect(evaluate(samples, oneDay)[0]).toMatchObject({ evidence: { baseline: 0.02 } });
  });

  it('fires once the breach spans exactly forMinutes, and not a second before', () => {
    const breach = (lastAt: number) => [sample(0, 400, 'p95_ms'), sample(lastAt, 400, 'p95_ms')];
    expect(evaluate(breach(5), latencyOver)[0]).toMatchObject({
      status: 'fired',
      evidence: { threshold: 300, baseline: null, forMinutes: 5 },
    });
    expect(evaluate(breach(5 - 1 / 60), latencyOver)[0]).toEqual({
      status: 'quiet',
      name: 'p95-slo',
      reason: 'p95_ms has not been above 300 for 5 min',
    });
  });

  it('needs every sample of the span above the threshold, counting from the first breaching one', () => {
    // Given 400 ms for 10 minutes but a dip to 300 (not above) at minute 6,
    const values = [400, 400, 400, 400, 400, 400, 300, 400, 400, 400, 400];
    const samples = values.map((v, m) => sample(m, v, 'p95_ms'));
    // then the breach since the dip (minutes 7 to 10) spans 3 minutes: quiet.
    expect(evaluate(samples, latencyOver)[0]?.status).toBe('quiet');
    // When a sample above arrives for minute 12, the breach spans 5 minutes and fires with those samples.
    const fired = evaluate([...samples, sample(12, 400, 'p95_ms')], latencyOver)[0];
    expect(fired).toMatchObject({ status: 'fired' });
    expect(fired?.status === 'fired' && fired.evidence.observed.map((o) => o.at)).toEqual(
      [7, 8, 9, 10, 12].map(t),
    );
  });

  it('judges samples by their own time, whatever order they arrived in', () => {
    const inOrder = [...baselineWeek(), ...[0, 1, 2, 3, 4, 5].map((m) => sample(m, 0.05))];
    const shuffled = [...inOrder].reverse();
    expect(evaluate(shuffled)).toEqual(evaluate(inOrder));
    // Given a late sample that arrives last but happened before a within-threshold one, the newest
    // sample (by time) is what the span ends at: still within threshold, so nothing fires.
    const recovered = [...inOrder, sample(6, 0.01), sample(2.5, 0.05)];
    expect(evaluate(recovered)[0]?.status).toBe('quiet');
  });

  it('cannot fire a baseline trigger without baseline samples, and says why', () => {
    const samples = [0, 1, 2, 3, 4, 5, 6].map((m) => sample(m, 0.9));
    expect(evaluate(samples)).toEqual([
      {
        status: 'no-baseline',
        name: 'errors-2x',
        reason:
          'no error_rate samples in the 7 days before deployment d2 started, so 2× baseline has nothing to multiply',
      },
    ]);
  });

  it('never fires outside the watch', () => {
    const breach = [0, 1, 2, 3, 4, 5].map((m) => sample(m, 400, 'p95_ms'));
    // After the 24 h watch, however bad the samples,
    expect(evaluate(breach, latencyOver, t(24 * 60 + 1))[0]).toEqual({
      status: 'outside-watch',
      name: 'p95-slo',
      reason: `the 24 h watch of deployment d2 ended at ${t(24 * 60)}`,
    });
    // samples after the watch's end (or before the success) are not looked at,
    const late = [24 * 60 - 2, 24 * 60 - 1, 24 * 60 + 1, 24 * 60 + 5].map((m) => sample(m, 400, 'p95_ms'));
    expect(evaluate(late, latencyOver, t(24 * 60))[0]?.status).toBe('quiet');
    const rollout = [-6, -5, -4, -3, -2, -1].map((m) => sample(m, 400, 'p95_ms'));
    expect(evaluate([...rollout, sample(0, 400, 'p95_ms')], latencyOver)[0]?.status).toBe('quiet');
    // and a 72 h watch keeps watching.
    const day2 = [0, 1, 2, 3, 4, 5].map((m) => sample(30 * 60 + m, 400, 'p95_ms'));
    expect(evaluate(day2, latencyOver, t(30 * 60 + 6), 72)[0]?.status).toBe('fired');
  });

  it(`lists at most ${MAX_OBSERVED} samples as evidence, keeping the span's first and last`, () => {
    // A sample every 0.5 s for 10 minutes: 601 of them in the last 5.
    const dense = Array.from({ length: 1201 }, (_, i) => sample(i / 120, 400, 'p95_ms'));
    const fired = evaluate(dense, latencyOver)[0];
    const observed = fired?.status === 'fired' ? fired.evidence.observed : [];
    expect(observed).toHaveLength(MAX_OBSERVED);
    expect([observed[0]?.at, observed.at(-1)?.at]).toEqual([t(5), t(10)]);
  });
});

describe('decideTriggerRollback', () => {
  const policyV1 = PolicySchema.parse({
    autoRollback: { enabled: true },
    rollbackTriggers: [{ name: 'errors-2x', metric: 'error_rate', aboveBaseline: 2, forMinutes: 5 }],
  });
  const policyEvent = (h: ReturnType<typeof history>, at: string, policy: Policy) =>
    h.at('policy.updated', at, {
      service: 'api',
      environment: 'production',
      policy,
      policyVersion: policyVersion(policy),
    });
  const deploy = (
    h: ReturnType<typeof history>,
    id: string,
    version: string,
    startedAt: string,
    at: string,
  ) => {
    const data = {
      deploymentId: id,
      service: 'api',
      environment: 'production',
      version,
      releaseId: `api-${version}`,
    };
    h.at('deployment.started', startedAt, data);
    h.at('deployment.succeeded', at, data);
  };

  /** Given api 1.0 then 1.1 (started 09:50, succeeded 10:00) after a week of error_rate at 0.02. */
  function given(policy: Policy = policyV1) {
    const h = history();
    policyEvent(h, t(-3 * 24 * 60), policy);
    deploy(h, 'd1', '1.0', t(-2 * 24 * 60 - 10), t(-2 * 24 * 60));
    for (let hour = 1; hour <= 7 * 24; hour += 1)
      h.at('metric.observed', t(-10 - hour * 60), {
        service: 'api',
        environment: 'production',
        metric: 'error_rate',
        value: 0.02,
      });
    return h;
  }
  const breach = (h: ReturnType<typeof history>) => {
    for (const m of [1, 2, 3, 4, 5, 6])
      h.at('metric.observed', t(m), {
        service: 'api',
        environment: 'production',
        metric: 'error_rate',
        value: 0.05,
      });
  };
  const decide = (h: ReturnType<typeof history>) => {
    const policies = h.events.filter((e) => e.type === 'policy.updated');
    return decideTriggerRollback({
      service: 'api',
      environment: 'production',
      metric: 'error_rate',
      now: t(6),
      serviceEvents: h.events.filter((e) => e.type !== 'policy.updated'),
      policyHistory: policies,
    });
  };

  it('requests the rollback of the latest deployment to the last good version, with the evidence', () => {
    const h = given();
    deploy(h, 'd2', '1.1', t(-10), t(0));
    breach(h);
    expect(decide(h)).toEqual({
      triggerKey: 'trigger:d2:errors-2x',
      decision: {
        type: 'rollback.requested',
        data: {
          deploymentId: 'd2',
          service: 'api',
          environment: 'production',
          fromVersion: '1.1',
          toVersion: '1.0',
          toReleaseId: 'api-1.0',
          toDeploymentId: 'd1',
          trigger: {
            name: 'errors-2x',
            metric: 'error_rate',
            threshold: 0.04,
            baseline: 0.02,
            observed: [1, 2, 3, 4, 5, 6].map((m) => ({ at: t(m), value: 0.05 })),
            forMinutes: 5,
          },
          reason:
            'trigger errors-2x: error_rate above 0.04 (baseline 0.02) for 5 min, 6 min after deployment d2',
          policyVersion: policyVersion(policyV1),
        },
      },
    });
  });

  it('keeps the triggers agreed when the deployment started, whatever the policy says later', () => {
    // Given the triggers removed after d2 started,
    const h = given();
    const d2 = {
      deploymentId: 'd2',
      service: 'api',
      environment: 'production',
      version: '1.1',
      releaseId: 'api-1.1',
    };
    h.at('deployment.started', t(-10), d2);
    const edited = PolicySchema.parse({ autoRollback: { enabled: true } });
    policyEvent(h, t(-5), edited);
    h.at('deployment.succeeded', t(0), d2);
    breach(h);
    // then the agreed 2× trigger still fires, under the version it was agreed in;
    expect(decide(h)?.decision).toMatchObject({
      type: 'rollback.requested',
      data: { deploymentId: 'd2', policyVersion: policyVersion(policyV1) },
    });
    // and a trigger added after the start does not apply to d2.
    const later = given(PolicySchema.parse({ autoRollback: { enabled: true } }));
    later.at('deployment.started', t(-10), d2);
    policyEvent(later, t(-5), policyV1);
    later.at('deployment.succeeded', t(0), d2);
    breach(later);
    expect(decide(later)).toBeUndefined();
  });

  it('takes the agreement at the success when no start was reported', () => {
    const h = given(PolicySchema.parse({}));
    policyEvent(h, t(-1), policyV1);
    h.at('deployment.succeeded', t(0), {
      deploymentId: 'd2',
      service: 'api',
      environment: 'production',
      version: '1.1',
    });
    breach(h);
    expect(decide(h)?.decision.type).toBe('rollback.requested');
  });

  it('records a skip, once, when a trigger fires but auto-rollback is not enabled', () => {
    const h = given(PolicySchema.parse({ rollbackTriggers: policyV1.rollbackTriggers }));
    deploy(h, 'd2', '1.1', t(-10), t(0));
    breach(h);
    const skipped = decide(h);
    expect(skipped).toMatchObject({
      triggerKey: 'trigger:d2:errors-2x',
      decision: {
        type: 'rollback.skipped',
        data: {
          deploymentId: 'd2',
          reason: 'auto-rollback is not enabled for api in production',
          trigger: { name: 'errors-2x', threshold: 0.04 },
        },
      },
    });
    // When it is recorded, the next breaching sample decides nothing more.
    h.at('rollback.skipped', t(6), skipped?.decision.data as Record<string, unknown>);
    h.at('metric.observed', t(7), {
      service: 'api',
      environment: 'production',
      metric: 'error_rate',
      value: 0.05,
    });
    expect(decide(h)).toBeUndefined();
  });

  it('adds nothing once the deployment has its rollback request (an incident got there first)', () => {
    const h = given();
    deploy(h, 'd2', '1.1', t(-10), t(0));
    h.at('rollback.requested', t(3), { deploymentId: 'd2', service: 'api', environment: 'production' });
    breach(h);
    expect(decide(h)).toBeUndefined();
  });

  it('records nothing while samples stay within thresholds', () => {
    const h = given();
    deploy(h, 'd2', '1.1', t(-10), t(0));
    for (const m of [1, 2, 3, 4, 5, 6])
      h.at('metric.observed', t(m), {
        service: 'api',
        environment: 'production',
        metric: 'error_rate',
        value: 0.03,
      });
    expect(decide(h)).toBeUndefined();
  });
});

describe('mayTrigger', () => {
  it('answers whether any version of the policy had a trigger on the metric', () => {
    const h = history();
    const v1 = PolicySchema.parse({ rollbackTriggers: latencyOver });
    h.at('policy.updated', t(-20), { policy: v1, policyVersion: policyVersion(v1) });
    h.at('policy.updated', t(-10), { policy: {}, policyVersion: 'v2' });
    expect(mayTrigger(h.events, 'p95_ms')).toBe(true);
    expect(mayTrigger(h.events, 'error_rate')).toBe(false);
    expect(mayTrigger([], 'p95_ms')).toBe(false);
  });
});

describe('the deployment view', () => {
  it('shows the triggers agreed at the start with their policy version', () => {
    const h = history();
    const v1 = PolicySchema.parse({
      rollbackTriggers: [{ name: 'p95', metric: 'p95_ms', above: 300, forMinutes: 5 }],
    });
    const d = { deploymentId: 'd9', service: 'api', environment: 'production', version: '2.0' };
    h.at('policy.updated', t(-20), { policy: v1, policyVersion: policyVersion(v1) });
    h.at('deployment.started', t(-10), d);
    h.at('policy.updated', t(-5), { policy: {}, policyVersion: 'v2' });
    h.at('deployment.succeeded', t(0), d);
    const own = h.events.filter((e) => e.type.startsWith('deployment.'));
    const policies = h.events.filter((e) => e.type === 'policy.updated');
    const view = deploymentView('d9', own);
    expect(view && withRollbackTriggers(view, own, policies).rollbackTriggers).toEqual({
      policyVersion: policyVersion(v1),
      triggers: v1.rollbackTriggers,
    });
    const requested = deploymentView('d9', [{ ...h.events[1], type: 'deployment.requested' } as never]);
    expect(requested && withRollbackTriggers(requested, [], policies).rollbackTriggers).toBeNull();
  });
});
