import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredEvent } from '../../domain/ledger/ledger-event.ts';
import type { LedgerPage } from '../../domain/ports/event-store.ts';
import { eventKeys } from './ledger-tables.ts';
import { callStorage } from './storage-errors.ts';

/**
 * Reading the tenant's ledger in seq order, page by page, apart from the event store, so the functions
 * that only read history (the DORA routes' `asOf` replay) do not carry the append path in their bundles.
 */
export class DynamoDbLedgerPages {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly eventsTable: string },
  ) {}

  async readLedger(tenant: string, afterSeq: number, limit: number): Promise<LedgerPage> {
    const response = await callStorage(() =>
      this.options.client.send(
        new QueryCommand({
          TableName: this.options.eventsTable,
          KeyConditionExpression: 'pk = :pk AND sk > :after',
          ExpressionAttributeValues: { ':pk': eventKeys.ledger(tenant), ':after': afterSeq },
          ConsistentRead: true,
          Limit: limit,
        }),
      ),
    );
    const events = (response.Items ?? []).map(toStoredEvent);
    const last = events.at(-1);
    return { events, next: response.LastEvaluatedKey && last ? last.seq : undefined };
  }
}

/** A ledger entry item as the event it stores: its canonical body with the chain's hashes. */
export function toStoredEvent(item: Record<string, unknown>): StoredEvent {
  const envelope = JSON.parse(String(item.body)) as Omit<StoredEvent, 'hash' | 'eventHash'>;
  return { ...envelope, hash: String(item.chainHash), eventHash: String(item.eventHash) };
}
