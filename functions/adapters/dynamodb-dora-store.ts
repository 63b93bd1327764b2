import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { CellDoc } from '../../domain/dora/cell-evidence.ts';
import type { ProjectionChange } from '../../domain/dora/projection.ts';
import { keyId, type ProjectionKey } from '../../domain/dora/projection-store.ts';
import type { Rollup } from '../../domain/dora/rollups.ts';
import { StorageUnavailableError } from '../../domain/ports/event-store.ts';
import { stateKeys } from './ledger-tables.ts';
import { callStorage } from './storage-errors.ts';

/** DynamoDB's limits: 100 items per transaction, 400 KB per item (we keep headroom for keys). */
export const MAX_TRANSACTION_ITEMS = 100;
const MAX_DOC_BYTES = 380 * 1024;
const BATCH_GET_LIMIT = 100;

export interface DoraCheckpoint {
  readonly seq: number;
  readonly lease: string | undefined;
  readonly leaseUntil: number | undefined;
}

export class DoraDocumentTooLargeError extends Error {
  readonly code = 'dora_document_too_large';
}

/**
 * The DORA projection's items in the state table. Every document is stored as its JSON text in `doc`
 * (so what is read back is byte-identical to what the fold wrote) except commit indexes, which are
 * string sets grown with `ADD`: they only ever gain members, so they are written outside the
 * checkpoint transaction and any interleaving of writers leaves the same set.
 */
