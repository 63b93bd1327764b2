import { type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import type { LedgerHead } from '../../domain/ledger/ledger-digest.ts';
import { STATE_KEY, stateKeys } from './ledger-tables.ts';

const HEAD_SUFFIX = stateKeys.ledgerHead('').pk;
const HEAD_SORT_KEY = stateKeys.ledgerHead('').sk;

/**
 * Every tenant's ledger head. There is no tenant index, so this scans the state table for head items
 * (sort key `ledger`): acceptable for an hourly job, and it keeps the write path free of extra items.
 * The scan reads the whole table's keys, so its cost grows with idempotency records, not tenants.
 */
export async function* scanLedgerHeads(
  // The low-level client: three plain attributes need no document marshalling, and the sealer's bundle
  // then carries no lib-dynamodb.
  client: DynamoDBClient,
  stateTable: string,
): AsyncIterable<LedgerHead> {
  const pages = paginateScan(
    { client },
    {
      TableName: stateTable,
      FilterExpression: '#sk = :head',
      ProjectionExpression: '#pk, seq, chainHash',
      ExpressionAttributeNames: { '#pk': STATE_KEY.partition, '#sk': STATE_KEY.sort },
      ExpressionAttributeValues: { ':head': { S: HEAD_SORT_KEY } },
      // Strongly consistent, so a digest never seals a head older than one already acknowledged.
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const pk = item[STATE_KEY.partition]?.S ?? '';
      if (!pk.endsWith(HEAD_SUFFIX) || pk.length === HEAD_SUFFIX.length) continue;
      yield {
        tenant: pk.slice(0, -HEAD_SUFFIX.length),
        seq: Number(item.seq?.N),
        chainHash: String(item.chainHash?.S),
      };
    }
  }
}
