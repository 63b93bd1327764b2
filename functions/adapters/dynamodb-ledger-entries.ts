import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ChainEntry, ChainHead } from '../../domain/ledger/hash-chain.ts';
import { eventKeys, stateKeys } from './ledger-tables.ts';
import { callStorage } from './storage-errors.ts';

/** A ledger entry exactly as stored: the canonical body that was hashed, and its hashes. */
export interface RawLedgerEntry extends ChainEntry {
  readonly recordedAt: string;
  readonly type: string;
  readonly source: string;
  readonly id: string;
}

/**
 * Reads ledger entries without parsing their bodies, for exports an auditor re-hashes offline, and the
 * tenant head for digests.
 */
export class DynamoDbLedgerEntries {
  private readonly client: DynamoDBDocumentClient;
  private readonly eventsTable: string;
  private readonly stateTable: string;

  constructor(options: { client: DynamoDBDocumentClient; eventsTable: string; stateTable: string }) {
    this.client = options.client;
    this.eventsTable = options.eventsTable;
    this.stateTable = options.stateTable;
  }

  async head(tenant: string): Promise<ChainHead | undefined> {
    const { Item } = await callStorage(() =>
      this.client.send(
        new GetCommand({
          TableName: this.stateTable,
          Key: stateKeys.ledgerHead(tenant),
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? { seq: Number(Item.seq), chainHash: String(Item.chainHash) } : undefined;
  }

  /** Entries with afterSeq < seq ≤ toSeq, in seq order, at most `limit`. */
  async entries(tenant: string, afterSeq: number, toSeq: number, limit: number): Promise<RawLedgerEntry[]> {
    if (toSeq <= afterSeq) return [];
    const response = await callStorage(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.eventsTable,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': eventKeys.ledger(tenant), ':from': afterSeq + 1, ':to': toSeq },
          ConsistentRead: true,
          Limit: limit,
        }),
      ),
    );
    return (response.Items ?? []).map((item) => ({
      seq: Number(item.sk),
      body: String(item.body),
      eventHash: String(item.eventHash),
      chainHash: String(item.chainHash),
      recordedAt: String(item.recordedAt),
      type: String(item.type),
      source: String(item.source),
      id: String(item.ceId),
    }));
  }
}
