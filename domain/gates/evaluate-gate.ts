import type { CheckResult, GateEvaluated } from '../events/decision-events.ts';
import { gateChecks } from './gate-checks.ts';
import type { GateFacts } from './gate-facts.ts';

/**
 * May this deployment go ahead? A pure function of the facts before the request and the request's
 * instant. No policy means the gate passes with an empty check list, unless the release is unknown:
 * then no policy can be told apart from a policy the gate cannot find, so it fails.
 */
export function evaluateGate(facts: GateFacts): GateEvaluated {
  const now = new Date(facts.request.recordedAt);
  const policyChecks = facts.policy
    ? gateChecks.flatMap((check) => {
        const result = check(facts.policy?.policy ?? {}, facts, now);
        return result ? [result] : [];
      })
    : [];
  const unknown = releaseUnknown(facts);
  const checks = unknown ? [unknown, ...policyChecks] : policyChecks;
  // Only a dry run carries the flag, so every enforced decision keeps the bytes it always had.
  const dryRun = facts.request.dryRun === true || facts.policy?.policy.mode === 'dry-run';
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
    ...(dryRun ? { dryRun: true as const } : {}),
    ...(facts.request.evaluationId !== undefined ? { evaluationId: facts.request.evaluationId } : {}),
  };
}

// Kept beside the pipeline integrations, which must not bundle every gate check to read a decision.
export { pipelineAnswer } from './pipeline-answer.ts';

/**
 * A request naming a release the ledger had not recorded before it fails: without the release there
 * is no service, so no policy and no history to judge. Failed, not pending, because a decision is final
 * for its request; once the release exists, a new request is judged in full.
 */
function releaseUnknown(facts: GateFacts): CheckResult | undefined {
  const { releaseId } = facts.request;
  if (releaseId !== null && facts.releaseEvents.some((e) => e.type === 'release.created')) return undefined;
  return {
    name: 'release_unknown',
    passed: false,
    detail:
      releaseId === null
        ? 'the request names no release'
        : `release ${releaseId} was not in the ledger when the deployment was requested`,
    observed: { releaseId },
  };
}
