import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type DoraDefinitions, definitionsVersion } from '../domain/dora/definitions.ts';
import { projectEvents } from '../domain/dora/projection.ts';
import { MemoryProjectionStore } from '../domain/dora/projection-store.ts';
import type { StoredEvent } from '../domain/ledger/ledger-event.ts';
import type { EventStore } from '../domain/ports/event-store.ts';
import type { DynamoDbDoraStore } from '../functions/adapters/dynamodb-dora-store.ts';
import { stateKeys } from '../functions/adapters/ledger-tables.ts';
import { catchUp } from '../functions/dora/catch-up.ts';
import { batchWriter } from './batch-writer.ts';
import { progress } from './stats.ts';

export interface BulkProjectionOptions {
  readonly client: DynamoDBDocumentClient;
  readonly stateTable: string;
  readonly eventStore: EventStore;
  readonly doraStore: DynamoDbDoraStore;
  readonly definitions: DoraDefinitions;
  /** BatchWriteItem requests in flight. @default 8 */
  readonly concurrency?: number;
  /** Shows a progress bar on stderr with this label. */
  readonly label?: string;
}

/** The projector's page size: the fold gives the same documents for any batching, this just matches it. */
const FOLD_BATCH = 100;
const LEDGER_PAGE = 1000;

/**
 * Builds a tenant's DORA projection from empty without the projector's per-batch transactions: reads the
 * ledger in seq order, runs the projection's own pure fold over it in memory, then writes every document
 * as the store would (`documentItem`) with BatchWriteItem, and the checkpoint at the last seq. The real
 * projector then finds nothing to do and activates the version, as it would after catching up.
 * For bench histories too large to rebuild through the projector in the time available.
 */
export async function bulkProject(
  tenant: string,
  total: number,
  options: BulkProjectionOptions,
): Promise<{ readonly events: number; readonly documents: number; readonly eventsPerSec: number }> {
  const { eventStore, doraStore, definitions } = options;
  const version = definitionsVersion(definitions);
  const store = new MemoryProjectionStore();
  const tick = options.label ? progress(options.label, total) : () => {};
  const started = performance.now();
  let seq = 0;
  for (let after = 0; ; ) {
    const page = await eventStore.readLedger(tenant, after, LEDGER_PAGE);
    for (let start = 0; start < page.events.length; start += FOLD_BATCH) {
      projectEvents(store, page.events.slice(start, start + FOLD_BATCH) as StoredEvent[], definitions);
    }
    seq = page.events.at(-1)?.seq ?? seq;
    tick(Math.min(seq, total));
    if (page.next === undefined) break;
    after = page.next;
  }
  const writer = batchWriter(options.client, options.concurrency ?? 8);
  for (const { key, value } of store.docs.values()) {
    await writer.put(options.stateTable, doraStore.documentItem(tenant, version, key, value));
  }
  await writer.put(options.stateTable, { ...stateKeys.doraCheckpoint(tenant, version), seq });
  await writer.flush();
  const caughtUp = await catchUp(tenant, {
    eventStore,
    doraStore,
    definitions,
    now: () => Date.now(),
    deadline: Date.now() + 60_000,
  });
  if (!caughtUp.caughtUp || caughtUp.batches !== 0) {
    throw new Error(`the projector still had ${caughtUp.batches} batches to do after a bulk build`);
  }
  tick(total);
  return {
    events: seq,
    documents: store.docs.size,
    eventsPerSec: seq / ((performance.now() - started) / 1000),
  };
}
