import { beforeAll, describe, expect, it } from 'vitest';
import { scanLedgerHeads } from '../../functions/adapters/dynamodb-ledger-heads.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
});

describe('scanLedgerHeads (what the digest sealer signs)', () => {
  it('finds every tenant’s head, with the seq and chain hash the store reports', async () => {
    const store = tables.store();
    for (const [tenant, count] of [
      ['alpha', 3],
      ['beta', 1],
    ] as const) {
      for (let n = 0; n < count; n += 1) {
        await store.appendEvents(tenant, [incoming('incident.resolved', { incidentId: `${tenant}-${n}` })]);
      }
    }
    const heads = [];
    for await (const head of scanLedgerHeads(tables.client, tables.stateTable)) heads.push(head);
    const expected = await Promise.all(
      ['alpha', 'beta'].map(async (tenant) => {
        const page = await store.readLedger(tenant, 0, 10);
        const last = page.events.at(-1);
        return { tenant, seq: last?.seq, chainHash: last?.hash };
      }),
    );
    expect(heads.sort((a, b) => a.tenant.localeCompare(b.tenant))).toEqual(expected);
  });
});
