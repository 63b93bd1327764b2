import type { GateBypassed } from '../events/decision-events.ts';
import type { StoredEvent } from '../ledger/ledger-event.ts';

export interface BypassInput {
  /** The deployment.started or deployment.succeeded being judged. */
  readonly event: { readonly type: string; readonly seq: number; readonly data: Record<string, unknown> };
  /** The deployment's stream before that event. */
  readonly history: readonly StoredEvent[];
  /** Whether a policy governed the service and environment at that point. */
  readonly policyRequired: boolean;
}

/**
 * Did this deployment go ahead without a passed gate? Judged once per deployment, at its first start (or
 * its success when no start was reported), from what the ledger held before it. Rollbacks are remediation
 * and are not gated.
 */
export function gateBypass(input: BypassInput): GateBypassed | undefined {
  const { event, history } = input;
  const by = event.type;
  if (by !== 'deployment.started' && by !== 'deployment.succeeded') return undefined;
  if (typeof event.data.rollbackOf === 'string' || event.data.rollback === true) return undefined;
  const alreadyJudged = history.some(
    (e) => e.type === 'deployment.started' || e.type === 'deployment.succeeded',
  );
  if (alreadyJudged) return undefined;
  const requested = history.some((e) => e.type === 'deployment.requested');
  const decision = history.filter((e) => e.type === 'gate.evaluated').at(-1);
  const decided = decision ? String((decision.data as Record<string, unknown>).decision) : undefined;
  if (decided === 'passed') return undefined;
  // Without a policy the gate passes whatever it would have seen, so only a recorded failure counts.
  if (!input.policyRequired && decided !== 'failed') return undefined;
  const text = (key: string) => (typeof event.data[key] === 'string' ? (event.data[key] as string) : null);
  return {
    deploymentId: String(event.data.deploymentId),
    releaseId: text('releaseId'),
    service: text('service'),
    environment: String(event.data.environment),
    gateStatus: decided === 'failed' ? 'failed' : requested ? 'pending' : 'not_requested',
    by,
    bySeq: event.seq,
  };
}
