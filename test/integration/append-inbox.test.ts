import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IncomingEvent } from '../../domain/ledger/ledger-event.ts';
import { type AppendOutcome, StorageUnavailableError } from '../../domain/ports/event-store.ts';
import {
  DynamoDbEventStore,
  type DynamoDbEventStoreOptions,
} from '../../functions/adapters/dynamodb-event-store.ts';
import { stateKeys } from '../../functions/adapters/ledger-tables.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
});

/** Runs before the n-th request of that kind a store sends (1-based): where a test injects its fault. */
type Hooks = Partial<Record<'TransactWriteItems' | 'Query', Record<number, () => Promise<void>>>>;

/**
 * A store as a Lambda container builds it (its own client, the defaults), on a client that counts its
 * requests and runs the hooks before chosen ones: another writer moving the head, or a pause.
 */
function container(hooks: Hooks = {}, options: Partial<DynamoDbEventStoreOptions> = {}) {
  const { client, sent } = tables.countingClient(async (operation, count) => {
    await hooks[operation as keyof Hooks]?.[count]?.();
  });
  const store = new DynamoDbEventStore({
    client,
    eventsTable: tables.eventsTable,
    stateTable: tables.stateTable,
    // Opt-in (LEDGER_APPEND_CONTENTION=inbox): these are the inbox's own guarantees.
    contention: 'inbox',
    ...options,
  });
  return { store, sent };
}

const testRun = (tenant: string, writer: number, n: number): IncomingEvent =>
  incoming('tests.completed', { releaseId: `${tenant}-r${n % 3}`, suite: `w${writer}-${n}`, passed: true });

async function inboxItems(tenant: string) {
  const response = await tables.documentClient.send(
    new QueryCommand({
      TableName: tables.stateTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': stateKeys.inbox(tenant, '').pk },
      ConsistentRead: true,
    }),
  );
  return response.Items ?? [];
}

