import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { LedgerHead } from '../../domain/ledger/ledger-digest.ts';
import { HEAD_INDEX, STATE_KEY, stateKeys } from './ledger-tables.ts';

const HEAD_SUFFIX = stateKeys.ledgerHead('').pk;
/** Heads per page: one Query of the index, then one consistent BatchGetItem (which takes up to 100 keys). */
const PAGE_SIZE = 100;

/** Where a listing of heads stopped: the index's last evaluated key, opaque to callers. */
export type HeadsCursor = Record<string, AttributeValue>;

export interface HeadsPage {
  readonly heads: readonly LedgerHead[];
  /** Undefined once the last head has been listed. */
  readonly next: HeadsCursor | undefined;
}

/**
 * Every tenant's ledger head, a page at a time, from the sparse head index (only head items carry its
 * key), so the cost grows with tenants, not with the state table. The index is eventually consistent
 * and holds keys only: each page's heads are read from the table with a strongly consistent batch, so a
 * digest never seals a head older than one already acknowledged. A head written before the index
 * existed enters it on its tenant's next append (see ledger-writes.ts), or by the one-off backfill.
 */
export async function* listLedgerHeads(
  // The low-level client: three plain attributes need no document marshalling, and the sealer's bundle
  // then carries no lib-dynamodb.
  client: DynamoDBClient,
  stateTable: string,
  options: { readonly startAfter?: HeadsCursor | undefined; readonly pageSize?: number } = {},
): AsyncIterable<HeadsPage> {
  let cursor = options.startAfter;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: stateTable,
        IndexName: HEAD_INDEX.name,
        KeyConditionExpression: '#index = :head',
        ExpressionAttributeNames: { '#index': HEAD_INDEX.partition },
        ExpressionAttributeValues: { ':head': { S: HEAD_INDEX.value } },
        Limit: options.pageSize ?? PAGE_SIZE,
        ...(cursor ? { ExclusiveStartKey: cursor } : {}),
      }),
    );
    const keys = (page.Items ?? []).flatMap((item) => {
      const pk = item[STATE_KEY.partition];
      const sk = item[STATE_KEY.sort];
      return pk && sk ? [{ [STATE_KEY.partition]: pk, [STATE_KEY.sort]: sk }] : [];
    });
    cursor = page.LastEvaluatedKey;
    yield { heads: await readHeads(client, stateTable, keys), next: cursor };
  } while (cursor);
}

async function readHeads(
  client: DynamoDBClient,
  stateTable: string,
  keys: Record<string, AttributeValue>[],
): Promise<LedgerHead[]> {
  const heads: LedgerHead[] = [];
  let pending = keys;
  for (let round = 1; pending.length > 0; round += 1) {
    const response = await client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [stateTable]: {
            Keys: pending,
            ProjectionExpression: '#pk, seq, chainHash',
            ExpressionAttributeNames: { '#pk': STATE_KEY.partition },
            ConsistentRead: true,
          },
        },
      }),
    );
    for (const item of response.Responses?.[stateTable] ?? []) {
      const pk = item[STATE_KEY.partition]?.S ?? '';
      if (!pk.endsWith(HEAD_SUFFIX) || pk.length === HEAD_SUFFIX.length) continue;
      heads.push({
        tenant: pk.slice(0, -HEAD_SUFFIX.length),
        seq: Number(item.seq?.N),
        chainHash: String(item.chainHash?.S),
      });
    }
    pending = response.UnprocessedKeys?.[stateTable]?.Keys ?? [];
    if (pending.length > 0)
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** round, 2000)));
  }
  return heads;
}

const SEALER_CHECKPOINT = stateKeys.checkpoint('seal-digest');

/** Where the last sealer run stopped before listing every head; undefined when it finished. */
export async function loadSealerCursor(
  client: DynamoDBClient,
  stateTable: string,
): Promise<HeadsCursor | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: stateTable,
      Key: { pk: { S: SEALER_CHECKPOINT.pk }, sk: { S: SEALER_CHECKPOINT.sk } },
      ConsistentRead: true,
    }),
  );
  return Item?.resumeAfter?.M;
}

/** Saves where the next sealer run resumes (undefined: from the first head). */
export async function saveSealerCursor(
  client: DynamoDBClient,
  stateTable: string,
  cursor: HeadsCursor | undefined,
): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: stateTable,
      Item: {
        pk: { S: SEALER_CHECKPOINT.pk },
        sk: { S: SEALER_CHECKPOINT.sk },
        ...(cursor ? { resumeAfter: { M: cursor } } : {}),
      },
    }),
  );
}

/**
 * The tenant's latest signed checkpoint as the tree keeps it (see dynamodb-merkle-tree.ts), read with the
 * plain client the sealer already carries; undefined before the tree covers an event.
 */
export async function latestCheckpointNote(
  client: DynamoDBClient,
  stateTable: string,
  tenant: string,
): Promise<{ readonly size: number; readonly note: string } | undefined> {
  const key = stateKeys.merkleTree(tenant);
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: stateTable,
      Key: { pk: { S: key.pk }, sk: { S: key.sk } },
      ConsistentRead: true,
    }),
  );
  const note = Item?.checkpoint?.S;
  const size = Number(Item?.treeSize?.N);
  return note && Number.isSafeInteger(size) && size > 0 ? { size, note } : undefined;
}
