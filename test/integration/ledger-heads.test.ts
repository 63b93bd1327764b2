import { beforeAll, describe, expect, it } from 'vitest';
import type { LedgerHead } from '../../domain/ledger/ledger-digest.ts';
import {
  listLedgerHeads,
  loadSealerCursor,
  saveSealerCursor,
} from '../../functions/adapters/dynamodb-ledger-heads.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
  const store = tables.store();
  for (const [tenant, count] of [
    ['alpha', 3],
    ['beta', 1],
    ['gamma', 2],
  ] as const) {
    for (let n = 0; n < count; n += 1) {
      await store.appendEvents(tenant, [incoming('incident.resolved', { incidentId: `${tenant}-${n}` })]);
    }
  }
});

const byTenant = (heads: LedgerHead[]) => heads.sort((a, b) => a.tenant.localeCompare(b.tenant));

async function expectedHeads(tenants: readonly string[]) {
  const store = tables.store();
  return Promise.all(
    tenants.map(async (tenant) => {
      const last = (await store.readLedger(tenant, 0, 10)).events.at(-1);
      return { tenant, seq: last?.seq, chainHash: last?.hash };
    }),
  );
}

describe('listLedgerHeads (what the digest sealer signs)', () => {
  it('finds every tenant’s head through the sparse head index, with the seq and chain hash the store reports', async () => {
    const heads: LedgerHead[] = [];
    for await (const page of listLedgerHeads(tables.client, tables.stateTable)) heads.push(...page.heads);
    expect(byTenant(heads)).toEqual(await expectedHeads(['alpha', 'beta', 'gamma']));
  });

  it('resumes after the page where an earlier run stopped, and the saved cursor says where that was', async () => {
    const first = await listLedgerHeads(tables.client, tables.stateTable, { pageSize: 2 })
      [Symbol.asyncIterator]()
      .next();
    const page = first.value as { heads: LedgerHead[]; next: Record<string, unknown> | undefined };
    expect(page.heads).toHaveLength(2);
    expect(page.next).toBeDefined();
    await saveSealerCursor(tables.client, tables.stateTable, page.next as never);

    const rest: LedgerHead[] = [];
    const startAfter = await loadSealerCursor(tables.client, tables.stateTable);
    for await (const next of listLedgerHeads(tables.client, tables.stateTable, { startAfter, pageSize: 2 })) {
      rest.push(...next.heads);
    }
    expect(byTenant([...page.heads, ...rest])).toEqual(await expectedHeads(['alpha', 'beta', 'gamma']));

    await saveSealerCursor(tables.client, tables.stateTable, undefined);
    expect(await loadSealerCursor(tables.client, tables.stateTable)).toBeUndefined();
  });
});
