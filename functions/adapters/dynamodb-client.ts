import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localCredentials } from './local-credentials.ts';
import { hostedClient, perConfiguration } from './per-configuration.ts';

/**
 * The one DynamoDB client of a configuration. Apart from `adapters()` so functions that read tables
 * directly (digest, export, sealer) do not bundle the event and token stores, and apart from the document
 * client (its own file) because lib-dynamodb does not declare itself free of side effects: importing it at
 * all keeps it in a bundle, and the sealer's scan needs only this low-level client.
 */
export const dynamoDbClient = /* @__PURE__ */ perConfiguration((config) =>
  hostedClient(
    new DynamoDBClient({
      region: config.region,
      ...(config.dynamoDbEndpoint
        ? { endpoint: config.dynamoDbEndpoint, credentials: localCredentials }
        : {}),
    }),
  ),
);
