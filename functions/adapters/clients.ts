import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type FunctionConfig, readConfig } from '../config.ts';
import { DynamoDbEventStore } from './dynamodb-event-store.ts';
import { DynamoDbTokenStore } from './dynamodb-token-store.ts';

// Locally the endpoints are loopback stand-ins that do not check signatures; any credentials will do.
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

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
  readonly eventBridge: EventBridgeClient;
}

export function adapters(config: FunctionConfig = readConfig()): Adapters {
  const key = JSON.stringify(config);
  const cached = cache.get(key);
  if (cached) return cached;
  const dynamoDb = new DynamoDBClient({
    region: config.region,
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint, credentials: localCredentials } : {}),
  });
  const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const created: Adapters = {
    config,
    dynamoDb: documentClient,
    eventStore: new DynamoDbEventStore({
      client: documentClient,
      eventsTable: config.eventsTable,
      stateTable: config.stateTable,
    }),
    tokenStore: new DynamoDbTokenStore({ client: documentClient, stateTable: config.stateTable }),
    eventBridge: new EventBridgeClient({
      region: config.region,
      ...(config.eventBusEndpoint
        ? { endpoint: config.eventBusEndpoint, credentials: localCredentials }
        : {}),
    }),
  };
  cache.set(key, created);
  return created;
}
