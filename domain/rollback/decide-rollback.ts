import type { RollbackRequested, RollbackSkipped } from '../events/decision-events.ts';
import { finishesDeployment } from '../events/deployment-finish.ts';
import type { StoredEvent } from '../ledger/ledger-event.ts';
import type { Policy } from '../policies/policy.ts';
import type { TriggerEvidence } from './rollback-triggers.ts';

export type RollbackTrigger =
  | { readonly incidentId: string; readonly severity: string; readonly deploymentId?: string | undefined }
  | { readonly alarmName: string; readonly alarmArn?: string | undefined }
  /** A policy rollback trigger that fired on the deployment it was agreed for (its watch was checked). */
  | { readonly evidence: TriggerEvidence; readonly deploymentId: string };

export interface RollbackInput {
  readonly service: string;
  readonly environment: string;
  readonly trigger: RollbackTrigger;
  /** When the incident opened or the alarm fired. */
  readonly triggeredAt: string;
  readonly policy: { readonly policy: Policy; readonly version: string } | undefined;
  /** The service's history in the environment, up to the trigger. */
  readonly serviceEvents: readonly StoredEvent[];
}

export type RollbackDecision =
  | { readonly type: 'rollback.requested'; readonly data: RollbackRequested }
  | { readonly type: 'rollback.skipped'; readonly data: RollbackSkipped };

interface Deployed {
  readonly deploymentId: string;
  readonly version: string | null;
  readonly releaseId: string | null;
  readonly finishedAt: number;
  readonly seq: number;
  readonly isRollback: boolean;
}

const MINUTE = 60_000;

/**
 * Should this incident or alarm roll the service back? Only when auto-rollback is enabled for the
 * service and environment, the trigger qualifies, and the deployment at fault finished within the
 * window; the target is the last earlier success of another version that was not itself rolled back.
 */
export function decideRollback(input: RollbackInput): RollbackDecision {
  const { service, environment, trigger } = input;
  const settings = input.policy?.policy.autoRollback;
  // A metric trigger is judged for one deployment: its skips name it too.
  const named = 'evidence' in trigger ? trigger.deploymentId : null;
  const skip = (reason: string, deploymentId: string | null = named): RollbackDecision => ({
    type: 'rollback.skipped',
    data: {
      deploymentId,
      service,
      environment,
      trigger: triggerData(trigger),
      reason,
      policyVersion: input.policy?.version ?? null,
    },
  });
  if (!settings?.enabled) return skip(`auto-rollback is not enabled for ${service} in ${environment}`);
  if ('severity' in trigger && !settings.severities.includes(trigger.severity as never)) {
    return skip(
      `severity ${trigger.severity} does not trigger auto-rollback (${settings.severities.join(', ')} do)`,
    );
  }
  if ('alarmName' in trigger && !settings.alarms.includes(trigger.alarmName)) {
    return skip(`alarm ${trigger.alarmName} is not one of this policy's rollback alarms`);
  }

  const deployed = successfulDeployments(input.serviceEvents);
  const rolledBack = rolledBackIds(input.serviceEvents);
  const at = Date.parse(input.triggeredAt);
  const blamed = 'deploymentId' in trigger ? trigger.deploymentId : undefined;
  const culprit = blamed
    ? deployed.find((d) => d.deploymentId === blamed)
    : deployed.filter((d) => d.finishedAt <= at).sort(latestFirst)[0];
  if (!culprit)
    return skip(
      blamed
        ? `deployment ${blamed} has not succeeded in ${environment}`
        : `no successful deployment of ${service} in ${environment}`,
    );
  if (culprit.isRollback)
    return skip(`deployment ${culprit.deploymentId} is itself a rollback`, culprit.deploymentId);
  if (rolledBack.has(culprit.deploymentId))
    return skip(`deployment ${culprit.deploymentId} was already rolled back`, culprit.deploymentId);
  const age = (at - culprit.finishedAt) / MINUTE;
  // A metric trigger acts throughout the deployment's watch, which its evaluation already checked.
  if (!('evidence' in trigger) && (age < 0 || age > settings.windowMinutes)) {
    return skip(
      `deployment ${culprit.deploymentId} finished ${Math.round(age)} min before the trigger, outside the ${settings.windowMinutes} min window`,
      culprit.deploymentId,
    );
  }
  const target = deployed
    .filter((d) => latestFirst(d, culprit) > 0 && d.deploymentId !== culprit.deploymentId)
    .filter((d) => !rolledBack.has(d.deploymentId) && d.version !== culprit.version)
    .sort(latestFirst)[0];
  if (!target?.version)
    return skip(`no previous good version of ${service} in ${environment}`, culprit.deploymentId);
  return {
    type: 'rollback.requested',
    data: {
      deploymentId: culprit.deploymentId,
      service,
      environment,
      fromVersion: culprit.version,
      toVersion: target.version,
      toReleaseId: target.releaseId,
      toDeploymentId: target.deploymentId,
      trigger: triggerData(trigger),
      reason: reasonOf(trigger, age, culprit.deploymentId),
      policyVersion: input.policy?.version ?? '',
    },
  };
}

function reasonOf(trigger: RollbackTrigger, age: number, deploymentId: string): string {
  if ('incidentId' in trigger)
    return `incident ${trigger.incidentId} (${trigger.severity}) opened ${Math.round(age)} min after deployment ${deploymentId}`;
  if ('alarmName' in trigger)
    return `alarm ${trigger.alarmName} fired ${Math.round(age)} min after deployment ${deploymentId}`;
  const { name, metric, threshold, baseline, forMinutes } = trigger.evidence;
  const against = baseline === null ? '' : ` (baseline ${baseline})`;
  return `trigger ${name}: ${metric} above ${threshold}${against} for ${forMinutes} min, ${Math.round(age)} min after deployment ${deploymentId}`;
}

function triggerData(trigger: RollbackTrigger): RollbackRequested['trigger'] {
  if ('incidentId' in trigger) return { incidentId: trigger.incidentId, severity: trigger.severity };
  if ('alarmName' in trigger)
    return { alarmName: trigger.alarmName, ...(trigger.alarmArn ? { alarmArn: trigger.alarmArn } : {}) };
  const { name, metric, threshold, baseline, observed, forMinutes } = trigger.evidence;
  return { name, metric, threshold, baseline, observed: observed.map((s) => ({ ...s })), forMinutes };
}

function latestFirst(a: Deployed, b: Deployed): number {
  return b.finishedAt - a.finishedAt || b.seq - a.seq;
}

/** Each deployment that succeeded (or took all traffic), once, at the first report that finished it. */
function successfulDeployments(events: readonly StoredEvent[]): Deployed[] {
  const seen = new Set<string>();
  return [...events]
    .filter(finishesDeployment)
    .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || a.seq - b.seq)
    .filter((e) => {
      const id = String((e.data as Record<string, unknown>).deploymentId);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .map((e) => {
      const data = e.data as Record<string, unknown>;
      return {
        deploymentId: String(data.deploymentId),
        version: typeof data.version === 'string' ? data.version : null,
        releaseId: typeof data.releaseId === 'string' ? data.releaseId : null,
        finishedAt: Date.parse(e.occurredAt),
        seq: e.seq,
        isRollback: typeof data.rollbackOf === 'string' || data.rollback === true,
      };
    });
}

function rolledBackIds(events: readonly StoredEvent[]): Set<string> {
  return new Set(
    events
      .filter((e) => e.type === 'deployment.succeeded')
      .map((e) => (e.data as Record<string, unknown>).rollbackOf)
      .filter((id): id is string => typeof id === 'string'),
  );
}
