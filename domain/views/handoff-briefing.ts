import { type Acknowledgement, handoffsOf } from '../gates/readiness-checks.ts';
import type { StoredEvent } from '../ledger/ledger-event.ts';
import type { Policy } from '../policies/policy.ts';
import { type DeploymentView, deploymentView } from './deployment-view.ts';

/** A successful deployment of the service in the environment, as the briefing names it. */
export interface PriorDeployment {
  readonly deploymentId: string;
  readonly releaseId: string | null;
  readonly version: string | null;
  readonly finishedAt: string;
  readonly seq: number;
}

export interface HandoffBriefing {
  readonly deploymentId: string;
  readonly service: string | null;
  readonly environment: string | null;
  readonly releaseId: string | null;
  readonly version: string | null;
  readonly status: DeploymentView['status'];
  readonly whatChanged: {
    readonly commits: readonly unknown[];
    /** Commits of this release that the previous release in the environment did not ship. */
    readonly changes: readonly unknown[];
    readonly notes: string | null;
    /** What ran in the environment before this deployment: the latest earlier success not rolled back. */
    readonly previous: PriorDeployment | null;
  };
  readonly openIncidents: readonly {
    readonly incidentId: string;
    readonly severity: string;
    readonly title: string | null;
    readonly openedAt: string;
  }[];
  readonly rollback: {
    /** The policy's `rollbackTriggers`, when it has any. */
    readonly triggers: readonly unknown[];
    readonly autoRollback: Policy['autoRollback'] | null;
    readonly procedure: string | null;
    /** The version a rollback would return to: the latest earlier success of another version not rolled back. */
    readonly target: PriorDeployment | null;
  };
  readonly runbooks: readonly string[];
  readonly dashboards: readonly string[];
  readonly escalation: string | null;
  readonly handoff: {
    readonly required: boolean;
    readonly acknowledged: boolean;
    readonly acknowledgements: readonly Acknowledgement[];
  };
  readonly policyVersion: string | null;
}

export interface BriefingInput {
  readonly deploymentId: string;
  /** The deployment's stream. */
  readonly deploymentEvents: readonly StoredEvent[];
  /** Its release's stream. */
  readonly releaseEvents: readonly StoredEvent[];
  /** The service's history in the environment. */
  readonly serviceEvents: readonly StoredEvent[];
  /** Incidents of `serviceEvents` that have been resolved. */
  readonly resolvedIncidents: ReadonlySet<string>;
  /** The policy in force for the service and environment. */
  readonly policy: { readonly policy: Policy; readonly version: string } | undefined;
  /** Commit shas of the previous deployment's release (see `priorDeployments`). @default none */
  readonly previousCommitShas?: readonly string[];
}

const data = (event: { data: unknown }) => event.data as Record<string, unknown>;
const text = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * Where a deployment begins in the ledger: its first lifecycle event (a handoff acknowledged before it
 * was requested does not move it), else its first event of any kind.
 */
export function deploymentStartSeq(deploymentId: string, events: readonly StoredEvent[]): number {
  const own = events.filter((e) => e.type.startsWith('deployment.') && data(e).deploymentId === deploymentId);
  return Math.min(...(own.length > 0 ? own : events).map((e) => e.seq));
}

/**
 * What ran before a deployment, and where a rollback of it would go. Both come from the service's
 * successes recorded before the deployment's first event and not rolled back since; the target also
 * skips successes of the deployment's own version (rolling back to it changes nothing).
 */
export function priorDeployments(
  view: Pick<DeploymentView, 'deploymentId' | 'version'>,
  firstSeq: number,
  serviceEvents: readonly StoredEvent[],
): { previous: PriorDeployment | null; target: PriorDeployment | null } {
  const rolledBack = new Set(
    serviceEvents
      .filter((e) => e.type === 'deployment.succeeded')
      .map((e) => data(e).rollbackOf)
      .filter((id): id is string => typeof id === 'string'),
  );
  const earlier = serviceEvents
    .filter((e) => e.type === 'deployment.succeeded' && e.seq < firstSeq)
    .filter(
      (e) => data(e).deploymentId !== view.deploymentId && !rolledBack.has(String(data(e).deploymentId)),
    )
    .map((e) => ({
      deploymentId: String(data(e).deploymentId),
      releaseId: text(data(e).releaseId),
      version: text(data(e).version),
      finishedAt: e.occurredAt,
      seq: e.seq,
    }))
    .sort((a, b) => b.seq - a.seq);
  return {
    previous: earlier[0] ?? null,
    target: earlier.find((d) => d.version !== null && d.version !== view.version) ?? null,
  };
}

/**
 * The on-call briefing of a deployment (GET /v1/deployments/{id}/handoff): what changed, what is
 * already burning, when and how to roll back, where to look, whom to call, and who took it on.
 * Undefined when the deployment has no events.
 */
export function handoffBriefing(input: BriefingInput): HandoffBriefing | undefined {
  const view = deploymentView(input.deploymentId, input.deploymentEvents);
  if (!view) return undefined;
  const firstSeq = deploymentStartSeq(input.deploymentId, input.deploymentEvents);
  const { previous, target } = priorDeployments(view, firstSeq, input.serviceEvents);
  const created = input.releaseEvents.find((e) => e.type === 'release.created');
  const commits = created && Array.isArray(data(created).commits) ? (data(created).commits as unknown[]) : [];
  const shipped = new Set(input.previousCommitShas ?? []);
  const changes = commits.filter((c) => !shipped.has(String((c as { sha?: unknown } | null)?.sha)));
  const policy = input.policy?.policy;
  const onCall = policy?.onCall;
  // `rollbackTriggers` comes with release-health policies; shown as the policy states it.
  const triggers = (policy as Record<string, unknown> | undefined)?.rollbackTriggers;
  const acknowledgements = handoffsOf(
    {
      deploymentId: view.deploymentId,
      releaseId: view.releaseId,
      environment: view.environment ?? '',
    },
    input.deploymentEvents,
    input.releaseEvents,
  );
  return {
    deploymentId: view.deploymentId,
    service: view.service,
    environment: view.environment,
    releaseId: view.releaseId,
    version: view.version,
    status: view.status,
    whatChanged: {
      commits,
      changes,
      notes: created ? text(data(created).notes) : null,
      previous,
    },
    openIncidents: input.serviceEvents
      .filter((e) => e.type === 'incident.opened' && !input.resolvedIncidents.has(String(data(e).incidentId)))
      .map((e) => ({
        incidentId: String(data(e).incidentId),
        severity: String(data(e).severity),
        title: text(data(e).title),
        openedAt: e.occurredAt,
      })),
    rollback: {
      triggers: Array.isArray(triggers) ? triggers : [],
      autoRollback: policy?.autoRollback ?? null,
      procedure: onCall?.rollbackProcedure ?? null,
      target,
    },
    runbooks: onCall?.runbooks ?? [],
    dashboards: onCall?.dashboards ?? [],
    escalation: onCall?.escalation ?? null,
    handoff: {
      required: onCall?.requireHandoff === true,
      acknowledged: acknowledgements.length > 0,
      acknowledgements,
    },
    policyVersion: input.policy?.version ?? null,
  };
}
