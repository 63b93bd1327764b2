import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type FunctionConfig, readConfig } from '../config.ts';
import { documentClient as sharedDocumentClient } from './dynamodb-document-client.ts';
import { DynamoDbEventStore } from './dynamodb-event-store.ts';
import { DynamoDbTokenStore } from './dynamodb-token-store.ts';

/**
 * Clients are created once per container (Lambda reuses them across invocations) and per
 * configuration, so the local runtime can run several isolated ledgers in one process.
 */
const cache = new Map<string, Adapters>();

export interface Adapters {
  readonly config: FunctionConfig;
  /** The one DynamoDB client of this configuration (tests inject storage faults through its middleware). */
  readonly dynamoDb: DynamoDBDocumentClient;
  readonly eventStore: DynamoDbEventStore;
  readonly tokenStore: DynamoDbTokenStore;
  // The EventBridge client is not here but in event-bus.ts, so only the relay's bundle carries it.
}

export function adapters(config: FunctionConfig = readConfig()): Adapters {
  const key = JSON.stringify(config);
  const cached = cache.get(key);
  if (cached) return cached;
  const documentClient = sharedDocumentClient(config);
  const created: Adapters = {
    config,
    dynamoDb: documentClient,
    eventStore: new DynamoDbEventStore({
      client: documentClient,
      eventsTable: config.eventsTable,
      stateTable: config.stateTable,
    }),
    tokenStore: new DynamoDbTokenStore({ client: documentClient, stateTable: config.stateTable }),
  };
  cache.set(key, created);
  return created;
}
