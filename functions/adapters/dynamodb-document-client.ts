import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type FunctionConfig, readConfig } from '../config.ts';
import { dynamoDbClient } from './dynamodb-client.ts';

/**
 * The configuration's DynamoDB client with document (un)marshalling, which the stores use; cached like
 * the client it wraps, and the same instance `adapters().dynamoDb` hands out.
 */
const documentClients = new Map<string, DynamoDBDocumentClient>();

export function documentClient(config: FunctionConfig = readConfig()): DynamoDBDocumentClient {
  const key = JSON.stringify(config);
  const cached = documentClients.get(key);
  if (cached) return cached;
  const created = DynamoDBDocumentClient.from(dynamoDbClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
  documentClients.set(key, created);
  return created;
}
