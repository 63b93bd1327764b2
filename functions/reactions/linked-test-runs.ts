import type { StoredEvent } from '../../domain/ledger/ledger-event.ts';
import { streamName } from '../../domain/ledger/streams.ts';
import { type LinkedTestRun, linkedTestRuns, linkKeysOf } from '../../domain/views/release-links.ts';
import type { adapters } from '../adapters/clients.ts';

type Store = ReturnType<typeof adapters>['eventStore'];

/**
 * A release's test runs linked by any rule (see `domain/views/release-links.ts`). Reads the chain and
 * artifact streams its own events name, in parallel; nothing is read when they name none.
 */
export async function readLinkedTestRuns(
  store: Store,
  tenant: string,
  releaseId: string,
  releaseEvents: readonly StoredEvent[],
  extra: readonly unknown[] = [],
): Promise<LinkedTestRun[]> {
  const keys = linkKeysOf(releaseEvents, extra);
  const [chains, artifacts] = await Promise.all([
    Promise.all(keys.chains.map((id) => store.readStream(tenant, streamName('chain', id)))),
    Promise.all(keys.artifacts.map((id) => store.readStream(tenant, streamName('artifact', id)))),
  ]);
  return linkedTestRuns(releaseId, releaseEvents, chains.flat(), artifacts.flat());
}
