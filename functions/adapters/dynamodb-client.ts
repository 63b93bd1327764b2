import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type FunctionConfig, readConfig } from '../config.ts';
import { localCredentials } from './local-credentials.ts';

/**
 * The one DynamoDB client of a configuration, created once per container (Lambda reuses it across
 * invocations). Apart from `adapters()` so functions that read tables directly (digest, export, sealer)
 * do not bundle the event and token stores, and apart from the document client (its own file) because
 * lib-dynamodb does not declare itself free of side effects: importing it at all keeps it in a bundle,
 * and the sealer's scan needs only this low-level client.
 */
const clients = new Map<string, DynamoDBClient>();

export function dynamoDbClient(config: FunctionConfig = readConfig()): DynamoDBClient {
  const key = JSON.stringify(config);
  const cached = clients.get(key);
  if (cached) return cached;
  const created = new DynamoDBClient({
    region: config.region,
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint, credentials: localCredentials } : {}),
  });
  clients.set(key, created);
  return created;
}
