import type { StoredEvent } from '../../domain/ledger/ledger-event.ts';
import { legacyPairStream, ownPairEvents, policyStream, serviceStream } from '../../domain/ledger/streams.ts';
import type { EventStore } from '../../domain/ports/event-store.ts';

/**
 * A service's history in an environment, or its policy stream. Names with `/` or `%` also have events
 * under the stream name used before names were encoded; both are read and only the pair's own kept.
 */
export async function readPairHistory(
  store: EventStore,
  tenant: string,
  type: 'service' | 'policy',
  service: string,
  environment: string,
): Promise<readonly StoredEvent[]> {
  const current =
    type === 'service' ? serviceStream(service, environment) : policyStream(service, environment);
  const legacy = legacyPairStream(type, service, environment);
  if (!legacy) return store.readStream(tenant, current);
  const [older, newer] = await Promise.all([
    store.readStream(tenant, legacy),
    store.readStream(tenant, current),
  ]);
  return ownPairEvents(service, environment, older, newer);
}
