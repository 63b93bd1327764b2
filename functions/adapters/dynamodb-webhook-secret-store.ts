import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { WebhookConfig } from '../../domain/webhooks/read-webhook.ts';
import type { WebhookProvider } from '../../domain/webhooks/webhook-event.ts';
import { stateKeys } from './ledger-tables.ts';
import { callStorage } from './storage-errors.ts';

/**
 * Each tenant's webhook secret per provider, in the state table. Unlike tokens the secret is stored as is:
 * verifying an HMAC needs the key itself. On AWS the table is encrypted at rest with the stack's
 * customer-managed KMS key; Secrets Manager would add per-secret access policies and rotation.
 */
export class DynamoDbWebhookSecretStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly stateTable: string;

  constructor(options: { readonly client: DynamoDBDocumentClient; readonly stateTable: string }) {
    this.client = options.client;
    this.stateTable = options.stateTable;
  }

  async find(tenant: string, provider: WebhookProvider): Promise<WebhookConfig | undefined> {
    const { Item } = await callStorage(() =>
      this.client.send(
        new GetCommand({
          TableName: this.stateTable,
          Key: stateKeys.webhook(tenant, provider),
          ConsistentRead: true,
        }),
      ),
    );
    if (!Item || typeof Item.secret !== 'string') return undefined;
    return {
      secret: Item.secret,
      environment: typeof Item.environment === 'string' ? Item.environment : undefined,
      serviceLabel: typeof Item.serviceLabel === 'string' ? Item.serviceLabel : undefined,
      environmentLabel: typeof Item.environmentLabel === 'string' ? Item.environmentLabel : undefined,
    };
  }

  /** Sets (or rotates) the secret; answers whether the tenant had one for this provider before. */
  async put(tenant: string, provider: WebhookProvider, config: WebhookConfig, now: Date): Promise<boolean> {
    const { Attributes } = await callStorage(() =>
      this.client.send(
        new PutCommand({
          TableName: this.stateTable,
          Item: {
            ...stateKeys.webhook(tenant, provider),
            secret: config.secret,
            environment: config.environment,
            serviceLabel: config.serviceLabel,
            environmentLabel: config.environmentLabel,
            updatedAt: now.toISOString(),
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    return Attributes !== undefined;
  }
}
