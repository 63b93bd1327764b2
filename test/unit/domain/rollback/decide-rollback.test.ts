import { describe, expect, it } from 'vitest';
import { PolicySchema, policyVersion } from '../../../../domain/policies/policy.ts';
import { decideRollback, type RollbackTrigger } from '../../../../domain/rollback/decide-rollback.ts';
import { history } from '../../../support/stored-events.ts';

const enabled = PolicySchema.parse({
  autoRollback: { enabled: true, severities: ['sev1', 'sev2'], windowMinutes: 30, alarms: ['api-5xx'] },
});
const policy = { policy: enabled, version: policyVersion(enabled) };
const prod = (deploymentId: string, version: string, extra: Record<string, unknown> = {}) => ({
  deploymentId,
  service: 'api',
  environment: 'production',
  version,
  releaseId: `api-${version}`,
  ...extra,
});

/** api in production: 1.0 (good), 1.1 (rolled back to 1.0), 1.2 deployed at 10:00. */
function deployments() {
  const h = history();
  h.at('deployment.succeeded', '2026-11-20T09:00:00Z', prod('d10', '1.0'));
  h.at('deployment.succeeded', '2026-11-20T12:00:00Z', prod('d11', '1.1'));
  h.at('deployment.succeeded', '2026-11-20T12:30:00Z', prod('d12r', '1.0', { rollbackOf: 'd11' }));
  h.at('deployment.succeeded', '2026-11-21T10:00:00Z', prod('d13', '1.2'));
  return h.events;
}
const incident = (severity = 'sev1', deploymentId?: string): RollbackTrigger => ({
  incidentId: 'inc-7',
  severity,
  deploymentId,
});
const decide = (trigger: RollbackTrigger, at: string, p: typeof policy | undefined = policy) =>
  decideRollback({
    service: 'api',
    environment: 'production',
    trigger,
    triggeredAt: at,
    policy: p,
    serviceEvents: deployments(),
  });
const disabled = { policy: PolicySchema.parse({}), version: policyVersion(PolicySchema.parse({})) };

describe('decideRollback', () => {
  it('requests a rollback of a fresh deployment to the last good version that was not itself rolled back', () => {
    expect(decide(incident(), '2026-11-21T10:10:00Z')).toEqual({
      type: 'rollback.requested',
      data: {
        deploymentId: 'd13',
        service: 'api',
        environment: 'production',
        fromVersion: '1.2',
        toVersion: '1.0',
        toReleaseId: 'api-1.0',
        toDeploymentId: 'd12r',
        trigger: { incidentId: 'inc-7', severity: 'sev1' },
        reason: 'incident inc-7 (sev1) opened 10 min after deployment d13',
        policyVersion: policy.version,
      },
    });
  });

  it('acts on a named alarm of the policy', () => {
    const decision = decide(
      { alarmName: 'api-5xx', alarmArn: 'arn:aws:cloudwatch:eu-west-1:1:alarm:api-5xx' },
      '2026-11-21T10:05:00Z',
    );
    expect(decision).toMatchObject({
      type: 'rollback.requested',
      data: { deploymentId: 'd13', trigger: { alarmName: 'api-5xx' } },
    });
  });

  it.each([
    [
      'auto-rollback is disabled',
      incident(),
      '2026-11-21T10:10:00Z',
      disabled,
      'auto-rollback is not enabled for api in production',
    ],
    [
      'the severity does not qualify',
      incident('sev3'),
      '2026-11-21T10:10:00Z',
      policy,
      'severity sev3 does not trigger auto-rollback (sev1, sev2 do)',
    ],
    [
      'the deployment is outside the window',
      incident(),
      '2026-11-21T11:00:00Z',
      policy,
      'deployment d13 finished 60 min before the trigger, outside the 30 min window',
    ],
    [
      'the alarm is not the policy’s',
      { alarmName: 'other' },
      '2026-11-21T10:05:00Z',
      policy,
      "alarm other is not one of this policy's rollback alarms",
    ],
  ] as const)('skips with the reason when %s', (_case, trigger, at, p, reason) => {
    expect(decide(trigger as RollbackTrigger, at, p)).toMatchObject({
      type: 'rollback.skipped',
      data: { reason },
    });
  });

  it('skips when there is no previous good version', () => {
    const h = history();
    h.at('deployment.succeeded', '2026-11-21T10:00:00Z', prod('first', '1.0'));
    const decision = decideRollback({
      service: 'api',
      environment: 'production',
      trigger: incident(),
      triggeredAt: '2026-11-21T10:05:00Z',
      policy,
      serviceEvents: h.events,
    });
    expect(decision).toMatchObject({
      type: 'rollback.skipped',
      data: { deploymentId: 'first', reason: 'no previous good version of api in production' },
    });
  });

  it('rolls back the deployment an incident names, not merely the latest', () => {
    expect(decide(incident('sev2', 'd11'), '2026-11-20T12:10:00Z')).toMatchObject({
      type: 'rollback.skipped',
      data: { reason: 'deployment d11 was already rolled back' },
    });
  });

  it('does not roll back a rollback', () => {
    expect(decide(incident(), '2026-11-20T12:40:00Z')).toMatchObject({
      type: 'rollback.skipped',
      data: { deploymentId: 'd12r', reason: 'deployment d12r is itself a rollback' },
    });
  });
});

describe('decideRollback with progressive deployments', () => {
  it('given a canary that took all traffic without reporting succeeded, when an incident opens, then it is rolled back', () => {
    const h = history();
    h.at('deployment.succeeded', '2026-11-20T09:00:00Z', prod('d10', '1.0'));
    h.at('deployment.progressed', '2026-11-21T09:40:00Z', {
      ...prod('c11', '1.1'),
      weight: 10,
      strategy: 'canary',
    });
    h.at('deployment.progressed', '2026-11-21T10:00:00Z', {
      ...prod('c11', '1.1'),
      weight: 100,
      strategy: 'canary',
    });
    const decision = decideRollback({
      service: 'api',
      environment: 'production',
      trigger: incident(),
      triggeredAt: '2026-11-21T10:10:00Z',
      policy,
      serviceEvents: h.events,
    });
    expect(decision).toMatchObject({
      type: 'rollback.requested',
      data: { deploymentId: 'c11', fromVersion: '1.1', toVersion: '1.0' },
    });
    // Ten minutes from the step to 100 %, not from a later `succeeded` report.
    expect(decision.data.reason).toContain('10 min after deployment c11');
  });

  it('given a canary at 100 % that reports succeeded an hour later, when an incident opens in between, then it is the culprit', () => {
    const h = history();
    h.at('deployment.succeeded', '2026-11-20T09:00:00Z', prod('d10', '1.0'));
    h.at('deployment.progressed', '2026-11-21T10:00:00Z', {
      ...prod('c11', '1.1'),
      weight: 100,
      strategy: 'canary',
    });
    h.at('deployment.succeeded', '2026-11-21T11:00:00Z', prod('c11', '1.1'));
    const decision = decideRollback({
      service: 'api',
      environment: 'production',
      trigger: incident(),
      triggeredAt: '2026-11-21T10:20:00Z',
      policy,
      serviceEvents: h.events,
    });
    expect(decision).toMatchObject({
      type: 'rollback.requested',
      data: { deploymentId: 'c11', toVersion: '1.0' },
    });
  });
});
