import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import {
  DynamoDbEventStore,
  type DynamoDbEventStoreOptions,
} from '../../functions/adapters/dynamodb-event-store.ts';
import { ensureLedgerTables } from '../../infra/local/ledger-tables-local.ts';

export interface TestTables {
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  readonly eventsTable: string;
  readonly stateTable: string;
  readonly endpoint: string;
  store(options?: Partial<DynamoDbEventStoreOptions>): DynamoDbEventStore;
  /**
   * A document client of its own that counts the requests it sends, by operation: round trips, not timings.
   * `beforeSend` runs before each request with its operation and count (a test injects a fault there).
   */
  countingClient(beforeSend?: BeforeSend): { client: DynamoDBDocumentClient; sent: Record<string, number> };
  /** A store on a counting client. */
  countingStore(options?: Partial<DynamoDbEventStoreOptions>): {
    store: DynamoDbEventStore;
    sent: Record<string, number>;
  };
}

/** Fresh, uniquely named ledger tables on the run's DynamoDB Local. */
export async function createTestTables(): Promise<TestTables> {
  const endpoint = inject('dynamoDbEndpoint');
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const suffix = randomUUID().slice(0, 8);
  const names = { eventsTable: `events-${suffix}`, stateTable: `state-${suffix}` };
  await ensureLedgerTables(client, names);
  return {
    client,
    documentClient,
    endpoint,
    ...names,
    store: (options = {}) => new DynamoDbEventStore({ client: documentClient, ...names, ...options }),
    countingClient: (beforeSend) => countingClient(endpoint, beforeSend),
    countingStore: (options = {}) => {
      const { client: counted, sent } = countingClient(endpoint);
      return { store: new DynamoDbEventStore({ client: counted, ...names, ...options }), sent };
    },
  };
}

/** Runs before a counting client's request: its operation (`TransactWriteItems`) and its count so far. */
export type BeforeSend = (operation: string, count: number) => Promise<void> | void;

function countingClient(
  endpoint: string,
  beforeSend?: BeforeSend,
): { client: DynamoDBDocumentClient; sent: Record<string, number> } {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const sent: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName).replace(/Command$/, '');
      sent[name] = (sent[name] ?? 0) + 1;
      await beforeSend?.(name, sent[name]);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { client, sent };
}
