import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type FunctionConfig, readConfig } from '../config.ts';
import { localCredentials } from './local-credentials.ts';

/**
 * The one DynamoDB client of a configuration, created once per container (Lambda reuses it across
 * invocations). Apart from `adapters()` so functions that read tables directly (digest, export, sealer)
 * do not bundle the event and token stores; `adapters()` hands out this same client.
 */
const cache = new Map<string, DynamoDBDocumentClient>();

export function documentClient(config: FunctionConfig = readConfig()): DynamoDBDocumentClient {
  const key = JSON.stringify(config);
  const cached = cache.get(key);
  if (cached) return cached;
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint, credentials: localCredentials } : {}),
  });
  const created = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  cache.set(key, created);
  return created;
}
