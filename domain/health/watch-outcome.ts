import type { ReleaseWatchCompleted } from '../events/decision-events.ts';
import { finishesDeployment } from '../events/deployment-finish.ts';
import type { StoredEvent } from '../ledger/ledger-event.ts';

const HOUR = 3_600_000;
/** The baseline is the 7 days before the deployment started, whatever the watch's length. */
export const BASELINE_DAYS = 7;
const BASELINE_HOURS = BASELINE_DAYS * 24;
/** A watch regresses when alerts run more than 10 % above the baseline. */
export const ALERT_RATIO_LIMIT = 1.1;
/** Post-release alert volume (the DORA metric) looks at the first 24 h after the success, whatever the watch. */
const FIRST_DAY_HOURS = 24;

export interface WatchInput {
  readonly deploymentId: string;
  readonly service: string;
  readonly environment: string;
  /** The watch's length, from the policy in force when the deployment started. */
  readonly hours: number;
  /** The deployment's own stream: its start and success. */
  readonly deploymentEvents: readonly StoredEvent[];
  /** The service's history in the environment: alerts, incidents, rollbacks. */
  readonly serviceEvents: readonly StoredEvent[];
}

/** When a watch that began at `succeededAt` ends (ISO). */
export function watchEnd(succeededAt: string, hours: number): string {
  return new Date(Date.parse(succeededAt) + hours * HOUR).toISOString();
}

/** Whether a succeeded deployment is watched: production, and not itself a rollback (it restores a watched version). */
export function isWatched(data: Readonly<Record<string, unknown>>, production: boolean): boolean {
  return (
    production && typeof data.rollbackOf !== 'string' && data.rollback !== true && data.reason !== 'rollback'
  );
}

/**
 * The outcome of a deployment's watch, from what the ledger holds: alert firings (distinct `alertId`s)
 * from its success for `hours`, against the mean count in windows of that length over the 7 days before
 * it started (the 7-day count × hours ÷ 168); incidents opened on it (named, or unnamed and opened in the
 * watch); whether it was rolled back. Regressed when any incident or rollback, or the ratio exceeds 1.10
 * over a non-zero baseline. `firstDay` is the same count restricted to the first 24 h after the success
 * (baseline: the 7-day count × 24 ÷ 168), what post-release alert volume is measured by. Only events that happened before the watch ended count, so deciding again
 * later (a duplicate or late delivery) gives the same answer. Undefined when the deployment has not
 * succeeded.
 */
export function watchOutcome(input: WatchInput): ReleaseWatchCompleted | undefined {
  const { deploymentId, service, environment, hours } = input;
  // The watch starts when the deployment finished: a success, or a progressive step to all traffic.
  const succeeded = input.deploymentEvents.find(
    (e) => finishesDeployment(e) && dataOf(e).deploymentId === deploymentId,
  );
  if (!succeeded) return undefined;
  const started = input.deploymentEvents.find(
    (e) =>
      (e.type === 'deployment.started' || e.type === 'deployment.progressed') &&
      dataOf(e).deploymentId === deploymentId,
  );
  const from = Date.parse(succeeded.occurredAt);
  const to = from + hours * HOUR;
  const start = Date.parse((started ?? succeeded).occurredAt);
  const baselineFrom = start - BASELINE_HOURS * HOUR;

  const fired = input.serviceEvents.filter((e) => e.type === 'alert.fired');
  const alerts = distinctAlerts(fired, from, to);
  const baselineAlerts = (distinctAlerts(fired, baselineFrom, start) * hours) / BASELINE_HOURS;
  const ratio = baselineAlerts > 0 ? alerts / baselineAlerts : null;

  const incidents = input.serviceEvents.filter((e) => {
    if (e.type !== 'incident.opened') return false;
    const at = Date.parse(e.occurredAt);
    const named = dataOf(e).deploymentId;
    if (typeof named === 'string') return named === deploymentId && at < to;
    return at >= from && at < to;
  }).length;
  const rolledBack = input.serviceEvents.some((e) => {
    if (Date.parse(e.occurredAt) >= to) return false;
    const data = dataOf(e);
    if (e.type === 'rollback.requested') return data.deploymentId === deploymentId;
    return e.type === 'deployment.succeeded' && data.rollbackOf === deploymentId;
  });
  const firstDayAlerts = distinctAlerts(fired, from, from + FIRST_DAY_HOURS * HOUR);
  const firstDayBaseline = (distinctAlerts(fired, baselineFrom, start) * FIRST_DAY_HOURS) / BASELINE_HOURS;
  const regressed = incidents > 0 || rolledBack || (ratio !== null && ratio > ALERT_RATIO_LIMIT);
  return {
    deploymentId,
    service,
    environment,
    hours,
    alerts,
    baselineAlerts,
    ratio,
    incidents,
    rolledBack,
    verdict: regressed ? 'regressed' : 'healthy',
    firstDay: {
      alerts: firstDayAlerts,
      baselineAlerts: firstDayBaseline,
      ratio: firstDayBaseline > 0 ? firstDayAlerts / firstDayBaseline : null,
    },
  };
}

/** Distinct alerts that fired in [from, to): a firing re-sent under another event id counts once. */
function distinctAlerts(fired: readonly StoredEvent[], from: number, to: number): number {
  const ids = new Set<string>();
  for (const event of fired) {
    const at = Date.parse(event.occurredAt);
    if (at >= from && at < to) ids.add(String(dataOf(event).alertId));
  }
  return ids.size;
}

function dataOf(event: StoredEvent): Record<string, unknown> {
  return event.data as Record<string, unknown>;
}
