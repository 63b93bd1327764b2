import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FunctionConfig } from '../config.ts';
import { documentClient } from './dynamodb-document-client.ts';
import { DynamoDbEventStore } from './dynamodb-event-store.ts';
import { DynamoDbTokenStore } from './dynamodb-token-store.ts';
import { perContainer } from './per-configuration.ts';

export interface Adapters {
  readonly config: FunctionConfig;
  /** The one DynamoDB client of this configuration (tests inject storage faults through its middleware). */
  readonly dynamoDb: DynamoDBDocumentClient;
  readonly eventStore: DynamoDbEventStore;
  readonly tokenStore: DynamoDbTokenStore;
  // The EventBridge client is not here but in event-bus.ts, so only the relay's bundle carries it.
}

/**
 * The stores of a configuration over its one document client, one set per container: a store's group
 * commit and append memory belong to the function using it, as they do on Lambda.
 */
export const adapters = /* @__PURE__ */ perContainer((config): Adapters => {
  const client = documentClient(config);
  return {
    config,
    dynamoDb: client,
    eventStore: new DynamoDbEventStore({
      client,
      eventsTable: config.eventsTable,
      stateTable: config.stateTable,
      contention: config.appendContention,
    }),
    tokenStore: new DynamoDbTokenStore({ client, stateTable: config.stateTable }),
  };
});
