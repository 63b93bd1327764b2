import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../functions/adapters/clients.ts';
import type { HttpEvent, HttpResult } from '../../functions/http/http-api.ts';
import { handler as postEvents } from '../../functions/http/post-events.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { cloudEvent } from '../support/http.ts';

let tables: TestTables;
/** Names of errors the DynamoDB client throws for its next calls, before reaching DynamoDB Local. */
let injected: string[] = [];

beforeAll(async () => {
  tables = await createTestTables();
  Object.assign(process.env, {
    LEDGER_EVENTS_TABLE: tables.eventsTable,
    LEDGER_STATE_TABLE: tables.stateTable,
    LEDGER_DYNAMODB_ENDPOINT: tables.endpoint,
  });
  // Throttling and outages cannot be produced on demand by a real engine: inject them in front of it.
  adapters().dynamoDb.middlewareStack.add(
    (next) => async (args) => {
      const name = injected.shift();
      if (name)
        throw Object.assign(new Error(`injected ${name}`), { name, $metadata: { httpStatusCode: 500 } });
      return next(args);
    },
    { step: 'initialize', name: 'faultInjection' },
  );
});

function post(body: unknown): Promise<HttpResult> {
  const event = {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { authorizer: { lambda: { tenant: 'faults', role: 'writer' } } },
  } as unknown as HttpEvent;
  return postEvents(event, {} as Context) as Promise<HttpResult>;
}

describe('when storage is unavailable', () => {
  it('answers 503 with Retry-After and stores nothing; the retried request stores the event once', async () => {
    const event = cloudEvent('incident.resolved', { incidentId: 'i-1' });
    injected = ['ProvisionedThroughputExceededException'];
    const refused = await post(event);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers).toMatchObject({ 'retry-after': '1' });
    expect(JSON.parse(String(refused.body)).error.code).toBe('storage_unavailable');
    expect((await adapters().eventStore.readLedger('faults', 0, 10)).events).toEqual([]);

    injected = ['InternalServerError'];
    expect((await post(event)).statusCode).toBe(503);
    expect((await post(event)).statusCode).toBe(201);
    expect((await post(event)).statusCode).toBe(200);
    expect((await adapters().eventStore.readLedger('faults', 0, 10)).events).toHaveLength(1);
  });
});
