import type { ReleaseWatchCompleted } from '../events/decision-events.ts';
import type { StoredEvent } from '../ledger/ledger-event.ts';
import type { RollbackTriggerSpec } from '../policies/health-policy.ts';
import { agreedTriggers, agreementSeq } from '../rollback/rollback-triggers.ts';

export type DeploymentStatus = 'requested' | 'started' | 'succeeded' | 'failed' | 'rolled_back';

export interface GateView {
  /** `not_required` when nobody asked (no deployment.requested); `pending` until the latest request is decided. */
  readonly status: 'pending' | 'passed' | 'failed' | 'not_required';
  readonly checks: readonly unknown[];
  readonly decidedAt: string | null;
  readonly policyVersion: string | null;
  /** Present only on a dry-run decision: `status` is the real verdict, the pipeline was answered passed. */
  readonly dryRun?: true;
}

export interface DeploymentView {
  readonly deploymentId: string;
  readonly status: DeploymentStatus;
  readonly releaseId: string | null;
  readonly service: string | null;
  readonly version: string | null;
  readonly environment: string | null;
  readonly requestedAt: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly reason: string | null;
  readonly rollbackOf: string | null;
  readonly fixes: string | null;
  readonly planned: boolean;
  /** The deployment that rolled this one back, once one succeeded with `rollbackOf` pointing here. */
  readonly rolledBackBy: string | null;
  readonly fixedBy: readonly string[];
  readonly incidents: readonly string[];
  readonly gate: GateView;
  /** It started or succeeded although its gate had failed or not answered (see `gate.bypassed`). */
  readonly gateBypassed: boolean;
  /** The automated rollback requested for it, if any. */
  readonly rollbackRequested: {
    readonly toVersion: string;
    readonly reason: string;
    readonly requestedAt: string;
  } | null;
  /** Its progressive rollout (`deployment.progressed`), in ledger order; empty for a one-step deployment. */
  readonly traffic: readonly TrafficStep[];
  /** The post-release watch's outcome (`release.watch.completed`), once recorded; null before. */
  readonly watch: {
    readonly verdict: 'healthy' | 'regressed';
    readonly hours: number;
    readonly alerts: number;
    readonly baselineAlerts: number;
    readonly ratio: number | null;
    readonly incidents: number;
    readonly rolledBack: boolean;
    readonly completedAt: string;
  } | null;
  readonly lastEventSeq: number;
  /**
   * The rollback triggers agreed for it: those of the policy version in force when it started (or
   * succeeded, if no start was reported); null until then. Set by `withRollbackTriggers`.
   */
  readonly rollbackTriggers?: {
    readonly policyVersion: string | null;
    readonly triggers: readonly RollbackTriggerSpec[];
  } | null;
}

/** One traffic step of a progressive deployment. */
export interface TrafficStep {
  readonly weight: number;
  readonly step: number | string | null;
  readonly strategy: string;
  readonly at: string;
  readonly seq: number;
}

export function initialDeploymentView(deploymentId: string): DeploymentView {
  return {
    deploymentId,
    status: 'requested',
    releaseId: null,
    service: null,
    version: null,
    environment: null,
    requestedAt: null,
    startedAt: null,
    finishedAt: null,
    reason: null,
    rollbackOf: null,
    fixes: null,
    planned: true,
    rolledBackBy: null,
    fixedBy: [],
    incidents: [],
    gate: { status: 'not_required', checks: [], decidedAt: null, policyVersion: null },
    gateBypassed: false,
    rollbackRequested: null,
    traffic: [],
    watch: null,
    lastEventSeq: 0,
  };
}

/**
 * Folds one event of a deployment's stream (its own events and the events linked to it) into its view.
 * Events may describe reality out of order (a `succeeded` without a `started`): the ledger records what
 * was reported, so a later lifecycle event always moves the status on, except out of rolled_back.
 */
