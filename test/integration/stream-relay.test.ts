import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../domain/ledger/ledger-event.ts';
import { eventBus } from '../../functions/adapters/event-bus.ts';
import { handler } from '../../functions/stream/relay-to-bus.ts';
import { type EventBridgeEvent, type RunningEventBus, startEventBus } from '../../infra/local/event-bus.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

let tables: TestTables;
let bus: RunningEventBus;
const delivered: EventBridgeEvent[] = [];
/** Fault injection: how the bus answers the next PutEvents calls (real calls when empty). */
let faults: ('throw' | ((entryCount: number) => { ErrorCode?: string }[]))[] = [];

beforeAll(async () => {
  tables = await createTestTables();
  bus = await startEventBus({
    rules: [
      {
        name: 'all',
        eventPattern: { source: ['release-ledger'] },
        target: async (e) => void delivered.push(e),
      },
    ],
  });
  Object.assign(process.env, {
    LEDGER_EVENTS_TABLE: tables.eventsTable,
    LEDGER_STATE_TABLE: tables.stateTable,
    LEDGER_DYNAMODB_ENDPOINT: tables.endpoint,
    LEDGER_EVENT_BUS_ENDPOINT: bus.endpoint,
  });
  // A real client against the real stand-in; the middleware only injects the faults a test asks for.
  eventBus().middlewareStack.add(
    (next) => async (args) => {
      const fault = faults.shift();
      if (fault === 'throw')
        throw Object.assign(new Error('bus unavailable'), { name: 'ServiceUnavailable' });
      if (!fault) return next(args);
      // Refused entries never reach the bus, as with EventBridge; the answer keeps request order.
      const input = args.input as { Entries: unknown[] };
      const answers = fault(input.Entries.length);
      const accepted = input.Entries.filter((_, i) => !answers[i]?.ErrorCode);
      const result = await next({ ...args, input: { ...input, Entries: accepted } as typeof args.input });
      const output = result.output as {
        Entries?: { EventId?: string; ErrorCode?: string }[];
        FailedEntryCount?: number;
      };
      const real = [...(output.Entries ?? [])];
      output.Entries = input.Entries.map((_, i) =>
        answers[i]?.ErrorCode ? { ErrorCode: answers[i]?.ErrorCode } : (real.shift() ?? {}),
      );
      output.FailedEntryCount = output.Entries.filter((e) => e.ErrorCode).length;
      return result;
    },
    { step: 'initialize', name: 'faultInjection' },
  );
});

afterAll(async () => {
  await bus?.close();
});

beforeEach(() => {
  delivered.length = 0;
  faults = [];
});

/** Stream records exactly as DynamoDB Streams would carry the items the store wrote. */
async function streamRecordsFor(tenant: string, count: number, notesBytes = 0): Promise<DynamoDBRecord[]> {
  const store = tables.store();
  const notes = notesBytes > 0 ? { notes: 'n'.repeat(notesBytes) } : {};
  for (let n = 0; n < count; n += 1)
    await store.appendEvents(tenant, [incoming('incident.resolved', { incidentId: `i${n}`, ...notes })]);
  // A Query answers at most 1 MB, so large events take several pages.
  const events: StoredEvent[] = [];
  for (let after: number | undefined = 0; after !== undefined; ) {
    const page = await store.readLedger(tenant, after, 100);
    events.push(...page.events);
    after = page.next;
  }
  const records: DynamoDBRecord[] = [];
  for (const event of events) {
    const entry = {
      pk: `${tenant}#ledger`,
      sk: event.seq,
      kind: 'entry',
      body: JSON.stringify(event),
      chainHash: event.hash,
      eventHash: event.eventHash,
    };
    const pointer = {
      pk: `${tenant}#stream#${event.stream}`,
      sk: event.version,
      kind: 'pointer',
      seq: event.seq,
    };
    for (const [index, item] of [entry, pointer].entries()) {
      records.push({
        eventName: 'INSERT',
        dynamodb: {
          SequenceNumber: `${event.seq}${index}`,
          NewImage: marshall(item) as Record<string, AttributeValue> as never,
        },
      });
    }
  }
  return records;
}

describe('the stream relay', () => {
  it('publishes every ledger entry (not the stream pointers) with the event type as detail-type', async () => {
    const Records = await streamRecordsFor('relay-ok', 3);
    expect(await handler({ Records } as DynamoDBStreamEvent)).toEqual({ batchItemFailures: [] });
    await bus.idle();
    expect(delivered.map((e) => [e['detail-type'], (e.detail as { seq: number }).seq])).toEqual([
      ['incident.resolved', 1],
      ['incident.resolved', 2],
      ['incident.resolved', 3],
    ]);
    expect(delivered[0]?.detail).toMatchObject({
      tenant: 'relay-ok',
      stream: 'incident/i0',
      data: { incidentId: 'i0' },
    });
  });

  it('packs PutEvents calls by bytes, so twelve 60 KB events are all published, each once', async () => {
    // Given 12 events of 60 KB: ten in one call would be 600 KB, over PutEvents' 256 KB a request.
    const Records = await streamRecordsFor('relay-large', 12, 60 * 1024);
    // When the relay publishes them to a bus that enforces the request limit.
    const response = await handler({ Records } as DynamoDBStreamEvent);
    // Then nothing is left for the stream to redeliver, and every event arrived once with its data.
    expect(response).toEqual({ batchItemFailures: [] });
    await bus.idle();
    expect(delivered.map((e) => (e.detail as { seq: number }).seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect(
      delivered.every((e) => (e.detail as { data: { notes: string } }).data.notes.length === 60 * 1024),
    ).toBe(true);
  });

  it('retries entries the bus refused and a call that failed whole, delivering each once', async () => {
    const Records = await streamRecordsFor('relay-retry', 3);
    faults = [
      'throw',
      (n) => Array.from({ length: n }, (_, i) => (i === 1 ? { ErrorCode: 'ThrottlingException' } : {})),
    ];
    expect(await handler({ Records } as DynamoDBStreamEvent)).toEqual({ batchItemFailures: [] });
    await bus.idle();
    expect(delivered.map((e) => (e.detail as { seq: number }).seq).sort()).toEqual([1, 2, 3]);
  });

  it('reports the first record it could not publish, so the stream redelivers from there', async () => {
    const Records = await streamRecordsFor('relay-fail', 3);
    const failSecond = (n: number) =>
      Array.from({ length: n }, (_, i) => (i === 1 ? { ErrorCode: 'InternalFailure' } : {}));
    const failOnlyFirst = () => [{ ErrorCode: 'InternalFailure' }];
    faults = [failSecond, failOnlyFirst, failOnlyFirst, failOnlyFirst];
    const response = await handler({ Records } as DynamoDBStreamEvent);
    // Records are entry/pointer pairs: the second entry is record index 2.
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: Records[2]?.dynamodb?.SequenceNumber }],
    });
    await bus.idle();
    expect(delivered.map((e) => (e.detail as { seq: number }).seq)).toEqual(expect.arrayContaining([1, 3]));
    expect(delivered.map((e) => (e.detail as { seq: number }).seq)).not.toContain(2);
  });
});
