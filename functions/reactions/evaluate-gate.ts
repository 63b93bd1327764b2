import type { EventBridgeEvent } from 'aws-lambda';
import { evaluateGate } from '../../domain/gates/evaluate-gate.ts';
import { before } from '../../domain/gates/gate-facts.ts';
import { streamName } from '../../domain/ledger/streams.ts';
import { adapters } from '../adapters/clients.ts';
import { appendDecision, policyAsOf, verifiedTrigger } from './ledger-reader.ts';
import { readLinkedTestRuns } from './linked-test-runs.ts';
import { readPairHistory } from './pair-history.ts';

/**
 * `deployment.requested` → `gate.evaluated`. The decision sees only what the ledger held before the
 * request and judges at the request's recording time, so a duplicate or late delivery decides the same
 * and replays; the decision's identity is the request's position.
 */
export async function handler(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const { eventStore: store } = adapters();
  const trigger = await verifiedTrigger(store, event, ['deployment.requested']);
  if (!trigger) return;
  const { detail, data } = trigger;
  const deploymentId = String(data.deploymentId);
  const environment = String(data.environment);
  const service = typeof data.service === 'string' ? data.service : null;
  const releaseId = typeof data.releaseId === 'string' ? data.releaseId : null;
  const { tenant, seq } = detail;

  const [policy, releaseEvents, serviceEvents] = await Promise.all([
    service ? policyAsOf(store, tenant, service, environment, seq) : undefined,
    releaseId ? store.readStream(tenant, streamName('release', releaseId)) : [],
    service ? readPairHistory(store, tenant, 'service', service, environment) : [],
  ]);
  // Test runs tied to the release by its CDEvents chain or artifact, as well as those that name it.
  const linkedRuns = releaseId
    ? await readLinkedTestRuns(store, tenant, releaseId, before(seq, releaseEvents), [data])
    : [];
  // A handoff for this deployment is in its own stream; only read when the policy waits for one.
  const deploymentEvents = policy?.policy.onCall?.requireHandoff
    ? before(seq, await store.readStream(tenant, streamName('deployment', deploymentId)))
    : [];
  const earlierServiceEvents = before(seq, serviceEvents);
  const resolvedIncidents = await resolvedBefore(tenant, seq, earlierServiceEvents);
  const decision = evaluateGate({
    request: {
      deploymentId,
      releaseId,
      service,
      environment,
      seq,
      recordedAt: detail.recordedAt,
      ...(data.dryRun === true ? { dryRun: true } : {}),
      ...(typeof data.evaluationId === 'string' ? { evaluationId: data.evaluationId } : {}),
    },
    policy,
    releaseEvents: before(seq, releaseEvents),
    linkedTestRuns: before(
      seq,
      linkedRuns.map((run) => run.event),
    ),
    deploymentEvents,
    serviceEvents: earlierServiceEvents,
    resolvedIncidents,
  });
  await appendDecision(store, tenant, 'gate.evaluated', `gate:${deploymentId}:${seq}`, decision);
}

/** Incidents opened on the service that were resolved before the request (incident streams hold both). */
async function resolvedBefore(
  tenant: string,
  seq: number,
  serviceEvents: readonly { type: string; data: unknown }[],
): Promise<Set<string>> {
  const { eventStore: store } = adapters();
  const opened = serviceEvents
    .filter((e) => e.type === 'incident.opened')
    .map((e) => String((e.data as Record<string, unknown>).incidentId));
  const resolved = await Promise.all(
    [...new Set(opened)].map(async (incidentId) => {
      const history = await store.readStream(tenant, streamName('incident', incidentId));
      return before(seq, history).some((e) => e.type === 'incident.resolved') ? [incidentId] : [];
    }),
  );
  return new Set(resolved.flat());
}
