import type { GateBypassed } from '../events/decision-events.ts';
import type { StoredEvent } from '../ledger/ledger-event.ts';

export interface BypassInput {
  /** The deployment.started, deployment.progressed or deployment.succeeded being judged. */
  readonly event: { readonly type: string; readonly seq: number; readonly data: Record<string, unknown> };
  /** The deployment's stream before that event. */
  readonly history: readonly StoredEvent[];
  /** Whether a policy governed the service and environment at that point. */
  readonly policyRequired: boolean;
}

/**
 * Did this deployment go ahead without a passed gate? Judged once per deployment, at its first start (or
 * its success when no start was reported), from what the ledger held before it. Rollbacks of a named
 * earlier success are remediation and are not gated.
 */
export function gateBypass(input: BypassInput): GateBypassed | undefined {
  const { event, history } = input;
  const by = event.type;
  if (by !== 'deployment.started' && by !== 'deployment.progressed' && by !== 'deployment.succeeded')
    return undefined;
  // Ingest only stores a `rollbackOf` naming an earlier success of the same service and environment;
  // a bare `rollback: true` names nothing, so it is gated like any deployment.
  if (typeof event.data.rollbackOf === 'string') return undefined;
  // A traffic step is a start too: a canary taking 10 % of production has gone ahead.
  const alreadyJudged = history.some(
    (e) =>
      e.type === 'deployment.started' ||
      e.type === 'deployment.progressed' ||
      e.type === 'deployment.succeeded',
  );
  if (alreadyJudged) return undefined;
  // A request or decision counts only for what this event deploys: a gate passed for staging says
  // nothing about production, nor one for another release or service.
  const same = (e: StoredEvent) => {
    const d = e.data as Record<string, unknown>;
    return (['releaseId', 'service', 'environment'] as const).every(
      (key) => (d[key] ?? null) === (event.data[key] ?? null),
    );
  };
  const requested = history.some((e) => e.type === 'deployment.requested' && same(e));
  const decision = history.filter((e) => e.type === 'gate.evaluated' && same(e)).at(-1);
  const decided = decision ? String((decision.data as Record<string, unknown>).decision) : undefined;
  // A dry-run gate enforces nothing (the pipeline was answered passed): going ahead is adoption, not a bypass.
  if (decided === 'passed' || (decision?.data as Record<string, unknown> | undefined)?.dryRun === true)
    return undefined;
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