async function sequencerLease(tenant: string) {
  const response = await tables.documentClient.send(
    new GetCommand({ TableName: tables.stateTable, Key: stateKeys.sequencer(tenant), ConsistentRead: true }),
  );
  return response.Item;
}

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('the append inbox (independent writers on one tenant, as separate Lambda containers)', () => {
  it('appends every event of 32 containers writing one tenant at once, seqs gapless, chain intact', async () => {
    const tenant = 'inbox-many';
    const WRITERS = 32;
    const EACH = 2;
    const outcomes: AppendOutcome[] = [];
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        // A generous budget: a slow shared box must not turn this test of order into one of speed.
        const { store } = container({}, { appendBudgetMs: 60_000 });
        for (let n = 0; n < EACH; n += 1)
          outcomes.push(await store.appendEvents(tenant, [testRun(tenant, writer, n)]));
      }),
    );

    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(WRITERS * EACH).fill('created'));
    const seqs = outcomes.flatMap((outcome) => outcome.results.map((result) => result.seq));
    expect(seqs.sort((a, b) => a - b)).toEqual(oneTo(WRITERS * EACH));
    const ledger = await tables.store().readLedger(tenant, 0, 1000);
    expect(ledger.events.map((event) => event.seq)).toEqual(oneTo(WRITERS * EACH));
    expect(new Set(ledger.events.map((event) => event.data.suite)).size).toBe(WRITERS * EACH);
    // Every writer was answered with exactly what the ledger holds at its seq.
    const bySeq = new Map(ledger.events.map((event) => [event.seq, event]));
    for (const [result] of outcomes.map((outcome) => outcome.results)) {
      expect(bySeq.get(result?.seq ?? 0)).toMatchObject({ id: result?.id, hash: result?.hash });
    }
    expect(await tables.store().verifyLedger(tenant)).toMatchObject({ ok: true, checked: WRITERS * EACH });
    expect(await inboxItems(tenant)).toEqual([]);
    // The last sequencer handed its lease back rather than leaving the next burst to wait for expiry.
    expect(await sequencerLease(tenant)).toBeUndefined();
  }, 180_000);

  it('stores each event once when three containers send it at the same moment, twice over', async () => {
    const tenant = 'inbox-copies';
    const EVENTS = 12;
    const events = Array.from({ length: EVENTS }, (_, n) => testRun(tenant, 0, n));
    const answers = await Promise.all(
      [0, 1].flatMap(() =>
        events.flatMap((event) =>
          [0, 1, 2].map(() => container({}, { appendBudgetMs: 60_000 }).store.appendEvents(tenant, [event])),
        ),
      ),
    );

    const ledger = await tables.store().readLedger(tenant, 0, 1000);
    expect(ledger.events.map((event) => event.seq)).toEqual(oneTo(EVENTS));
    for (const event of events) {
      const mine = answers.filter((answer) => answer.results[0]?.id === event.id);
      expect(mine.filter((answer) => answer.status === 'created')).toHaveLength(1);
      expect(new Set(mine.map((answer) => JSON.stringify(answer.results)))).toHaveProperty('size', 1);
    }
    expect(await tables.store().verifyLedger(tenant)).toMatchObject({ ok: true, checked: EVENTS });
    expect(await inboxItems(tenant)).toEqual([]);
    expect(await sequencerLease(tenant)).toBeUndefined();
  }, 180_000);

  it('answers a waiting writer with the seq and hash another writer appended its event at', async () => {
    const tenant = 'inbox-handoff';
    const mover = container().store;
    const sequencer = container().store;
    await sequencer.appendEvents(tenant, [testRun(tenant, 1, 0)]);
    let sequencerAppended: Promise<AppendOutcome> | undefined;
    // The waiting writer's direct try loses to another container; once its submission waits in the
    // inbox, and before it looks again, the sequencer (whose remembered head is stale by then, so it
    // conflicts and goes through the inbox too) appends its own event and the waiting one together.
    const waiting = container({
      TransactWriteItems: { 1: async () => void (await mover.appendEvents(tenant, [testRun(tenant, 2, 0)])) },
      Query: {
        1: async () => {
          sequencerAppended = sequencer.appendEvents(tenant, [testRun(tenant, 1, 1)]);
          await sequencerAppended;
        },
      },
    });

    const answer = await waiting.store.appendEvents(tenant, [testRun(tenant, 3, 0)]);

    const appended = await sequencerAppended;
    expect(answer.status).toBe('created');
    expect(appended?.status).toBe('created');
    // Its only transaction was the direct try that lost: the sequencer's transaction carried its event.
    expect(waiting.sent.TransactWriteItems).toBe(1);
    const ledger = await tables.store().readLedger(tenant, 0, 100);
    expect(ledger.events.map((event) => event.seq)).toEqual(oneTo(4));
    const stored = ledger.events.find((event) => event.seq === answer.results[0]?.seq);
    expect(stored).toMatchObject({ data: { suite: 'w3-0' }, hash: answer.results[0]?.hash });
    // One transaction: the sequencer's event and the waiting one are neighbours, recorded at one instant.
    const together = ledger.events.filter((event) =>
      [appended?.results[0]?.seq, answer.results[0]?.seq].includes(event.seq),
    );
    expect(together.map((event) => event.seq)).toEqual([3, 4]);
    expect(new Set(together.map((event) => event.recordedAt)).size).toBe(1);
    expect(await tables.store().verifyLedger(tenant)).toMatchObject({ ok: true, checked: 4 });
    expect(await inboxItems(tenant)).toEqual([]);
  });

  it('takes a submission back before answering 503, so nobody appends it later and its retry is created', async () => {
    const tenant = 'inbox-give-up';
    // A writer that does not stand back for the lease (a container still on the rebase strategy, as
    // during a rollout): the only way the head moves under a live sequencer's round.
    const mover = container({}, { contention: 'rebase' }).store;
    const moveHead = (n: number) => async () =>
      void (await mover.appendEvents(tenant, [testRun(tenant, 9, n)]));
    // No budget: the first inbox round that loses the head answers 503.
    const giving = container(
      { TransactWriteItems: { 1: moveHead(0), 2: moveHead(1) } },
      { appendBudgetMs: 0 },
    );
    const event = testRun(tenant, 1, 0);

    await expect(giving.store.appendEvents(tenant, [event])).rejects.toBeInstanceOf(StorageUnavailableError);

    expect(await inboxItems(tenant)).toEqual([]);
    // Another container in the inbox path afterwards does not find it waiting.
    const later = container({ TransactWriteItems: { 1: moveHead(2) } });
    await later.store.appendEvents(tenant, [testRun(tenant, 2, 0)]);
    const ledger = await tables.store().readLedger(tenant, 0, 100);
    expect(ledger.events.map((stored) => stored.data.suite)).toEqual(['w9-0', 'w9-1', 'w9-2', 'w2-0']);

    const retried = await giving.store.appendEvents(tenant, [event]);
    expect(retried.status).toBe('created');
    expect(retried.results[0]?.seq).toBe(5);
    expect(await tables.store().verifyLedger(tenant)).toMatchObject({ ok: true, checked: 5 });
  });

  it('takes over the lease of a sequencer that died holding it, once the lease runs out', async () => {
    const tenant = 'inbox-dead-sequencer';
    const mover = container({}, { contention: 'rebase' }).store;
    await mover.appendEvents(tenant, [testRun(tenant, 9, 0)]);
    // A container that took the lease and then vanished (killed at its timeout): nobody renews or
    // releases it, so it only runs out.
    const leasedAt = Date.now();
    await tables.documentClient.send(
      new PutCommand({
        TableName: tables.stateTable,
        Item: { ...stateKeys.sequencer(tenant), owner: 'dead-container', until: leasedAt + 600, roundMs: 50 },
      }),
    );
    // Its direct try loses the head, so it must go through the inbox, where the dead lease stands.
    const waiting = container({
      TransactWriteItems: { 1: async () => void (await mover.appendEvents(tenant, [testRun(tenant, 9, 1)])) },
    });

    const answer = await waiting.store.appendEvents(tenant, [testRun(tenant, 1, 0)]);

    expect(answer.status).toBe('created');
    expect(answer.results[0]?.seq).toBe(3);
    // It could only have been appended by a sequencer: it waited the lease out, then became one.
    expect(Date.now()).toBeGreaterThanOrEqual(leasedAt + 600);
    expect(waiting.sent.TransactWriteItems).toBe(2);
    expect(await sequencerLease(tenant)).toBeUndefined();
    expect(await inboxItems(tenant)).toEqual([]);
    expect(await tables.store().verifyLedger(tenant)).toMatchObject({ ok: true, checked: 3 });
  });

  it('stands back from a live sequencer: a direct try while another container holds the lease waits its turn', async () => {
    const tenant = 'inbox-stand-back';
    await tables.store().appendEvents(tenant, [testRun(tenant, 9, 0)]);
    // Another container is sequencing this tenant (then vanishes, so nobody appends on its behalf).
    const leasedAt = Date.now();
    await tables.documentClient.send(
      new PutCommand({
        TableName: tables.stateTable,
        Item: { ...stateKeys.sequencer(tenant), owner: 'busy-container', until: leasedAt + 400, roundMs: 40 },
      }),
    );
    const writer = container();

    const answer = await writer.store.appendEvents(tenant, [testRun(tenant, 1, 0)]);

    // Nothing else moved the head, yet the direct try was cancelled: the lease stood, so the writer
    // queued behind it and appended only once it could hold the lease itself.
    expect(answer.status).toBe('created');
    expect(answer.results[0]?.seq).toBe(2);
    expect(writer.sent.TransactWriteItems).toBe(2);
    expect(Date.now()).toBeGreaterThanOrEqual(leasedAt + 400);
    expect(await inboxItems(tenant)).toEqual([]);
    expect(await sequencerLease(tenant)).toBeUndefined();
    expect(await tables.store().verifyLedger(tenant)).toMatchObject({ ok: true, checked: 2 });
  });

  it('commits no round of a sequencer whose lease another writer has taken over', async () => {
    const tenant = 'inbox-fenced';
    const mover = container({}, { contention: 'rebase' }).store;
    // Its direct try loses the head, so it takes the lease; just before its round is sent, another
    // writer holds the lease (as after a pause longer than the lease, when the lease ran out).
    const fenced = container(
      {
        TransactWriteItems: {
          1: async () => void (await mover.appendEvents(tenant, [testRun(tenant, 9, 0)])),
          2: async () =>
            void (await tables.documentClient.send(
              new PutCommand({
                TableName: tables.stateTable,
                Item: {
                  ...stateKeys.sequencer(tenant),
                  owner: 'usurper',
                  until: Date.now() + 60_000,
                  roundMs: 40,
                },
              }),
            )),
        },
      },
      { appendBudgetMs: 0 },
    );

    await expect(fenced.store.appendEvents(tenant, [testRun(tenant, 1, 0)])).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );

    // The round was cancelled by its own lease check, so only the other writer's event is stored.
    const ledger = await tables.store().readLedger(tenant, 0, 100);
    expect(ledger.events.map((stored) => stored.data.suite)).toEqual(['w9-0']);
    expect(await sequencerLease(tenant)).toMatchObject({ owner: 'usurper' });
    expect(await inboxItems(tenant)).toEqual([]);
  });
});