export class DynamoDbDoraStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(options: { readonly client: DynamoDBDocumentClient; readonly stateTable: string }) {
    this.client = options.client;
    this.table = options.stateTable;
  }

  /** Where a projection document lives. */
  itemKey(tenant: string, version: string, key: ProjectionKey): { pk: string; sk: string } {
    switch (key[0]) {
      case 'cell':
        return { pk: stateKeys.doraCells(tenant, version, key[3]), sk: JSON.stringify([key[1], key[2]]) };
      case 'scope':
        return { pk: stateKeys.doraScope(tenant, version, key[1]), sk: key[2] };
      default:
        return stateKeys.doraDoc(tenant, version, keyId(key));
    }
  }

  async load(tenant: string, version: string, keys: readonly ProjectionKey[]): Promise<Map<string, unknown>> {
    const byItem = new Map(keys.map((key) => [JSON.stringify(this.itemKey(tenant, version, key)), key]));
    const found = new Map<string, unknown>();
    const itemKeys = [...byItem.keys()].map((k) => JSON.parse(k) as { pk: string; sk: string });
    for (let start = 0; start < itemKeys.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] | undefined = itemKeys.slice(start, start + BATCH_GET_LIMIT);
      for (let round = 1; pending && pending.length > 0; round += 1) {
        const response = await callStorage(() =>
          this.client.send(
            new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } } }),
          ),
        );
        for (const item of response.Responses?.[this.table] ?? []) {
          const key = byItem.get(JSON.stringify({ pk: item.pk, sk: item.sk }));
          if (key) found.set(keyId(key), docOf(key, item));
        }
        pending = response.UnprocessedKeys?.[this.table]?.Keys;
        if (pending && round >= 8)
          throw new StorageUnavailableError('storage is throttling reads; retry shortly');
        if (pending) await sleep(20 * 2 ** round * Math.random());
      }
    }
    return found;
  }

  async checkpoint(tenant: string, version: string): Promise<DoraCheckpoint> {
    const { Item } = await callStorage(() =>
      this.client.send(
        new GetCommand({
          TableName: this.table,
          Key: stateKeys.doraCheckpoint(tenant, version),
          ConsistentRead: true,
        }),
      ),
    );
    return {
      seq: Number(Item?.seq ?? 0),
      lease: typeof Item?.lease === 'string' ? Item.lease : undefined,
      leaseUntil: typeof Item?.leaseUntil === 'number' ? Item.leaseUntil : undefined,
    };
  }

  /** Grows commit indexes; safe before (and regardless of) the checkpoint transaction. */
  async addToIndexes(tenant: string, version: string, changes: readonly ProjectionChange[]): Promise<void> {
    const additions = changes.filter((c) => c.key[0] === 'commit');
    for (let start = 0; start < additions.length; start += 16) {
      await Promise.all(
        additions.slice(start, start + 16).map((change) => {
          const before = new Set((change.before as { releases?: string[] } | undefined)?.releases ?? []);
          const added = ((change.after as { releases: string[] }).releases ?? []).filter(
            (r) => !before.has(r),
          );
          if (added.length === 0) return undefined;
          return callStorage(() =>
            this.client.send(
              new UpdateCommand({
                TableName: this.table,
                Key: this.itemKey(tenant, version, change.key),
                UpdateExpression: 'ADD releases :added',
                ExpressionAttributeValues: { ':added': new Set(added) },
              }),
            ),
          );
        }),
      );
    }
  }

  /** The Put/Delete items for every changed document other than commit indexes. */
  writeItems(tenant: string, version: string, changes: readonly ProjectionChange[]) {
    type Item = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
    return changes
      .filter((c) => c.key[0] !== 'commit')
      .map((change): Item => {
        if (change.after === undefined) {
          return { Delete: { TableName: this.table, Key: this.itemKey(tenant, version, change.key) } };
        }
        return {
          Put: { TableName: this.table, Item: this.documentItem(tenant, version, change.key, change.after) },
        };
      });
  }

  /**
   * The item a document is stored as: its JSON text in `doc`, or for a commit index the string set
   * `addToIndexes` grows. A bench builds a projection's items with this, unconditionally.
   */
  documentItem(tenant: string, version: string, key: ProjectionKey, value: unknown): Record<string, unknown> {
    const itemKey = this.itemKey(tenant, version, key);
    if (key[0] === 'commit')
      return { ...itemKey, releases: new Set((value as { releases: string[] }).releases) };
    const doc = JSON.stringify(value);
    if (Buffer.byteLength(doc) > MAX_DOC_BYTES) {
      throw new DoraDocumentTooLargeError(
        `DORA document ${keyId(key)} would be ${Buffer.byteLength(doc)} bytes, over the item limit`,
      );
    }
    return { ...itemKey, doc };
  }

  /**
   * Writes a batch's documents and moves the checkpoint in one transaction, conditional on the
   * checkpoint still being where this run read it (and on no lease held by a run writing in parts).
   * 'moved' means another run got there first: re-read and carry on from its checkpoint.
   */
  async commit(
    tenant: string,
    version: string,
    items: ReturnType<DynamoDbDoraStore['writeItems']>,
    from: number,
    to: number,
    now: number,
  ): Promise<'committed' | 'moved'> {
    const advance = this.advance(tenant, version, from, to, now, undefined);
    // Most events change no document (test runs, approvals): moving the checkpoint alone is one
    // conditional update, which costs less than a transaction of one.
    if (items.length === 0) return this.update(advance.Update);
    return this.transact([...items, advance]);
  }

  /**
   * A single event whose changes exceed one transaction is written in parts under a lease on the
   * checkpoint: other runs wait for the lease (or its expiry), so no interleaving can mix two runs' parts.
   * Every part is idempotent, so a run that dies mid-way is simply redone by the next one.
   */
  async commitInParts(
    tenant: string,
    version: string,
    items: ReturnType<DynamoDbDoraStore['writeItems']>,
    from: number,
    to: number,
    now: number,
    leaseMs: number,
  ): Promise<'committed' | 'moved'> {
    const owner = `${now}-${Math.random().toString(36).slice(2)}`;
    const Key = stateKeys.doraCheckpoint(tenant, version);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          UpdateExpression: 'SET lease = :owner, leaseUntil = :until',
          ConditionExpression: `${from === 0 ? '(attribute_not_exists(seq) OR seq = :from)' : 'seq = :from'} AND (attribute_not_exists(lease) OR leaseUntil < :now)`,
          ExpressionAttributeValues: { ':owner': owner, ':until': now + leaseMs, ':from': from, ':now': now },
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return 'moved';
      throw error;
    }
    const held = {
      ConditionCheck: {
        TableName: this.table,
        Key,
        ConditionExpression: 'lease = :owner',
        ExpressionAttributeValues: { ':owner': owner },
      },
    };
    const size = MAX_TRANSACTION_ITEMS - 1;
    for (let start = 0; start < items.length; start += size) {
      const part = items.slice(start, start + size);
      const last = start + size >= items.length;
      const outcome = await this.transact(
        last ? [...part, this.advance(tenant, version, from, to, now, owner)] : [...part, held],
      );
      if (outcome === 'moved') return 'moved';
    }
    return 'committed';
  }

  private advance(
    tenant: string,
    version: string,
    from: number,
    to: number,
    now: number,
    owner: string | undefined,
  ) {
    return {
      Update: {
        TableName: this.table,
        Key: stateKeys.doraCheckpoint(tenant, version),
        UpdateExpression: 'SET seq = :to REMOVE lease, leaseUntil',
        ConditionExpression: owner
          ? 'lease = :owner'
          : `${from === 0 ? '(attribute_not_exists(seq) OR seq = :from)' : 'seq = :from'} AND (attribute_not_exists(lease) OR leaseUntil < :now)`,
        ExpressionAttributeValues: owner
          ? { ':to': to, ':owner': owner }
          : { ':to': to, ':from': from, ':now': now },
      },
    };
  }

  private async update(update: ConstructorParameters<typeof UpdateCommand>[0]) {
    try {
      await callStorage(() => this.client.send(new UpdateCommand(update)));
      return 'committed' as const;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return 'moved' as const;
      throw error;
    }
  }

  private async transact(items: NonNullable<TransactWriteCommandInput['TransactItems']>) {
    try {
      await callStorage(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
      return 'committed' as const;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return 'moved' as const;
      throw error;
    }
  }

  async activeVersion(tenant: string): Promise<{ version: string; seq: number } | undefined> {
    const { Item } = await callStorage(() =>
      this.client.send(
        new GetCommand({ TableName: this.table, Key: stateKeys.doraActive(tenant), ConsistentRead: true }),
      ),
    );
    return Item ? { version: String(Item.version), seq: Number(Item.seq) } : undefined;
  }

  /** Points queries at a version that has caught up with the ledger. */
  async activate(tenant: string, version: string, seq: number): Promise<void> {
    await callStorage(() =>
      this.client.send(
        new PutCommand({ TableName: this.table, Item: { ...stateKeys.doraActive(tenant), version, seq } }),
      ),
    );
  }

  /** A scope's day rollups in [firstDay, lastDay]: one Query, one item per day that had anything. */
  async scopeRollups(
    tenant: string,
    version: string,
    scopeKey: string,
    firstDay: string,
    lastDay: string,
  ): Promise<{ rollups: Map<string, Rollup>; itemsRead: number }> {
    const rollups = new Map<string, Rollup>();
    for await (const item of this.query(stateKeys.doraScope(tenant, version, scopeKey), firstDay, lastDay)) {
      rollups.set(String(item.sk), JSON.parse(String(item.doc)) as Rollup);
    }
    return { rollups, itemsRead: rollups.size };
  }

  /** Every evidence cell of the given days. */
  async cells(tenant: string, version: string, days: readonly string[]): Promise<CellDoc[]> {
    const cells: CellDoc[] = [];
    for (const day of days) {
      for await (const item of this.query(stateKeys.doraCells(tenant, version, day))) {
        cells.push(JSON.parse(String(item.doc)) as CellDoc);
      }
    }
    return cells;
  }

  private async *query(pk: string, from?: string, to?: string) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await callStorage(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: from ? 'pk = :pk AND sk BETWEEN :from AND :to' : 'pk = :pk',
            ConsistentRead: true,
            ExpressionAttributeValues: from ? { ':pk': pk, ':from': from, ':to': to } : { ':pk': pk },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      yield* response.Items ?? [];
      startKey = response.LastEvaluatedKey;
    } while (startKey);
  }
}

function docOf(key: ProjectionKey, item: Record<string, unknown>): unknown {
  if (key[0] === 'commit')
    return { releases: [...((item.releases as Set<string> | undefined) ?? [])].sort() };
  return JSON.parse(String(item.doc));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
