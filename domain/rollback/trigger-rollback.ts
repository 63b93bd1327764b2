import { finishesDeployment } from '../events/deployment-finish.ts';
import type { StoredEvent } from '../ledger/ledger-event.ts';
import { decideRollback, type RollbackDecision } from './decide-rollback.ts';
import {
  agreedTriggers,
  agreementSeq,
  evaluateRollbackTriggers,
  type MetricSample,
} from './rollback-triggers.ts';

export interface TriggerRollbackInput {
  readonly service: string;
  readonly environment: string;
  /** The metric of the sample that prompted the evaluation: only its triggers are evaluated. */
  readonly metric: string;
  /** The recording time of that sample: the instant the watch is judged at. */
  readonly now: string;
  /** The pair's history up to and including that sample: deployments, samples, rollback decisions. */
  readonly serviceEvents: readonly StoredEvent[];
  /** The pair's policy stream (every version; the agreed one is picked by position). */
  readonly policyHistory: readonly StoredEvent[];
}

export interface TriggerRollback {
  readonly decision: RollbackDecision;
  /** Names the skip decision's identity: one skip per deployment and trigger. */
  readonly triggerKey: string;
}

/**
 * A new sample of a metric → the rollback decision of the latest deployment of the pair, when one of the
 * triggers agreed for it fires; undefined when none fires or the deployment already has its decision
 * (one `rollback.requested` per deployment, one `rollback.skipped` per deployment and trigger), so
 * samples within thresholds record nothing. Triggers, watch and whether auto-rollback acts are all the
 * agreed policy's: an edit after the deployment started changes nothing for it.
 */
export function decideTriggerRollback(input: TriggerRollbackInput): TriggerRollback | undefined {
  const latest = input.serviceEvents
    .filter(finishesDeployment)
    .sort((a, b) => Date.parse(b.occurredAt) - Date.parse(a.occurredAt) || b.seq - a.seq)[0];
  if (!latest) return undefined;
  const deploymentId = String((latest.data as { deploymentId?: unknown }).deploymentId);
  const seq = agreementSeq(deploymentId, input.serviceEvents) ?? latest.seq;
  const agreed = agreedTriggers(input.policyHistory, seq);
  const triggers = agreed.triggers.filter((t) => t.metric === input.metric);
  if (triggers.length === 0) return undefined;
  const started = input.serviceEvents.find(
    (e) => e.seq === seq && (e.type === 'deployment.started' || e.type === 'deployment.progressed'),
  )?.occurredAt;
  const samples: MetricSample[] = input.serviceEvents
    .filter((e) => e.type === 'metric.observed')
    .map((e) => {
      const data = e.data as { metric?: unknown; value?: unknown };
      return { metric: String(data.metric), value: Number(data.value), at: e.occurredAt, seq: e.seq };
    });
  const fired = evaluateRollbackTriggers({
    triggers,
    deployment: { deploymentId, startedAt: started ?? null, succeededAt: latest.occurredAt },
    watchHours: agreed.watchHours,
    samples,
    now: input.now,
  }).find((evaluation) => evaluation.status === 'fired');
  if (!fired) return undefined;
  const { evidence } = fired;
  const decided = input.serviceEvents.some((e) => {
    const data = e.data as { deploymentId?: unknown; trigger?: { name?: unknown; metric?: unknown } };
    if (data.deploymentId !== deploymentId) return false;
    return (
      e.type === 'rollback.requested' ||
      (e.type === 'rollback.skipped' &&
        data.trigger?.name === evidence.name &&
        data.trigger.metric === evidence.metric)
    );
  });
  if (decided) return undefined;
  return {
    decision: decideRollback({
      service: input.service,
      environment: input.environment,
      trigger: { evidence, deploymentId },
      triggeredAt: input.now,
      policy: agreed.policy,
      serviceEvents: input.serviceEvents,
    }),
    triggerKey: `trigger:${deploymentId}:${evidence.name}`,
  };
}
