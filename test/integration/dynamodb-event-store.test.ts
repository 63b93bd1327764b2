import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyConflictError } from '../../domain/ports/event-store.ts';
import { eventKeys, stateKeys } from '../../functions/adapters/ledger-tables.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
});

const deploymentStarted = (deploymentId: string, n: number) =>
  incoming('deployment.started', { deploymentId, environment: 'staging', service: 'api', version: `1.${n}` });

describe('DynamoDbEventStore', () => {
  it('gives 32 concurrent appends to one stream versions 1..32 and seqs without a gap', async () => {
    // Separate store instances do not share the in-process queue: the conditional writes decide.
    const tenant = 'contention';
    // The generous budget keeps a slow shared CI box from turning rebases into 503s: this is about order.
    const writers = Array.from({ length: 32 }, () =>
      tables.store({ serializeInProcess: false, appendBudgetMs: 60_000 }),
    );
    const outcomes = await Promise.all(
      writers.map((store, n) =>
        store.appendEvents(tenant, [incoming('incident.resolved', { incidentId: 'inc-1', n })]),
      ),
    );
    const versions = outcomes.map((o) => o.results[0]?.version).sort((a, b) => Number(a) - Number(b));
    expect(versions).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    const stream = await tables.store().readStream(tenant, 'incident/inc-1');
    expect(stream.map((e) => e.version)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    const ledger = await tables.store().readLedger(tenant, 0, 100);
    expect(ledger.events.map((e) => e.seq)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(await tables.store().verifyLedger(tenant)).toMatchObject({ ok: true, checked: 32 });
  });

  it('stores one event when the same event is posted 20 times concurrently', async () => {
    const tenant = 'duplicates';
    const event = incoming('release.created', { releaseId: 'r-1', service: 'api', version: '1.0.0' });
    const writers = Array.from({ length: 20 }, () =>
      tables.store({ serializeInProcess: false, appendBudgetMs: 60_000 }),
    );
    const outcomes = await Promise.all(writers.map((store) => store.appendEvents(tenant, [event])));
    expect(outcomes.filter((o) => o.status === 'created')).toHaveLength(1);
    expect(new Set(outcomes.map((o) => JSON.stringify(o.results)))).toHaveProperty('size', 1);
    const ledger = await tables.store().readLedger(tenant, 0, 100);
    expect(ledger.events).toHaveLength(1);
  });

  it('rejects the same (source, id) with another payload and changes nothing', async () => {
    const tenant = 'conflict';
    const store = tables.store();
    await store.appendEvents(tenant, [
      incoming('approval.granted', { releaseId: 'r', environment: 'prod', approver: 'a' }, { id: 'same' }),
    ]);
    const changed = incoming(
      'approval.granted',
      { releaseId: 'r', environment: 'prod', approver: 'b' },
      { id: 'same' },
    );
    await expect(store.appendEvents(tenant, [changed])).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect((await store.readLedger(tenant, 0, 10)).events).toHaveLength(1);
  });

  it('appends a batch all-or-nothing: a conflicting member rejects the whole batch', async () => {
    const tenant = 'batch';
    const store = tables.store();
    const first = incoming('tests.completed', { releaseId: 'r', suite: 'unit', passed: true }, { id: 't1' });
    await store.appendEvents(tenant, [first]);
    const conflicting = incoming(
      'tests.completed',
      { releaseId: 'r', suite: 'unit', passed: false },
      { id: 't1' },
    );
    const fresh = incoming('tests.completed', { releaseId: 'r', suite: 'e2e', passed: true }, { id: 't2' });
    await expect(store.appendEvents(tenant, [fresh, conflicting])).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    expect((await store.readLedger(tenant, 0, 10)).events.map((e) => e.id)).toEqual(['t1']);
    const outcome = await store.appendEvents(tenant, [first, fresh]);
    expect(outcome.status).toBe('created');
    expect(outcome.results.map((r) => r.seq)).toEqual([1, 2]);
  });

  it('creates a release implicitly for a deployment of an unknown service version', async () => {
    const tenant = 'implicit';
    const store = tables.store();
    const outcome = await store.appendEvents(tenant, [deploymentStarted('d-1', 7)]);
    expect(outcome.results).toHaveLength(1);
    expect(outcome.results[0]).toMatchObject({ seq: 2, stream: 'deployment/d-1', version: 1 });
    const [release, deployment] = (await store.readLedger(tenant, 0, 10)).events;
    expect(release).toMatchObject({
      type: 'release.created',
      data: { releaseId: 'api@1.7', implicit: true },
    });
    expect(deployment?.data).toMatchObject({ releaseId: 'api@1.7', service: 'api', version: '1.7' });
    const again = await store.appendEvents(tenant, [deploymentStarted('d-2', 7)]);
    expect(again.results[0]?.seq).toBe(3);
    expect((await store.listReleases(tenant, { limit: 10 })).releases.map((r) => r.releaseId)).toEqual([
      'api@1.7',
    ]);
  });

  it('keeps tenants apart: one tenant never reads another tenant’s events', async () => {
    const store = tables.store();
    await store.appendEvents('tenant-a', [incoming('incident.resolved', { incidentId: 'secret' })]);
    expect((await store.readLedger('tenant-b', 0, 10)).events).toEqual([]);
    expect(await store.readStream('tenant-b', 'incident/secret')).toEqual([]);
    expect(await store.verifyLedger('tenant-b')).toEqual({
      ok: true,
      checked: 0,
      head: { seq: 0, hash: '0'.repeat(64) },
    });
  });
});

describe('verifying the ledger after storage was edited behind the store', () => {
  async function ledgerOf(tenant: string, count: number) {
    const store = tables.store();
    for (let n = 1; n <= count; n += 1) {
      await store.appendEvents(tenant, [incoming('incident.resolved', { incidentId: `i-${n}` })]);
    }
    expect(await store.verifyLedger(tenant)).toMatchObject({ ok: true, checked: count });
    return store;
  }
  const entryKey = (tenant: string, seq: number) => ({ pk: eventKeys.ledger(tenant), sk: seq });
  const getEntry = async (tenant: string, seq: number) =>
    (
      await tables.documentClient.send(
        new GetCommand({ TableName: tables.eventsTable, Key: entryKey(tenant, seq) }),
      )
    ).Item as Record<string, unknown>;

  it('catches a modified body at its seq', async () => {
    const store = await ledgerOf('tamper-edit', 5);
    const item = await getEntry('tamper-edit', 3);
    const body = String(item.body).replace('i-3', 'i-X');
    await tables.documentClient.send(
      new UpdateCommand({
        TableName: tables.eventsTable,
        Key: entryKey('tamper-edit', 3),
        UpdateExpression: 'SET body = :b',
        ExpressionAttributeValues: { ':b': body },
      }),
    );
    expect(await store.verifyLedger('tamper-edit')).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('catches a deleted event at its seq', async () => {
    const store = await ledgerOf('tamper-delete', 5);
    await tables.documentClient.send(
      new DeleteCommand({ TableName: tables.eventsTable, Key: entryKey('tamper-delete', 4) }),
    );
    expect(await store.verifyLedger('tamper-delete')).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it('catches two swapped events at the first of them', async () => {
    const store = await ledgerOf('tamper-swap', 5);
    const two = await getEntry('tamper-swap', 2);
    const three = await getEntry('tamper-swap', 3);
    await tables.documentClient.send(
      new PutCommand({ TableName: tables.eventsTable, Item: { ...three, sk: 2 } }),
    );
    await tables.documentClient.send(
      new PutCommand({ TableName: tables.eventsTable, Item: { ...two, sk: 3 } }),
    );
    expect(await store.verifyLedger('tamper-swap')).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('catches an event inserted past the head and a head rolled back', async () => {
    const store = await ledgerOf('tamper-insert', 3);
    const last = await getEntry('tamper-insert', 3);
    await tables.documentClient.send(
      new PutCommand({ TableName: tables.eventsTable, Item: { ...last, sk: 4 } }),
    );
    expect(await store.verifyLedger('tamper-insert')).toMatchObject({ ok: false, firstBadSeq: 4 });

    const rolled = await ledgerOf('tamper-head', 3);
    const second = await getEntry('tamper-head', 2);
    await tables.documentClient.send(
      new PutCommand({
        TableName: tables.stateTable,
        Item: { ...stateKeys.ledgerHead('tamper-head'), seq: 2, chainHash: second.chainHash },
      }),
    );
    expect(await rolled.verifyLedger('tamper-head')).toMatchObject({ ok: false, firstBadSeq: 3 });
  });
});
