import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchTooLargeError, IdempotencyConflictError } from '../../domain/ports/event-store.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming, testRun } from '../support/incoming-events.ts';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
});

describe('group commit: concurrent appends to one tenant share transactions', () => {
  it('commits 16 concurrent appends in fewer transactions, each with its own result, seqs gapless', async () => {
    const tenant = 'grouped';
    const { store, sent } = tables.countingStore();
    const outcomes = await Promise.all(
      Array.from({ length: 16 }, (_, n) => store.appendEvents(tenant, [testRun(tenant, n)])),
    );
    expect(outcomes.every((o) => o.status === 'created')).toBe(true);
    expect(outcomes.map((o) => o.results[0]?.id)).toEqual(
      Array.from({ length: 16 }, (_, n) => `${tenant}-t${n}`),
    );
    // Submission order is ledger order.
    expect(outcomes.map((o) => o.results[0]?.seq)).toEqual(Array.from({ length: 16 }, (_, n) => n + 1));
    expect(sent.TransactWriteItems).toBeLessThan(16);
    expect(await store.verifyLedger(tenant)).toMatchObject({ ok: true, checked: 16 });
  });

  it('answers a conflicting submission 409 alone while the rest of its group is stored', async () => {
    const tenant = 'grouped-conflict';
    const { store } = tables.countingStore();
    await store.appendEvents(tenant, [testRun(tenant, 0)]);
    const changed = incoming(
      'tests.completed',
      { releaseId: `${tenant}-r`, suite: 'suite-0', passed: false },
      { id: `${tenant}-t0` },
    );
    const submissions = [[testRun(tenant, 1)], [changed], [testRun(tenant, 2)]];
    const settled = await Promise.allSettled(submissions.map((events) => store.appendEvents(tenant, events)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyConflictError);
    const ledger = await store.readLedger(tenant, 0, 10);
    expect(ledger.events.map((e) => e.id)).toEqual([`${tenant}-t0`, `${tenant}-t1`, `${tenant}-t2`]);
  });

  it('stores an event posted several times concurrently once: later copies replay the first', async () => {
    const tenant = 'grouped-retries';
    const { store } = tables.countingStore();
    const event = testRun(tenant, 1);
    const outcomes = await Promise.all([
      store.appendEvents(tenant, [testRun(tenant, 0)]),
      store.appendEvents(tenant, [event]),
      store.appendEvents(tenant, [event]),
      store.appendEvents(tenant, [event]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created', 'replayed', 'replayed']);
    expect(new Set(outcomes.slice(1).map((o) => JSON.stringify(o.results)))).toHaveProperty('size', 1);
    expect((await store.readLedger(tenant, 0, 10)).events).toHaveLength(2);
  });

  const deployments = (tenant: string, prefix: string, count: number) =>
    Array.from({ length: count }, (_, n) =>
      incoming('deployment.started', {
        deploymentId: `${tenant}-${prefix}${n}`,
        environment: `env-${n}`,
        service: `${prefix}-svc-${n}`,
        version: '1.0.0',
      }),
    );

  it('splits a group whose transaction would exceed DynamoDB’s 100 items, storing every submission', async () => {
    const tenant = 'grouped-split';
    const { store } = tables.countingStore();
    const [first, a, b] = await Promise.all([
      store.appendEvents(tenant, [testRun(tenant, 1)]),
      // Each fits one transaction alone (a new service's deployment also records its implicit release);
      // together they do not.
      store.appendEvents(tenant, deployments(tenant, 'a', 6)),
      store.appendEvents(tenant, deployments(tenant, 'b', 6)),
    ]);
    expect([first.status, a.status, b.status]).toEqual(['created', 'created', 'created']);
    const lastOfA = Math.max(...a.results.map((r) => r.seq));
    expect(Math.min(...b.results.map((r) => r.seq))).toBeGreaterThan(lastOfA);
    expect(await store.verifyLedger(tenant)).toMatchObject({ ok: true, checked: 1 + 12 * 2 });
  });

  it('packs a group by bytes: 16 concurrent ~300 KB events are each stored, under 4 MB a transaction', async () => {
    // Given 16 events of 140 KB each (stored with their original beside them: ~280 KB apiece, 4.5 MB).
    const tenant = 'grouped-bytes';
    const { store, sent } = tables.countingStore();
    const notes = 'x'.repeat(140 * 1024);
    // When they are appended concurrently, so they queue behind one another for one group commit.
    const settled = await Promise.allSettled(
      Array.from({ length: 16 }, (_, n) =>
        store.appendEvents(tenant, [incoming('incident.resolved', { incidentId: `i${n}`, notes })]),
      ),
    );
    // Then every one is stored, in submission order, and the chain verifies.
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value.status : String(s.reason)))).toEqual(
      Array.from({ length: 16 }, () => 'created'),
    );
    expect(await store.verifyLedger(tenant)).toMatchObject({ ok: true, checked: 16 });
    expect(sent.TransactWriteItems).toBeGreaterThan(1);
  });

  it('runs against a DynamoDB Local that refuses a transaction over 4 MB, as DynamoDB does', async () => {
    // The guarantee above is only tested if the engine enforces the limit; DynamoDB Local does.
    const blob = 'b'.repeat(350 * 1024);
    const puts = Array.from({ length: 12 }, (_, n) => ({
      Put: { TableName: tables.stateTable, Item: { pk: `limit-probe-${n}`, sk: 'probe', blob } },
    }));
    await expect(
      tables.documentClient.send(new TransactWriteCommand({ TransactItems: puts })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/4 ?MB/) });
    // Each item alone is well within DynamoDB's limits.
    await tables.documentClient.send(new PutCommand(puts[0]?.Put as never));
  });

  it('rejects a batch too large for one transaction alone, storing its group-mates', async () => {
    const tenant = 'grouped-too-large';
    const { store } = tables.countingStore();
    const settled = await Promise.allSettled([
      store.appendEvents(tenant, [testRun(tenant, 1)]),
      store.appendEvents(tenant, deployments(tenant, 'd', 12)),
      store.appendEvents(tenant, [testRun(tenant, 2)]),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(BatchTooLargeError);
    expect((await store.readLedger(tenant, 0, 100)).events.map((e) => e.id)).toEqual([
      `${tenant}-t1`,
      `${tenant}-t2`,
    ]);
  });
});
