import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { GitHubAppCredentials } from './github-app.ts';
import { callStorage } from './storage-errors.ts';

/** The item of a tenant's GitHub App, beside its webhook secrets (tenant-prefixed, never a token). */
const key = (tenant: string) => ({ pk: `${tenant}#integration#github-app`, sk: 'github-app' });

/**
 * Each tenant's GitHub App id and private key, in the state table, stored as is like webhook secrets
 * (signing needs the key itself); on AWS the table is encrypted with the stack's KMS key.
 */
export class DynamoDbGitHubAppStore {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly stateTable: string },
  ) {}

  async find(tenant: string): Promise<GitHubAppCredentials | undefined> {
    const { Item } = await callStorage(() =>
      this.options.client.send(
        new GetCommand({ TableName: this.options.stateTable, Key: key(tenant), ConsistentRead: true }),
      ),
    );
    if (!Item || typeof Item.appId !== 'string' || typeof Item.privateKey !== 'string') return undefined;
    return { appId: Item.appId, privateKey: Item.privateKey };
  }

  /** Sets (or replaces) the app; answers whether the tenant had one before. */
  async put(tenant: string, app: GitHubAppCredentials, now: Date): Promise<boolean> {
    const { Attributes } = await callStorage(() =>
      this.options.client.send(
        new PutCommand({
          TableName: this.options.stateTable,
          Item: {
            ...key(tenant),
            appId: app.appId,
            privateKey: app.privateKey,
            updatedAt: now.toISOString(),
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    return Attributes !== undefined;
  }
}
