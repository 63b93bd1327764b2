import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
async function streamRecordsFor(tenant: string, count: number): Promise<DynamoDBRecord[]> {
  const store = tables.store();
  for (let n = 0; n < count; n += 1)
    await store.appendEvents(tenant, [incoming('incident.resolved', { incidentId: `i${n}` })]);
  const { events } = await store.readLedger(tenant, 0, 100);
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
