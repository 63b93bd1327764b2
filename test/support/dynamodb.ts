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
  };
}
