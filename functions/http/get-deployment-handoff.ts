import type { StoredEvent } from '../../domain/ledger/ledger-event.ts';
import { streamName } from '../../domain/ledger/streams.ts';
import type { EventStore } from '../../domain/ports/event-store.ts';
import { deploymentView } from '../../domain/views/deployment-view.ts';
import {
  deploymentStartSeq,
  handoffBriefing,
  priorDeployments,
} from '../../domain/views/handoff-briefing.ts';
import { adapters } from '../adapters/clients.ts';
import { policyAsOf } from '../reactions/ledger-reader.ts';
import { readPairHistory } from '../reactions/pair-history.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { notFound } from './http-error.ts';
import { pathParam } from './query-params.ts';

/** GET /v1/deployments/{deploymentId}/handoff — the on-call briefing of a deployment, with who took it on. */
export const handler = httpApi(async (event) => {
  // The CI job that asked the gate (writer) shows the briefing to the engineer it pages.
  const { tenant } = authorize(event, ['reader', 'writer']);
  const deploymentId = pathParam(event, 'deploymentId');
  const store = adapters().eventStore;
  const deploymentEvents = await store.readStream(tenant, streamName('deployment', deploymentId));
  const view = deploymentView(deploymentId, deploymentEvents);
  if (!view) throw notFound(`deployment '${deploymentId}'`);
  const { service, environment, releaseId } = view;
  const [releaseEvents, serviceEvents, policy] = await Promise.all([
    releaseId ? store.readStream(tenant, streamName('release', releaseId)) : [],
    service && environment ? readPairHistory(store, tenant, 'service', service, environment) : [],
    service && environment ? policyAsOf(store, tenant, service, environment) : undefined,
  ]);
  const firstSeq = deploymentStartSeq(deploymentId, deploymentEvents);
  const { previous } = priorDeployments(view, firstSeq, serviceEvents);
  const [previousCommitShas, resolvedIncidents] = await Promise.all([
    previous?.releaseId ? commitShas(store, tenant, previous.releaseId) : [],
    resolved(store, tenant, serviceEvents),
  ]);
  const briefing = handoffBriefing({
    deploymentId,
    deploymentEvents,
    releaseEvents,
    serviceEvents,
    resolvedIncidents,
    policy,
    previousCommitShas,
  });
  return json(200, { handoff: briefing });
});

async function commitShas(store: EventStore, tenant: string, releaseId: string): Promise<string[]> {
  const created = (await store.readStream(tenant, streamName('release', releaseId))).find(
    (e) => e.type === 'release.created',
  );
  const commits = (created?.data as { commits?: unknown } | undefined)?.commits;
  return Array.isArray(commits) ? commits.map((c) => String((c as { sha?: unknown } | null)?.sha)) : [];
}

/** Incidents opened on the service that have been resolved (each incident's stream holds its resolution). */
async function resolved(
  store: EventStore,
  tenant: string,
  serviceEvents: readonly StoredEvent[],
): Promise<Set<string>> {
  const opened = serviceEvents
    .filter((e) => e.type === 'incident.opened')
    .map((e) => String((e.data as Record<string, unknown>).incidentId));
  const closed = await Promise.all(
    [...new Set(opened)].map(async (incidentId) => {
      const history = await store.readStream(tenant, streamName('incident', incidentId));
      return history.some((e) => e.type === 'incident.resolved') ? [incidentId] : [];
    }),
  );
  return new Set(closed.flat());
}