export function evolveDeployment(view: DeploymentView, event: StoredEvent): DeploymentView {
  const data = event.data as Record<string, unknown>;
  const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : null);
  const seen = { ...view, lastEventSeq: event.seq };
  if (data.deploymentId === view.deploymentId && event.type === 'gate.evaluated') {
    return {
      ...seen,
      gate: {
        status: data.decision === 'passed' ? 'passed' : 'failed',
        checks: Array.isArray(data.checks) ? data.checks : [],
        decidedAt: event.recordedAt,
        policyVersion: typeof data.policyVersion === 'string' ? data.policyVersion : null,
        ...(data.dryRun === true ? { dryRun: true as const } : {}),
      },
    };
  }
  if (data.deploymentId === view.deploymentId && event.type === 'gate.bypassed')
    return { ...seen, gateBypassed: true };
  if (data.deploymentId === view.deploymentId && event.type === 'rollback.requested') {
    return {
      ...seen,
      rollbackRequested: {
        toVersion: String(data.toVersion),
        reason: String(data.reason),
        requestedAt: event.recordedAt,
      },
    };
  }
  if (data.deploymentId === view.deploymentId && event.type === 'release.watch.completed') {
    const { verdict, hours, alerts, baselineAlerts, ratio, incidents, rolledBack } =
      data as unknown as ReleaseWatchCompleted;
    return {
      ...seen,
      watch: {
        verdict,
        hours,
        alerts,
        baselineAlerts,
        ratio,
        incidents,
        rolledBack,
        completedAt: event.recordedAt,
      },
    };
  }
  if (data.deploymentId === view.deploymentId && event.type.startsWith('deployment.')) {
    const facts = {
      ...seen,
      releaseId: text('releaseId') ?? view.releaseId,
      service: text('service') ?? view.service,
      version: text('version') ?? view.version,
      environment: text('environment') ?? view.environment,
    };
    const keep = (status: DeploymentStatus) => (view.status === 'rolled_back' ? 'rolled_back' : status);
    switch (event.type) {
      case 'deployment.requested':
        return {
          ...facts,
          requestedAt: view.requestedAt ?? event.occurredAt,
          status: view.lastEventSeq ? view.status : 'requested',
          // A new request waits for its own decision.
          gate: { status: 'pending', checks: [], decidedAt: null, policyVersion: null },
        };
      case 'deployment.started':
        return {
          ...facts,
          startedAt: event.occurredAt,
          status: keep(isFinal(view.status) ? view.status : 'started'),
        };
      case 'deployment.succeeded':
        return {
          ...facts,
          finishedAt: event.occurredAt,
          status: keep('succeeded'),
          rollbackOf: text('rollbackOf'),
          fixes: text('fixes'),
          planned: data.planned !== false && data.rollback !== true,
        };
      case 'deployment.progressed': {
        // A traffic step means it is under way; at weight 100 it has finished, as DORA counts it (a later
        // `succeeded` or `failed` report still decides). A step never moves a finished deployment back.
        const full = data.weight === 100 && !isFinal(view.status);
        return {
          ...facts,
          startedAt: view.startedAt ?? event.occurredAt,
          ...(full ? { finishedAt: event.occurredAt } : {}),
          status: keep(full ? 'succeeded' : isFinal(view.status) ? view.status : 'started'),
          traffic: [
            ...view.traffic,
            {
              weight: Number(data.weight),
              step: typeof data.step === 'number' || typeof data.step === 'string' ? data.step : null,
              strategy: String(data.strategy),
              at: event.occurredAt,
              seq: event.seq,
            },
          ],
        };
      }
      case 'deployment.failed':
        return { ...facts, finishedAt: event.occurredAt, status: keep('failed'), reason: text('reason') };
      default:
        return facts;
    }
  }
  if (event.type === 'deployment.succeeded' && data.rollbackOf === view.deploymentId) {
    return { ...seen, status: 'rolled_back', rolledBackBy: text('deploymentId') };
  }
  if (event.type === 'deployment.succeeded' && data.fixes === view.deploymentId) {
    return { ...seen, fixedBy: [...view.fixedBy, String(data.deploymentId)] };
  }
  if (event.type === 'incident.opened' && data.deploymentId === view.deploymentId) {
    return { ...seen, incidents: [...view.incidents, String(data.incidentId)] };
  }
  return seen;
}

function isFinal(status: DeploymentStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'rolled_back';
}

/** The view of a deployment from its whole stream, or undefined when it has no events. */
export function deploymentView(
  deploymentId: string,
  events: readonly StoredEvent[],
): DeploymentView | undefined {
  if (events.length === 0) return undefined;
  return events.reduce(evolveDeployment, initialDeploymentView(deploymentId));
}

/** The view with the triggers agreed for it, from its stream and its pair's policy stream. */
export function withRollbackTriggers(
  view: DeploymentView,
  events: readonly StoredEvent[],
  policyHistory: readonly StoredEvent[],
): DeploymentView {
  const seq = agreementSeq(view.deploymentId, events);
  if (seq === undefined) return { ...view, rollbackTriggers: null };
  const { policyVersion, triggers } = agreedTriggers(policyHistory, seq);
  return { ...view, rollbackTriggers: { policyVersion, triggers } };
}
