import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { bulkLoad } from '../../bench/bulk-load.ts';
import { bulkProject } from '../../bench/bulk-projection.ts';
import { syntheticHistory } from '../../bench/synthetic-history.ts';
import { DEFAULT_DORA_DEFINITIONS } from '../../domain/dora/definitions.ts';
import { doraWindow } from '../../domain/dora/dora-metrics.ts';
import { DynamoDbDoraStore } from '../../functions/adapters/dynamodb-dora-store.ts';
import { catchUp } from '../../functions/dora/catch-up.ts';
import { doraReader } from '../../functions/dora/dora-reader.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';

const EVENTS = 800;
const end = new Date(Date.UTC(2026, 5, 1));
let tables: TestTables;
let doraStore: DynamoDbDoraStore;

/** Every DORA item of a tenant, keys stripped of the tenant so two tenants' projections compare. */
async function doraItems(tenant: string) {
  const items: string[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await tables.documentClient.send(
      new ScanCommand({ TableName: tables.stateTable, ExclusiveStartKey }),
    );
    for (const item of page.Items ?? []) {
      const pk = String(item.pk);
      if (!pk.startsWith(`${tenant}#dora#`)) continue;
      const commits = item.releases instanceof Set ? { releases: [...item.releases].sort() } : {};
      items.push(JSON.stringify({ ...item, ...commits, pk: pk.slice(tenant.length) }));
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items.sort();
}

beforeAll(async () => {
  tables = await createTestTables();
  doraStore = new DynamoDbDoraStore({ client: tables.documentClient, stateTable: tables.stateTable });
  const clock = () => end;
  for (const tenant of ['by-projector', 'by-fold']) {
    await bulkLoad(tenant, syntheticHistory(EVENTS, end), EVENTS, {
      client: tables.documentClient,
      eventsTable: tables.eventsTable,
      stateTable: tables.stateTable,
      eventsPerAppend: 10,
      clock,
    });
  }
  const eventStore = tables.store();
  const deps = { eventStore, doraStore, definitions: DEFAULT_DORA_DEFINITIONS };
  const rebuilt = await catchUp('by-projector', {
    ...deps,
    now: () => Date.now(),
    deadline: Date.now() + 600_000,
  });
  expect(rebuilt.caughtUp).toBe(true);
  await bulkProject('by-fold', EVENTS, {
    ...deps,
    client: tables.documentClient,
    stateTable: tables.stateTable,
  });
}, 600_000);

describe('the bench bulk projection build', () => {
  it('stores exactly the items the projector stores for the same history', async () => {
    const [projected, folded] = await Promise.all([doraItems('by-projector'), doraItems('by-fold')]);
    // Documents of every kind, the checkpoint and the active pointer.
    expect(projected.length).toBeGreaterThan(EVENTS);
    expect(folded).toEqual(projected);
  });

  it('answers a one-year query from the projection as the projector-built one does', async () => {
    const window = doraWindow(new Date(end.getTime() - 365 * 86_400_000).toISOString(), end.toISOString());
    const deps = { eventStore: tables.store(), doraStore, definitions: DEFAULT_DORA_DEFINITIONS };
    const [a, b] = await Promise.all(
      ['by-projector', 'by-fold'].map((tenant) =>
        doraReader(tenant, deps).metrics({}, window, 'month', undefined),
      ),
    );
    expect(b).toEqual(a);
    expect(b?.source).toMatchObject({ kind: 'projection', seq: EVENTS });
  });
});
