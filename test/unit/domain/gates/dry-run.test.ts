import { describe, expect, it } from 'vitest';
import { GateEvaluatedSchema } from '../../../../domain/events/decision-events.ts';
import { evaluateGate, pipelineAnswer } from '../../../../domain/gates/evaluate-gate.ts';
import type { GateFacts } from '../../../../domain/gates/gate-facts.ts';
import { type Policy, PolicySchema, policyVersion } from '../../../../domain/policies/policy.ts';
import { history } from '../../../support/stored-events.ts';

const release = { releaseId: 'api-2', service: 'api', version: '2.0' };
const releaseCreated = history().at('release.created', '2026-11-01T00:00:00Z', release);

/** given a policy (and a per-request dry run), when the gate judges a release nobody approved. */
function unapproved(policy: Policy, dryRun?: boolean) {
  const parsed = PolicySchema.parse(policy);
  const facts: GateFacts = {
    request: {
      deploymentId: 'd-prod',
      releaseId: 'api-2',
      service: 'api',
      environment: 'production',
      seq: 1000,
      recordedAt: '2026-11-21T10:00:00Z',
      ...(dryRun === undefined ? {} : { dryRun }),
    },
    policy: { policy: parsed, version: policyVersion(parsed) },
    releaseEvents: [releaseCreated],
    serviceEvents: [],
    resolvedIncidents: new Set(),
  };
  return evaluateGate(facts);
}

describe('dry-run gate decisions', () => {
  it('given policy mode dry-run, when a check fails, then the real verdict is recorded, marked dryRun, and the pipeline is answered passed', () => {
    const decision = unapproved({ requiredApprovals: 1, mode: 'dry-run' });
    expect(decision.decision).toBe('failed');
    expect(decision.dryRun).toBe(true);
    expect(decision.checks).toEqual([
      expect.objectContaining({ name: 'approvals', passed: false, observed: { required: 1, approvers: [] } }),
    ]);
    expect(pipelineAnswer(decision)).toBe('passed');
    expect(GateEvaluatedSchema.parse(decision)).toEqual(decision);
  });

  it('given an enforcing policy, when the request asks for a dry run, then it is a dry run too', () => {
    const decision = unapproved({ requiredApprovals: 1 }, true);
    expect(decision).toMatchObject({ decision: 'failed', dryRun: true });
    expect(pipelineAnswer(decision)).toBe('passed');
  });

  it('given no mode or mode enforce, when a check fails, then the decision carries no dryRun field and fails', () => {
    for (const policy of [{ requiredApprovals: 1 }, { requiredApprovals: 1, mode: 'enforce' as const }]) {
      const decision = unapproved(policy, false);
      expect(decision.decision).toBe('failed');
      expect(Object.hasOwn(decision, 'dryRun')).toBe(false);
      expect(pipelineAnswer(decision)).toBe('failed');
    }
  });

  it('given a policy with an unknown mode, when it is parsed, then it is refused at the mode field', () => {
    const parsed = PolicySchema.safeParse({ mode: 'shadow' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['mode']);
  });
});
