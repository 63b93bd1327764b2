import { beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyConflictError } from '../../domain/ports/event-store.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming, testRun } from '../support/incoming-events.ts';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
});

describe('appends after this process’s own: the last commit stands in for the read', () => {
  it('sends the next append as one transaction with no read before it', async () => {
    const tenant = 'memory-sequential';
    const { store, sent } = tables.countingStore();
    await store.appendEvents(tenant, [testRun(tenant, 0)]);
    expect(sent).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
    for (let n = 1; n <= 5; n += 1) await store.appendEvents(tenant, [testRun(tenant, n)]);
    expect(sent).toEqual({ BatchGetItem: 1, TransactWriteItems: 6 });
    expect(await store.verifyLedger(tenant)).toMatchObject({ ok: true, checked: 6 });
  });

  it('recovers from a head moved by another writer: one cancelled transaction, then the right seq', async () => {
    const tenant = 'memory-stale-head';
    const { store: ours, sent } = tables.countingStore();
    const theirs = tables.store();
    await ours.appendEvents(tenant, [testRun(tenant, 0)]);
    await theirs.appendEvents(tenant, [testRun(tenant, 1)]);
    const outcome = await ours.appendEvents(tenant, [testRun(tenant, 2)]);
    expect(outcome.results[0]).toMatchObject({ seq: 3, version: 3, stream: `release/${tenant}-r` });
    expect(sent).toEqual({ BatchGetItem: 2, TransactWriteItems: 3 });
    expect(await ours.verifyLedger(tenant)).toMatchObject({ ok: true, checked: 3 });
  });

  it('replays an event another process stored, though this one guessed it was new', async () => {
    const tenant = 'memory-retry';
    const { store: ours } = tables.countingStore();
    const theirs = tables.store();
    await ours.appendEvents(tenant, [testRun(tenant, 0)]);
    const event = testRun(tenant, 1);
    const first = await theirs.appendEvents(tenant, [event]);
    const retry = await ours.appendEvents(tenant, [event]);
    expect(retry).toEqual({ status: 'replayed', results: first.results });
    expect((await ours.readLedger(tenant, 0, 10)).events).toHaveLength(2);
  });

  it('reads the release a deployment names when another process created it', async () => {
    const tenant = 'memory-release';
    const { store: ours } = tables.countingStore();
    const theirs = tables.store();
    await ours.appendEvents(tenant, [testRun(tenant, 0)]);
    await theirs.appendEvents(tenant, [
      incoming('release.created', { releaseId: 'web-2', service: 'web', version: '2.0.0' }),
    ]);
    await ours.appendEvents(tenant, [
      incoming('deployment.started', { deploymentId: 'dep-1', releaseId: 'web-2', environment: 'prod' }),
    ]);
    const [deployment] = await ours.readStream(tenant, 'deployment/dep-1');
    expect(deployment?.data).toMatchObject({ releaseId: 'web-2', service: 'web', version: '2.0.0' });
  });

  it('answers a retry of an event it stored itself without a round trip, and a changed copy with 409', async () => {
    const tenant = 'memory-own-retry';
    const { store, sent } = tables.countingStore();
    const event = testRun(tenant, 0);
    const first = await store.appendEvents(tenant, [event]);
    await expect(store.appendEvents(tenant, [event])).resolves.toEqual({
      status: 'replayed',
      results: first.results,
    });
    const changed = incoming(
      'tests.completed',
      { releaseId: `${tenant}-r`, suite: 'suite-0', passed: false },
      { id: `${tenant}-t0` },
    );
    await expect(store.appendEvents(tenant, [changed])).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(sent).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
  });

  it('guesses nothing when appends are not serialised in this process', async () => {
    const tenant = 'memory-off';
    const { store, sent } = tables.countingStore({ serializeInProcess: false });
    await store.appendEvents(tenant, [testRun(tenant, 0)]);
    await store.appendEvents(tenant, [testRun(tenant, 1)]);
    expect(sent).toEqual({ BatchGetItem: 2, TransactWriteItems: 2 });
  });
});
