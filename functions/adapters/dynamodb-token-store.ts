import { createHash, randomBytes } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../domain/auth/roles.ts';
import { StorageUnavailableError } from '../../domain/ports/event-store.ts';
import { stateKeys } from './ledger-tables.ts';
import { isRetryableStorageError } from './storage-errors.ts';

export interface TokenGrant {
  readonly tenant: string;
  readonly role: Role;
}

/** Only SHA-256 hashes of tokens are stored: a leaked table does not leak credentials. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): string {
  return `rl_${randomBytes(24).toString('base64url')}`;
}

export class DynamoDbTokenStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly stateTable: string;

  constructor(options: { readonly client: DynamoDBDocumentClient; readonly stateTable: string }) {
    this.client = options.client;
    this.stateTable = options.stateTable;
  }

  async find(token: string): Promise<TokenGrant | undefined> {
    return this.findByHash(hashToken(token));
  }

  /** For callers that already hashed the token (the authorizer keys what it remembers by the hash). */
  async findByHash(tokenHash: string): Promise<TokenGrant | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.stateTable,
          Key: stateKeys.token(tokenHash),
          ConsistentRead: true,
        }),
      );
      return Item ? { tenant: String(Item.tenant), role: Item.role as Role } : undefined;
    } catch (error) {
      if (isRetryableStorageError(error))
        throw new StorageUnavailableError('token storage unavailable', 1, { cause: error });
      throw error;
    }
  }

  /** Stores a grant for a token; re-granting the same token replaces its tenant and role. */
  async grant(token: string, grant: TokenGrant, now: Date = new Date()): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.stateTable,
        Item: { ...stateKeys.token(hashToken(token)), ...grant, createdAt: now.toISOString() },
      }),
    );
  }

  /** Returns whether a token existed. */
  async revoke(token: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({
        TableName: this.stateTable,
        Key: stateKeys.token(hashToken(token)),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes !== undefined;
  }
}
