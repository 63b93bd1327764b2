import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DeadLetter,
  type EventBridgeEvent,
  type RunningEventBus,
  startEventBus,
} from '../../infra/local/event-bus.ts';

const ACCOUNT = '123456789012';
const MAX_ATTEMPTS = 4;

const received = {
  orders: [] as EventBridgeEvent[],
  other: [] as EventBridgeEvent[],
  batch: [] as EventBridgeEvent[],
  flaky: [] as EventBridgeEvent[],
};
let flakyAttempts = 0;
let brokenAttempts = 0;
const deadLetters: DeadLetter[] = [];
const logLines: string[] = [];

let bus: RunningEventBus;
let client: EventBridgeClient;

beforeAll(async () => {
  bus = await startEventBus({
    account: ACCOUNT,
    retry: { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 5 },
    onDeadLetter: (entry) => deadLetters.push(entry),
    log: (line) => logLines.push(line),
    rules: [
      {
        name: 'big-orders',
        eventPattern: {
          source: ['test.orders'],
          'detail-type': ['OrderPlaced'],
          detail: { total: [{ numeric: ['>', 100] }] },
        },
        target: async (event) => {
          received.orders.push(event);
        },
      },
      {
        name: 'other-source',
        eventPattern: { source: ['test.other'] },
        target: async (event) => {
          received.other.push(event);
        },
      },
      {
        name: 'batch',
        eventPattern: { source: ['test.batch'] },
        target: async (event) => {
          received.batch.push(event);
        },
      },
      {
        name: 'flaky',
        eventPattern: { source: ['test.flaky'] },
        target: async (event) => {
          flakyAttempts += 1;
          if (flakyAttempts <= 2) throw new Error(`flaky failure ${flakyAttempts}`);
          received.flaky.push(event);
        },
      },
      {
        name: 'broken',
        eventPattern: { source: ['test.broken'] },
        target: async () => {
          brokenAttempts += 1;
          throw new Error('target is down');
        },
      },
    ],
  });
  client = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: bus.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client?.destroy();
  await bus?.close();
});

const entry = (source: string, detail: unknown, extra: Partial<PutEventsRequestEntry> = {}) => ({
  Source: source,
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify(detail),
  ...extra,
});

