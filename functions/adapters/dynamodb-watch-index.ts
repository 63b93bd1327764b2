import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { stateKeys } from './ledger-tables.ts';

/** A production deployment under watch, until its outcome is recorded. */
export interface OpenWatch {
  readonly tenant: string;
  readonly deploymentId: string;
  readonly service: string;
  readonly environment: string;
  readonly hours: number;
  /** When the watch ends (ISO): the item's sort key starts with it. */
  readonly dueAt: string;
}

/**
 * The index of open watches: one item per watched deployment in one partition, sorted by when the
 * watch ends, so finding the due ones is one Query that reads only them. Puts are idempotent (the key
 * is derived from the deployment), so a duplicate delivery of a success rewrites the same item.
 */
export class DynamoDbWatchIndex {
  readonly #client: DynamoDBDocumentClient;
  readonly #stateTable: string;

  constructor(options: { readonly client: DynamoDBDocumentClient; readonly stateTable: string }) {
    this.#client = options.client;
    this.#stateTable = options.stateTable;
  }

  async open(watch: OpenWatch): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#stateTable,
        Item: { ...stateKeys.openWatch(watch.dueAt, watch.tenant, watch.deploymentId), ...watch },
      }),
    );
  }

  /** Watches that ended at or before `now`, oldest first, at most `limit`. */
  async due(now: string, limit: number): Promise<OpenWatch[]> {
    const { Items = [] } = await this.#client.send(
      new QueryCommand({
        TableName: this.#stateTable,
        KeyConditionExpression: 'pk = :pk AND sk <= :now',
        // `#` sorts before every character a tenant or id can start with after it: `<now>#\uffff` is past them all.
        ExpressionAttributeValues: { ':pk': stateKeys.openWatches, ':now': `${now}#\uffff` },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return Items.map((item) => ({
      tenant: String(item.tenant),
      deploymentId: String(item.deploymentId),
      service: String(item.service),
      environment: String(item.environment),
      hours: Number(item.hours),
      dueAt: String(item.dueAt),
    }));
  }

  async close(watch: OpenWatch): Promise<void> {
    await this.#client.send(
      new DeleteCommand({
        TableName: this.#stateTable,
        Key: stateKeys.openWatch(watch.dueAt, watch.tenant, watch.deploymentId),
      }),
    );
  }
}
