import type { StoredEvent } from '../ledger/ledger-event.ts';

export interface ChangeFailureRate {
  readonly rate: number | null;
  readonly failed: number;
  readonly total: number;
  readonly failedDeployments: readonly { readonly deploymentId: string; readonly rule: string }[];
}

const HOUR = 3_600_000;

/**
 * Change failure rate of one service in one environment, from that service's own history: deployments
 * that finished in [from, to), rollback deployments excluded from both counts. A deployment needed
 * intervention if it failed, was rolled back or fixed by a later one, or has an incident linked to it
 * explicitly or, failing that, as the latest success before the incident within `incidentGapHours`.
 */
export function changeFailureRate(
  serviceEvents: readonly StoredEvent[],
  from: Date,
  to: Date,
  incidentGapHours = 24,
): ChangeFailureRate {
  const finished = new Map<string, { at: number; succeeded: boolean; rollback: boolean }>();
  const rules = new Map<string, string>();
  const successes: { id: string; at: number }[] = [];
  for (const event of serviceEvents) {
    const data = event.data as Record<string, unknown>;
    const at = Date.parse(event.occurredAt);
    // A progressive deployment at weight 100 has finished, as in the DORA projection; the map keeps one
    // entry a deployment, so a `deployment.succeeded` after it does not count it twice.
    const fullTraffic = event.type === 'deployment.progressed' && data.weight === 100;
    if (event.type === 'deployment.succeeded' || event.type === 'deployment.failed' || fullTraffic) {
      const id = String(data.deploymentId);
      const rollback = typeof data.rollbackOf === 'string' || data.rollback === true;
      finished.set(id, { at, succeeded: event.type !== 'deployment.failed', rollback });
      if (event.type === 'deployment.failed') rules.set(id, rules.get(id) ?? 'failed');
      else successes.push({ id, at });
      if (typeof data.rollbackOf === 'string')
        rules.set(data.rollbackOf, rules.get(data.rollbackOf) ?? 'rolled_back');
      if (typeof data.fixes === 'string') rules.set(data.fixes, rules.get(data.fixes) ?? 'fixed');
    }
  }
  for (const event of serviceEvents) {
    if (event.type !== 'incident.opened') continue;
    const data = event.data as Record<string, unknown>;
    if (typeof data.deploymentId === 'string') {
      rules.set(data.deploymentId, rules.get(data.deploymentId) ?? 'incident_explicit');
      continue;
    }
    const openedAt = Date.parse(event.occurredAt);
    const latest = successes
      .filter((s) => s.at <= openedAt && openedAt - s.at <= incidentGapHours * HOUR)
      .sort((a, b) => b.at - a.at)[0];
    if (latest) rules.set(latest.id, rules.get(latest.id) ?? 'incident_within_gap');
  }
  const counted = [...finished].filter(
    ([, d]) => !d.rollback && d.at >= from.getTime() && d.at < to.getTime(),
  );
  const failedDeployments = counted.flatMap(([id]) => {
    const rule = rules.get(id);
    return rule ? [{ deploymentId: id, rule }] : [];
  });
  return {
    rate: counted.length === 0 ? null : failedDeployments.length / counted.length,
    failed: failedDeployments.length,
    total: counted.length,
    failedDeployments,
  };
}