describe('local event bus, driven by the real EventBridgeClient', () => {
  it('listens on an ephemeral port', () => {
    expect(bus.port).toBeGreaterThan(0);
    expect(bus.endpoint).toBe(`http://127.0.0.1:${bus.port}`);
  });

  it('delivers the EventBridge event shape to a matching rule and nothing to the others', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry(
            'test.orders',
            { orderId: 'o-1', total: 150 },
            {
              Resources: ['arn:aws:test:us-east-1:123456789012:order/o-1'],
              Time: new Date('2024-05-01T12:00:00.000Z'),
            },
          ),
          entry('test.orders', { orderId: 'o-2', total: 20 }),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    const [first, second] = result.Entries ?? [];
    expect(first?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.EventId).toMatch(/^[0-9a-f-]{36}$/);

    await bus.idle();
    expect(received.orders).toEqual([
      {
        version: '0',
        id: first?.EventId,
        'detail-type': 'OrderPlaced',
        source: 'test.orders',
        account: ACCOUNT,
        time: '2024-05-01T12:00:00Z',
        region: 'us-east-1',
        resources: ['arn:aws:test:us-east-1:123456789012:order/o-1'],
        detail: { orderId: 'o-1', total: 150 },
      },
    ]);
    expect(received.other).toEqual([]);
    expect(received.batch).toEqual([]);
  });

  it('rejects more than 10 entries with a ValidationException', async () => {
    const before = bus.stats();
    const entries = Array.from({ length: 11 }, (_, n) => entry('test.batch', { n }));
    const error = await client.send(new PutEventsCommand({ Entries: entries })).then(
      () => undefined,
      (thrown: unknown) => thrown as Error & { $metadata?: { httpStatusCode?: number } },
    );
    expect(error?.name).toBe('ValidationException');
    expect(error?.message).toContain('less than or equal to 10');
    expect(error?.$metadata?.httpStatusCode).toBe(400);
    await bus.idle();
    expect(bus.stats().received).toBe(before.received);
    expect(received.batch).toEqual([]);
  });

  it('accepts exactly 10 entries', async () => {
    const entries = Array.from({ length: 10 }, (_, n) => entry('test.batch', { n }));
    const result = await client.send(new PutEventsCommand({ Entries: entries }));
    expect(result.FailedEntryCount).toBe(0);
    await bus.idle();
    expect(received.batch.map((event) => (event.detail as { n: number }).n).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });

  it('fails a malformed Detail per entry while the other entries succeed', async () => {
    const before = bus.stats();
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry('test.other', { n: 1 }),
          { Source: 'test.other', DetailType: 'OrderPlaced', Detail: '{"n": 2' },
          entry('test.other', { n: 3 }),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries).toHaveLength(3);
    expect(result.Entries?.[0]?.EventId).toEqual(expect.any(String));
    expect(result.Entries?.[1]).toEqual({
      ErrorCode: 'MalformedDetail',
      ErrorMessage: 'Detail is malformed.',
    });
    expect(result.Entries?.[2]?.EventId).toEqual(expect.any(String));
    await bus.idle();
    expect(received.other.map((event) => event.detail)).toEqual([{ n: 1 }, { n: 3 }]);
    expect(bus.stats().received).toBe(before.received + 2);
  });

  it('fails entries that miss a required field or carry a non-object Detail', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'test.batch', Detail: '{}' },
          { Source: 'test.batch', DetailType: 'OrderPlaced', Detail: '[1, 2]' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.map((e) => e.ErrorCode)).toEqual(['InvalidArgument', 'MalformedDetail']);
    expect(result.Entries?.[0]?.ErrorMessage).toContain('DetailType');
  });

  it('rejects a request whose entries sum past 256 KB, though each is under it, and routes none', async () => {
    // Given three entries of 100 KB each: every one fits, the request does not.
    const before = bus.stats();
    const entries = [1, 2, 3].map((n) => entry('test.batch', { n, blob: 'x'.repeat(100 * 1024) }));
    // When they are sent in one PutEvents, then the SDK throws what EventBridge answers.
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(bus.stats().received).toBe(before.received);
  });

  it('accepts a request whose entries, sized as EventBridge sizes them, total exactly 256 KB', async () => {
    // Size = UTF-8 bytes of Source + DetailType + Detail (+ 14 for a Time, + each Resource).
    const fixed = Buffer.byteLength('test.batchOrderPlaced') + 14 + Buffer.byteLength('arn:r');
    const detailOf = (bytes: number) => JSON.stringify({ b: 'é'.repeat((bytes - 8) / 2) });
    const first = detailOf(128 * 1024 - fixed);
    const second = detailOf(128 * 1024 - fixed);
    const sized = (detail: string) => ({
      Source: 'test.batch',
      DetailType: 'OrderPlaced',
      Detail: detail,
      Time: new Date(),
      Resources: ['arn:r'],
    });
    expect(Buffer.byteLength(first) + fixed).toBe(128 * 1024);
    const result = await client.send(new PutEventsCommand({ Entries: [sized(first), sized(second)] }));
    expect(result.FailedEntryCount).toBe(0);
    await expect(
      client.send(new PutEventsCommand({ Entries: [sized(first), sized(`${second} `)] })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('retries a target that throws twice, then delivers the event once', async () => {
    const before = bus.stats();
    const result = await client.send(new PutEventsCommand({ Entries: [entry('test.flaky', { n: 1 })] }));
    expect(result.FailedEntryCount).toBe(0);
    await bus.idle();
    expect(flakyAttempts).toBe(3);
    expect(received.flaky).toHaveLength(1);
    expect(received.flaky[0]?.id).toBe(result.Entries?.[0]?.EventId);
    expect(deadLetters.filter((d) => d.rule === 'flaky')).toEqual([]);
    expect(bus.stats().delivered - before.delivered).toBe(1);
  });

  it('dead-letters an event whose target fails every attempt', async () => {
    const before = bus.stats();
    const result = await client.send(new PutEventsCommand({ Entries: [entry('test.broken', { n: 1 })] }));
    expect(result.FailedEntryCount).toBe(0);
    await bus.idle();
    expect(brokenAttempts).toBe(MAX_ATTEMPTS);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.rule).toBe('broken');
    expect(deadLetters[0]?.event.id).toBe(result.Entries?.[0]?.EventId);
    expect(deadLetters[0]?.event.detail).toEqual({ n: 1 });
    expect(deadLetters[0]?.error).toMatchObject({ message: 'target is down' });
    expect(bus.stats().deadLettered - before.deadLettered).toBe(1);
  });

  it('routes to rules added and not to rules removed at run time', async () => {
    const added: EventBridgeEvent[] = [];
    bus.addRule({
      name: 'added',
      eventPattern: { source: ['test.added'], detail: { kind: [{ prefix: 'rel' }] } },
      target: async (event) => {
        added.push(event);
      },
    });
    await client.send(new PutEventsCommand({ Entries: [entry('test.added', { kind: 'release' })] }));
    await bus.idle();
    bus.removeRule('added');
    await client.send(new PutEventsCommand({ Entries: [entry('test.added', { kind: 'release' })] }));
    await bus.idle();
    expect(added.map((event) => event.detail)).toEqual([{ kind: 'release' }]);
    expect(() => bus.addRule({ name: 'bad', eventPattern: { source: 'x' }, target: async () => {} })).toThrow(
      /invalid pattern/,
    );
  });

  it('answers an unknown X-Amz-Target with a 400 UnknownOperationException', async () => {
    const response = await fetch(`${bus.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutRule' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await response.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'Operation PutRule is not supported',
    });
  });
});
