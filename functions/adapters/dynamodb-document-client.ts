import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDbClient } from './dynamodb-client.ts';
import { perConfiguration } from './per-configuration.ts';

/**
 * The configuration's DynamoDB client with document (un)marshalling, which the stores use; the same
 * instance `adapters().dynamoDb` hands out.
 */
export const documentClient = /* @__PURE__ */ perConfiguration((config) =>
  DynamoDBDocumentClient.from(dynamoDbClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  }),
);
