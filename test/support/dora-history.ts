import type { LedgerEventType, StoredEvent } from '../../domain/ledger/ledger-event.ts';

/**
 * Builds ledger events the way the store stores them (deployments carry releaseId, service and version
 * resolved), each call taking the next seq, at the occurrence time given.
 */
export function doraHistory(tenant = 't') {
  let seq = 0;
  const events: StoredEvent[] = [];
  const releases = new Map<string, { service: string; version: string }>();
  const push = (type: LedgerEventType, at: string, data: Record<string, unknown>): StoredEvent => {
    seq += 1;
    const event: StoredEvent = {
      tenant,
      seq,
      stream: 'release/x',
      version: seq,
      links: [],
      type,
      source: 'test',
      id: `e${seq}`,
      occurredAt: at,
      recordedAt: at,
      data,
      original: { format: 'cloudevent', payload: null },
      hash: 'h',
      eventHash: 'e',
    };
    events.push(event);
    return event;
  };
  const deployment = (
    type: 'deployment.succeeded' | 'deployment.failed' | 'deployment.started',
    deploymentId: string,
    o: { release: string; env?: string; at: string; service?: string } & Record<string, unknown>,
  ) => {
    const { release, env, at, service, ...extra } = o;
    const known = releases.get(release);
    return push(type, at, {
      deploymentId,
      environment: env ?? 'production',
      releaseId: release,
      service: service ?? known?.service ?? 'api',
      version: known?.version ?? release,
      ...extra,
    });
  };
  return {
    events,
    release(
      releaseId: string,
      o: {
        service?: string;
        team?: string;
        commits?: [string, string][];
        at?: string;
        /** The release's version, its id unless given (a sha, for a release of one commit). */
        version?: string;
        /** Further fields the producer sent (GitLab's `sha`, GitHub's `ref`). */
        extra?: Record<string, unknown>;
      } = {},
    ) {
      const service = o.service ?? 'api';
      const version = o.version ?? releaseId;
      releases.set(releaseId, { service, version });
      return push('release.created', o.at ?? '2026-01-01T00:00:00Z', {
        releaseId,
        service,
        version,
        ...(o.team ? { team: o.team } : {}),
        commits: (o.commits ?? []).map(([sha, timestamp]) => ({ sha, timestamp })),
        ...o.extra,
      });
    },
    succeeded: (id: string, o: Parameters<typeof deployment>[2]) => deployment('deployment.succeeded', id, o),
    failed: (id: string, o: Parameters<typeof deployment>[2]) => deployment('deployment.failed', id, o),
    started: (id: string, o: Parameters<typeof deployment>[2]) => deployment('deployment.started', id, o),
    opened: (
      incidentId: string,
      o: { at: string; service?: string; env?: string; deploymentId?: string; severity?: string },
    ) =>
      push('incident.opened', o.at, {
        incidentId,
        service: o.service ?? 'api',
        environment: o.env ?? 'production',
        severity: o.severity ?? 'sev2',
        ...(o.deploymentId ? { deploymentId: o.deploymentId } : {}),
      }),
    resolved: (incidentId: string, at: string) => push('incident.resolved', at, { incidentId }),
    /** A CDEvents `change.merged` as the ingest mapper stores it. */
    merged: (
      changeId: string,
      o: {
        at: string;
        service?: string;
        repository?: string;
        sha?: string;
        firstCommitAt?: string;
        createdAt?: string;
      },
    ) =>
      push('change.merged', o.at, {
        changeId,
        ...(o.firstCommitAt ? { firstCommitAt: o.firstCommitAt } : {}),
        ...(o.createdAt ? { createdAt: o.createdAt } : {}),
        ...(o.service || !o.repository ? { service: o.service ?? 'api' } : {}),
        ...(o.repository ? { repository: o.repository } : {}),
        ...(o.sha ? { sha: o.sha } : {}),
      }),
    /**
     * The end of a deployment's post-release watch (`release.watch.completed`) with its first 24 h:
     * `alerts` against `baselineAlerts` (the 7-day count × 24 ÷ 168); the ratio as the watch computes it.
     */
    watched: (
      deploymentId: string,
      o: { at: string; alerts: number; baselineAlerts: number; env?: string; service?: string },
    ) => {
      const ratio = o.baselineAlerts > 0 ? o.alerts / o.baselineAlerts : null;
      const firstDay = { alerts: o.alerts, baselineAlerts: o.baselineAlerts, ratio };
      return push('release.watch.completed', o.at, {
        deploymentId,
        service: o.service ?? 'api',
        environment: o.env ?? 'production',
        hours: 48,
        ...firstDay,
        incidents: 0,
        rolledBack: false,
        verdict: ratio !== null && ratio > 1.1 ? 'regressed' : 'healthy',
        firstDay,
      });
    },
    /** The rollback decision the ledger appends for a deployment. */
    /** A traffic step of a progressive deployment (issue 20); weight 100 finishes it. */
    progressed: (id: string, o: { release: string; env?: string; at: string; weight: number }) => {
      const known = releases.get(o.release);
      return push('deployment.progressed', o.at, {
        deploymentId: id,
        environment: o.env ?? 'production',
        releaseId: o.release,
        service: known?.service ?? 'api',
        version: known?.version ?? o.release,
        weight: o.weight,
        strategy: 'canary',
      });
    },
    /** A flag's exposure naming a release by id or by (service `api`) version. */
    flagged: (
      flag: string,
      o: { at: string; exposure: number; releaseId?: string; version?: string; env?: string },
    ) =>
      push('feature.released', o.at, {
        flag,
        service: 'api',
        environment: o.env ?? 'production',
        exposure: o.exposure,
        ...(o.releaseId ? { releaseId: o.releaseId } : {}),
        ...(o.version ? { version: o.version } : {}),
      }),
    rollbackRequested: (
      deploymentId: string,
      o: { at: string; toVersion: string; service?: string; env?: string },
    ) =>
      push('rollback.requested', o.at, {
        deploymentId,
        service: o.service ?? 'api',
        environment: o.env ?? 'production',
        fromVersion: null,
        toVersion: o.toVersion,
        toReleaseId: o.toVersion,
        toDeploymentId: 'unknown',
        trigger: { incidentId: 'i-trigger', severity: 'sev1' },
        reason: 'test',
        policyVersion: 'p',
      }),
  };
}

/** The same events renumbered in a new ledger order, as if they had been recorded in that order. */
export function reordered(events: readonly StoredEvent[], order: readonly number[]): StoredEvent[] {
  return order.map((index, position) => ({ ...(events[index] as StoredEvent), seq: position + 1 }));
}
