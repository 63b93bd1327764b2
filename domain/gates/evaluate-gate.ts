import type { GateEvaluated } from '../events/decision-events.ts';
import { gateChecks } from './gate-checks.ts';
import type { GateFacts } from './gate-facts.ts';

/**
 * May this deployment go ahead? A pure function of the facts before the request and the request's
 * instant. No policy means the gate passes with an empty check list.
 */
export function evaluateGate(facts: GateFacts): GateEvaluated {
  const now = new Date(facts.request.recordedAt);
  const checks = facts.policy
    ? gateChecks.flatMap((check) => {
        const result = check(facts.policy?.policy ?? {}, facts, now);
        return result ? [result] : [];
      })
    : [];
  return {
    deploymentId: facts.request.deploymentId,
    releaseId: facts.request.releaseId,
    service: facts.request.service,
    environment: facts.request.environment,
    decision: checks.every((check) => check.passed) ? 'passed' : 'failed',
    policyVersion: facts.policy?.version ?? null,
    checks,
    requestSeq: facts.request.seq,
    evaluatedAt: facts.request.recordedAt,
  };
}
