import type { EventBridgeEvent } from 'aws-lambda';
import { gateBypass } from '../../domain/gates/gate-bypass.ts';
import { before } from '../../domain/gates/gate-facts.ts';
import { streamName } from '../../domain/ledger/streams.ts';
import { adapters } from '../adapters/clients.ts';
import { appendDecision, policyAsOf, verifiedTrigger } from './ledger-reader.ts';

/**
 * `deployment.started` / `deployment.succeeded` → `gate.bypassed` when the deployment went ahead although
 * its gate had failed or not answered (or was never asked while a policy required one). The ledger
 * records what happened; this marks it for auditors.
 */
export async function handler(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const { eventStore: store } = adapters();
  const trigger = await verifiedTrigger(store, event, [
    'deployment.started',
    'deployment.progressed',
    'deployment.succeeded',
  ]);
  if (!trigger) return;
  const { detail, data } = trigger;
  const deploymentId = String(data.deploymentId);
  const environment = String(data.environment);
  const service = typeof data.service === 'string' ? data.service : null;
  const history = before(
    detail.seq,
    await store.readStream(detail.tenant, streamName('deployment', deploymentId)),
  );
  const policy = service
    ? await policyAsOf(store, detail.tenant, service, environment, detail.seq)
    : undefined;
  const bypass = gateBypass({
    event: { type: detail.type, seq: detail.seq, data },
    history,
    policyRequired: policy !== undefined,
  });
  if (bypass)
    await appendDecision(store, detail.tenant, 'gate.bypassed', `gate-bypass:${deploymentId}`, bypass);
}
