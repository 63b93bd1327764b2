import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { CellDoc } from '../../domain/dora/cell-evidence.ts';
import type { MonthRollup, SampleField } from '../../domain/dora/month-rollups.ts';
import type { ProjectionChange } from '../../domain/dora/projection.ts';
import { keyId, type ProjectionKey } from '../../domain/dora/projection-store.ts';
import type { ReleaseCellDoc, ReleaseRollup } from '../../domain/dora/release-exposure.ts';
import type { Rollup } from '../../domain/dora/rollups.ts';
import { StorageUnavailableError } from '../../domain/ports/event-store.ts';
import { decodeList, encodeList } from './dora-sample-codec.ts';
import { dynamoDbValueBytes } from './dynamodb-item-size.ts';
import { stateKeys } from './ledger-tables.ts';
import { callStorage } from './storage-errors.ts';

/** DynamoDB's limits: 100 items and 4 MB per transaction, 400 KB per item (we keep headroom for keys). */
export const MAX_TRANSACTION_ITEMS = 100;
const MAX_TRANSACTION_BYTES = 3.5 * 1024 * 1024;
const MAX_DOC_BYTES = 380 * 1024;
const BATCH_GET_LIMIT = 100;
const BATCH_GETS_IN_FLIGHT = 4;
/** Quarantine records kept on the checkpoint, newest last; `quarantinedCount` counts every one. */
const QUARANTINE_KEPT = 20;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A ledger event the projector could not fold, stepped over so the projection goes on. */
export interface QuarantinedEvent {
  readonly seq: number;
  readonly type: string;
  readonly code: string;
  readonly reason: string;
}

export interface DoraCheckpoint {
  readonly seq: number;
  readonly lease: string | undefined;
  readonly leaseUntil: number | undefined;
  readonly quarantinedCount: number;
  readonly quarantined: readonly QuarantinedEvent[];
}

export class DoraDocumentTooLargeError extends Error {
  readonly code = 'dora_document_too_large';
}

/**
 * The integer lists of each document kind that are stored in binary (see dora-sample-codec.ts), by path
 * in the document (`$`: the document is the list). These are the lists that grow with the history.
 */
const LIST_PATHS: Partial<Record<ProjectionKey[0], readonly string[]>> = {
  scope: ['leadService', 'leadEnvironment', 'recovery', 'alertRatios'],
  month: ['bins.leadService', 'bins.leadEnvironment', 'bins.recovery', 'bins.alertRatios'],
  mbin: ['$'],
  rscope: ['leadRelease'],
};

/** How integer lists are stored: `binary` since dora-2023.10; `json` is the layout of earlier versions. */
export type SampleEncoding = 'binary' | 'json';

export interface DynamoDbDoraStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly stateTable: string;
  /**
   * Writes integer lists in JSON as dora-2023.8 and earlier did (benchmarks build the old layout beside
   * the new one with it). Reads understand both layouts whatever this says. @default 'binary'
   */
  readonly sampleEncoding?: SampleEncoding;
  /** Called with the DynamoDB size of every projection item a query reads (benchmarks count bytes). */
  readonly onRead?: (items: number, bytes: number) => void;
}

/**
 * The DORA projection's items in the state table. Every document is stored as its JSON text in `doc`,
 * its integer lists (samples, bin counts) taken out into binary attributes under `lists` (compact, and
 * exact: what is read back equals what the fold wrote), except commit indexes, whose releases and changes are
 * string sets grown with `ADD`: they only ever gain members, so they are written outside the
 * checkpoint transaction and any interleaving of writers leaves the same set.
 */
export class DynamoDbDoraStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly encoding: SampleEncoding;
  private readonly onRead: ((items: number, bytes: number) => void) | undefined;

  constructor(options: DynamoDbDoraStoreOptions) {
    this.client = options.client;
    this.table = options.stateTable;
    this.encoding = options.sampleEncoding ?? 'binary';
    this.onRead = options.onRead;
  }

  /** Where a projection document lives. */
  itemKey(tenant: string, version: string, key: ProjectionKey): { pk: string; sk: string } {
    switch (key[0]) {
      case 'cell':
        return { pk: stateKeys.doraCells(tenant, version, key[3]), sk: JSON.stringify([key[1], key[2]]) };
      case 'scope':
        return { pk: stateKeys.doraScope(tenant, version, key[1]), sk: key[2] };
      case 'month':
        return { pk: stateKeys.doraMonths(tenant, version, key[1]), sk: key[2] };
      case 'rcell':
        return {
          pk: stateKeys.doraReleaseCells(tenant, version, key[3]),
          sk: JSON.stringify([key[1], key[2]]),
        };
      case 'rscope':
        return { pk: stateKeys.doraReleaseScope(tenant, version, key[1]), sk: key[2] };
      default:
        return stateKeys.doraDoc(tenant, version, keyId(key));
    }
  }

  async load(
    tenant: string,
    version: string,
    keys: readonly ProjectionKey[],
    /** Only these attributes of each item are read (see `listsProjection`). @default all */
    projection?: ItemProjection,
  ): Promise<Map<string, unknown>> {
    const byItem = new Map(keys.map((key) => [JSON.stringify(this.itemKey(tenant, version, key)), key]));
    const found = new Map<string, unknown>();
    const itemKeys = [...byItem.keys()].map((k) => JSON.parse(k) as { pk: string; sk: string });
    const items = await this.readItems(itemKeys, projection);
    this.counted(items);
    for (const item of items) {
      const key = byItem.get(itemId(item));
      if (key) found.set(keyId(key), docOf(key, item));
    }
    return found;
  }

  /** Items by key, BatchGets of up to 100 keys, a few in flight, each retried for its unprocessed keys. */
  private async readItems(
    keys: readonly { pk: string; sk: string }[],
    projection: ItemProjection | undefined,
  ): Promise<Record<string, unknown>[]> {
    const chunks: { pk: string; sk: string }[][] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      chunks.push(keys.slice(start, start + BATCH_GET_LIMIT));
    }
    const items: Record<string, unknown>[] = [];
    // A few BatchGets in flight: a query's sample bins come back in one round trip, not one per 100.
    for (let start = 0; start < chunks.length; start += BATCH_GETS_IN_FLIGHT) {
      const parts = await Promise.all(
        chunks.slice(start, start + BATCH_GETS_IN_FLIGHT).map((chunk) => this.batchGet(chunk, projection)),
      );
      for (const part of parts) items.push(...part);
    }
    return items;
  }

  private async batchGet(
    keys: readonly { pk: string; sk: string }[],
    projection: ItemProjection | undefined,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let pending: Record<string, unknown>[] | undefined = [...keys];
    for (let round = 1; pending && pending.length > 0; round += 1) {
      const request: Record<string, unknown>[] = pending;
      const response: BatchGetCommandOutput = await callStorage(() =>
        this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: request, ConsistentRead: true, ...projection } },
          }),
        ),
      );
      items.push(...(response.Responses?.[this.table] ?? []));
      pending = response.UnprocessedKeys?.[this.table]?.Keys;
      if (pending && round >= 8)
        throw new StorageUnavailableError('storage is throttling reads; retry shortly');
      if (pending) await sleep(20 * 2 ** round * Math.random());
    }
    return items;
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
    return checkpointOf(Item);
  }

  /**
   * The active pointer and one version's checkpoint in one request: a query reads the version its code
   * projects beside the pointer instead of after it, so the pointer costs no round trip of its own.
   */
  async activeWithCheckpoint(
    tenant: string,
    version: string,
  ): Promise<{ active: { version: string; seq: number } | undefined; checkpoint: DoraCheckpoint }> {
    const items = await this.readItems(
      [stateKeys.doraActive(tenant), stateKeys.doraCheckpoint(tenant, version)],
      undefined,
    );
    return pointerOf(tenant, version, new Map(items.map((item) => [itemId(item), item])));
  }

  /**
   * Grows commit indexes (the releases listing a commit and the changes merged as it); safe before (and
   * regardless of) the checkpoint transaction.
   */
  async addToIndexes(tenant: string, version: string, changes: readonly ProjectionChange[]): Promise<void> {
    const additions = changes.filter((c) => c.key[0] === 'commit');
    for (let start = 0; start < additions.length; start += 16) {
      await Promise.all(
        additions.slice(start, start + 16).map((change) => {
          const before = (change.before as CommitIndex | undefined) ?? { releases: [] };
          const after = change.after as CommitIndex;
          const added = (field: keyof CommitIndex) => {
            const had = new Set(before[field] ?? []);
            return (after[field] ?? []).filter((id) => !had.has(id));
          };
          // DynamoDB refuses an empty set, so only the sets that grow are named.
          const grown = COMMIT_INDEX_SETS.flatMap((field) => {
            const ids = added(field);
            return ids.length > 0 ? [[field, new Set(ids)] as const] : [];
          });
          if (grown.length === 0) return undefined;
          return callStorage(() =>
            this.client.send(
              new UpdateCommand({
                TableName: this.table,
                Key: this.itemKey(tenant, version, change.key),
                UpdateExpression: `ADD ${grown.map(([field]) => `${field} :${field}`).join(', ')}`,
                ExpressionAttributeValues: Object.fromEntries(
                  grown.map(([field, ids]) => [`:${field}`, ids]),
                ),
              }),
            ),
          );
        }),
      );
    }
  }

  /** The Put/Delete items for every changed document other than commit indexes. */
  writeItems(tenant: string, version: string, changes: readonly ProjectionChange[]): TransactItem[] {
    return changes
      .filter((c) => c.key[0] !== 'commit')
      .map((change): TransactItem => {
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
    if (key[0] === 'commit') {
      const { releases, changes } = value as CommitIndex;
      // DynamoDB holds no empty set: a commit only a change was merged as has no releases attribute.
      return {
        ...itemKey,
        ...(releases.length ? { releases: new Set(releases) } : {}),
        ...(changes?.length ? { changes: new Set(changes) } : {}),
      };
    }
    const stored = this.storedAttributes(key, value);
    const bytes = dynamoDbValueBytes(stored);
    if (bytes > MAX_DOC_BYTES) {
      throw new DoraDocumentTooLargeError(
        `DORA document ${keyId(key)} would be ${bytes} bytes, over the item limit`,
      );
    }
    return { ...itemKey, ...stored };
  }

  /** Whether these items and the checkpoint update fit one transaction (items and bytes). */
  fitsOneTransaction(items: readonly TransactItem[]): boolean {
    return items.length < MAX_TRANSACTION_ITEMS && bytesOf(items) <= MAX_TRANSACTION_BYTES;
  }

  /**
   * Writes a batch's documents and moves the checkpoint in one transaction, conditional on the
   * checkpoint still being where this run read it (and on no lease: a run writing in parts, or one that
   * died doing so and must be rolled back first). 'moved' means another run got there first: re-read
   * and carry on from its checkpoint.
   */
  async commit(
    tenant: string,
    version: string,
    items: readonly TransactItem[],
    from: number,
    to: number,
  ): Promise<'committed' | 'moved'> {
    const advance = this.advance(tenant, version, from, to, undefined);
    // Most events change no document (test runs, approvals): moving the checkpoint alone is one
    // conditional update, which costs less than a transaction of one.
    if (items.length === 0) return this.update(advance.Update);
    return this.transact([...items, advance]);
  }

  /**
   * A single event whose changes exceed one transaction is written in parts under a lease on the
   * checkpoint: other runs wait for the lease (or its expiry), so no interleaving can mix two runs' parts.
   * Before the first part, the documents it will overwrite are saved as they were (the undo records,
   * keyed by the checkpoint this commit advances from). A run that dies between parts leaves documents
   * half way from one checkpoint to the next, which no fold may start from: the next run puts them back
   * (`recover`) and folds the event again from exactly the state the dead run started from, so every
   * part is written with the same absolute values and nothing is applied twice.
   */
  async commitInParts(
    tenant: string,
    version: string,
    changes: readonly ProjectionChange[],
    from: number,
    to: number,
    now: number,
    leaseMs: number,
  ): Promise<'committed' | 'moved'> {
    const owner = leaseOwner(now);
    const taken = await this.update({
      TableName: this.table,
      Key: stateKeys.doraCheckpoint(tenant, version),
      UpdateExpression: 'SET lease = :owner, leaseUntil = :until',
      ConditionExpression: `${seqIs(from)} AND attribute_not_exists(lease)`,
      ExpressionAttributeValues: { ':owner': owner, ':until': now + leaseMs, ':from': from },
    });
    if (taken === 'moved') return 'moved';
    const held = this.held(tenant, version, owner);
    // Records left by an earlier multi-part commit that finished but died before clearing them.
    const stale = (await this.undoRecords(tenant, version)).map((record) => this.deleteUndo(record));
    const undo = changes
      .filter((change) => change.key[0] !== 'commit')
      .map((change) => this.undoItem(tenant, version, from, change));
    for (const part of [...this.parts(stale), ...this.parts(undo)]) {
      if ((await this.transact([...part, held])) === 'moved') return 'moved';
    }
    const parts = this.parts(this.writeItems(tenant, version, changes));
    for (const [at, part] of parts.entries()) {
      const last = at === parts.length - 1;
      const outcome = await this.transact([
        ...part,
        last ? this.advance(tenant, version, from, to, owner) : held,
      ]);
      if (outcome === 'moved') return 'moved';
    }
    // Once the checkpoint has moved these are stale (recovery ignores them); clear them now anyway.
    const saved = (await this.undoRecords(tenant, version)).map((record) => this.deleteUndo(record));
    for (const part of this.parts(saved)) await this.transact(part);
    return 'committed';
  }

  /**
   * Rolls back a multi-part commit whose run died (its lease expired, the checkpoint never moved): takes
   * the lease over, restores every document the dead run may have overwritten from its undo records,
   * and releases the lease. Each step is idempotent, so a recovery that dies too is simply redone.
   */
  async recover(
    tenant: string,
    version: string,
    dead: DoraCheckpoint,
    now: number,
    leaseMs: number,
  ): Promise<'recovered' | 'moved'> {
    const owner = leaseOwner(now);
    const Key = stateKeys.doraCheckpoint(tenant, version);
    const taken = await this.update({
      TableName: this.table,
      Key,
      UpdateExpression: 'SET lease = :owner, leaseUntil = :until',
      ConditionExpression: `${seqIs(dead.seq)} AND lease = :dead AND leaseUntil < :now`,
      ExpressionAttributeValues: {
        ':owner': owner,
        ':until': now + leaseMs,
        ':from': dead.seq,
        ':dead': dead.lease,
        ':now': now,
      },
    });
    if (taken === 'moved') return 'moved';
    const held = this.held(tenant, version, owner);
    const records = await this.undoRecords(tenant, version);
    // Restores first, then the records: a recovery dying in between restores the same values again.
    const restores = records
      .filter((record) => record.from === dead.seq)
      .map((record): TransactItem => {
        const docKey = { pk: record.docPk, sk: record.docSk };
        return record.doc === undefined
          ? { Delete: { TableName: this.table, Key: docKey } }
          : {
              Put: {
                TableName: this.table,
                Item: { ...docKey, doc: record.doc, ...(record.lists ? { lists: record.lists } : {}) },
              },
            };
      });
    const deletes = records.map((record) => this.deleteUndo(record));
    for (const part of [...this.parts(restores), ...this.parts(deletes)]) {
      if ((await this.transact([...part, held])) === 'moved') return 'moved';
    }
    const released = await this.update({
      TableName: this.table,
      Key,
      UpdateExpression: 'REMOVE lease, leaseUntil',
      ConditionExpression: 'lease = :owner',
      ExpressionAttributeValues: { ':owner': owner },
    });
    return released === 'moved' ? 'moved' : 'recovered';
  }

  /**
   * Steps over an event whose fold cannot be stored (a document over the item limit): moves the
   * checkpoint past it without writing any of its changes and records why on the checkpoint, where
   * metrics answers report it. The projection is then exact for the ledger without that event.
   */
  async quarantine(
    tenant: string,
    version: string,
    from: number,
    event: { readonly seq: number; readonly type: string },
    error: { readonly code: string; readonly message: string },
  ): Promise<'committed' | 'moved'> {
    const current = await this.checkpoint(tenant, version);
    if (current.seq !== from || current.lease) return 'moved';
    const record: QuarantinedEvent = {
      seq: event.seq,
      type: event.type,
      code: error.code,
      reason: error.message,
    };
    // The condition on seq makes the read above current: any other write moves the checkpoint.
    return this.update({
      TableName: this.table,
      Key: stateKeys.doraCheckpoint(tenant, version),
      UpdateExpression: 'SET seq = :to, quarantined = :kept, quarantinedCount = :count',
      ConditionExpression: `${seqIs(from)} AND attribute_not_exists(lease)`,
      ExpressionAttributeValues: {
        ':to': event.seq,
        ':from': from,
        ':kept': [...current.quarantined, record].slice(-QUARANTINE_KEPT),
        ':count': current.quarantinedCount + 1,
      },
    });
  }

  private held(tenant: string, version: string, owner: string): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.table,
        Key: stateKeys.doraCheckpoint(tenant, version),
        ConditionExpression: 'lease = :owner',
        ExpressionAttributeValues: { ':owner': owner },
      },
    };
  }

  /** Splits items into transactions that leave room for one more item (a lease check or the advance). */
  private parts(items: readonly TransactItem[]): TransactItem[][] {
    const parts: TransactItem[][] = [];
    let part: TransactItem[] = [];
    let bytes = 0;
    for (const item of items) {
      const size = bytesOf([item]);
      if (
        part.length > 0 &&
        (part.length + 1 >= MAX_TRANSACTION_ITEMS || bytes + size > MAX_TRANSACTION_BYTES)
      ) {
        parts.push(part);
        part = [];
        bytes = 0;
      }
      part.push(item);
      bytes += size;
    }
    if (part.length > 0) parts.push(part);
    return parts;
  }

  private undoItem(tenant: string, version: string, from: number, change: ProjectionChange): TransactItem {
    const docKey = this.itemKey(tenant, version, change.key);
    return {
      Put: {
        TableName: this.table,
        Item: {
          pk: stateKeys.doraUndo(tenant, version),
          sk: JSON.stringify([from, docKey.pk, docKey.sk]),
          from,
          docPk: docKey.pk,
          docSk: docKey.sk,
          // What `before` was stored as; absent when the commit creates the document.
          ...(change.before === undefined ? {} : this.storedAttributes(change.key, change.before)),
        },
      },
    };
  }

  /** The `doc` (and `lists`) attributes a document is stored with, as `documentItem` writes them. */
  private storedAttributes(key: ProjectionKey, value: unknown): { doc: string; lists?: EncodedLists } {
    return this.encoding === 'binary' ? storedForm(key, value) : { doc: JSON.stringify(value) };
  }

  private deleteUndo(record: UndoRecord): TransactItem {
    return { Delete: { TableName: this.table, Key: { pk: record.pk, sk: record.sk } } };
  }

  private async undoRecords(tenant: string, version: string): Promise<UndoRecord[]> {
    const records: UndoRecord[] = [];
    for await (const item of this.query(stateKeys.doraUndo(tenant, version))) {
      records.push({
        pk: String(item.pk),
        sk: String(item.sk),
        from: Number(item.from),
        docPk: String(item.docPk),
        docSk: String(item.docSk),
        doc: typeof item.doc === 'string' ? item.doc : undefined,
        lists: item.lists as EncodedLists | undefined,
      });
    }
    return records;
  }

  private advance(tenant: string, version: string, from: number, to: number, owner: string | undefined) {
    return {
      Update: {
        TableName: this.table,
        Key: stateKeys.doraCheckpoint(tenant, version),
        UpdateExpression: 'SET seq = :to REMOVE lease, leaseUntil',
        ConditionExpression: owner ? 'lease = :owner' : `${seqIs(from)} AND attribute_not_exists(lease)`,
        ExpressionAttributeValues: owner ? { ':to': to, ':owner': owner } : { ':to': to, ':from': from },
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

  private async transact(items: readonly TransactItem[]) {
    try {
      await callStorage(() => this.client.send(new TransactWriteCommand({ TransactItems: [...items] })));
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
    /** Only these sample lists are read; the others read as empty (see `onlyLists`). @default all */
    lists?: readonly SampleField[],
  ): Promise<{ rollups: Map<string, Rollup>; itemsRead: number }> {
    const rollups = new Map<string, Rollup>();
    const only = lists && onlyLists('scope', lists);
    for await (const item of this.query(
      stateKeys.doraScope(tenant, version, scopeKey),
      firstDay,
      lastDay,
      only,
    )) {
      rollups.set(String(item.sk), decodedWith(item, only) as Rollup);
    }
    return { rollups, itemsRead: rollups.size };
  }

  /**
   * A scope's month rollups and some of its day rollups by key, in one BatchGet (of up to 100 keys): a
   * monthly query's months and both its edge ranges of days, where a Query each took three requests,
   * and on DynamoDB Local each request costs about as much as the items it reads. With `withPointer`,
   * the active pointer and this version's checkpoint come back in the same request
   * (`activeWithCheckpoint`'s answer), read speculatively as the query reads this version's documents.
   */
  async monthsAndDays(
    tenant: string,
    version: string,
    scopeKey: string,
    months: readonly string[],
    days: readonly string[],
    /** Only these sample lists are read; the others read as empty (see `onlyLists`). @default all */
    lists?: readonly SampleField[],
    options: { readonly withPointer?: boolean } = {},
  ): Promise<{
    months: Map<string, MonthRollup>;
    days: Map<string, Rollup>;
    pointer?: { active: { version: string; seq: number } | undefined; checkpoint: DoraCheckpoint };
  }> {
    const monthLists = lists && onlyLists('month', lists);
    const dayLists = lists && onlyLists('scope', lists);
    const projection =
      monthLists && dayLists
        ? listsProjection([...monthLists.read, ...dayLists.read], options.withPointer ? POINTER_FIELDS : [])
        : undefined;
    const monthKey = (month: string): ProjectionKey => ['month', scopeKey, month];
    const dayKey = (day: string): ProjectionKey => ['scope', scopeKey, day];
    // Each document's key text, computed once: it names the request's keys and finds their answers.
    const monthIds = months.map((month) => this.itemKey(tenant, version, monthKey(month)));
    const dayIds = days.map((day) => this.itemKey(tenant, version, dayKey(day)));
    const pointerKeys = options.withPointer
      ? [stateKeys.doraActive(tenant), stateKeys.doraCheckpoint(tenant, version)]
      : [];
    const items = await this.readItems([...pointerKeys, ...monthIds, ...dayIds], projection);
    const byId = new Map(items.map((item) => [itemId(item), item]));
    const pointerIds = new Set(pointerKeys.map(itemId));
    this.counted(items.filter((item) => !pointerIds.has(itemId(item))));
    const read = <T>(
      names: readonly string[],
      keys: readonly { pk: string; sk: string }[],
      only?: ListsRead,
    ) =>
      new Map(
        names.flatMap((name, index) => {
          const key = keys[index];
          const item = key && byId.get(itemId(key));
          return item === undefined ? [] : [[name, decodedWith(item, only) as T] as const];
        }),
      );
    return {
      months: read<MonthRollup>(months, monthIds, monthLists),
      days: read<Rollup>(days, dayIds, dayLists),
      ...(options.withPointer ? { pointer: pointerOf(tenant, version, byId) } : {}),
    };
  }

  /** Every evidence cell of the given days. */
  async cells(tenant: string, version: string, days: readonly string[]): Promise<CellDoc[]> {
    const cells: CellDoc[] = [];
    for (const day of days) {
      for await (const item of this.query(stateKeys.doraCells(tenant, version, day))) {
        cells.push(decodeStored(item) as CellDoc);
      }
    }
    return cells;
  }

  /** A scope's release rollups in [firstDay, lastDay]: one Query, as `scopeRollups`. */
  async releaseScopeRollups(
    tenant: string,
    version: string,
    scopeKey: string,
    firstDay: string,
    lastDay: string,
  ): Promise<Map<string, ReleaseRollup>> {
    const rollups = new Map<string, ReleaseRollup>();
    const pk = stateKeys.doraReleaseScope(tenant, version, scopeKey);
    for await (const item of this.query(pk, firstDay, lastDay)) {
      rollups.set(String(item.sk), decodeStored(item) as ReleaseRollup);
    }
    return rollups;
  }

  /** Every release evidence cell of the given days. */
  async releaseCells(tenant: string, version: string, days: readonly string[]): Promise<ReleaseCellDoc[]> {
    const cells: ReleaseCellDoc[] = [];
    for (const day of days) {
      for await (const item of this.query(stateKeys.doraReleaseCells(tenant, version, day))) {
        cells.push(decodeStored(item) as ReleaseCellDoc);
      }
    }
    return cells;
  }

  private counted(items: readonly Record<string, unknown>[]): void {
    if (this.onRead && items.length > 0) {
      this.onRead(
        items.length,
        items.reduce((sum, item) => sum + dynamoDbValueBytes(item), 0),
      );
    }
  }

  private async *query(pk: string, from?: string, to?: string, only?: ListsRead) {
    let startKey: Record<string, unknown> | undefined;
    const projection = only && listsProjection(only.read);
    do {
      const response = await callStorage(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: from ? '#pk = :pk AND #sk BETWEEN :from AND :to' : '#pk = :pk',
            ConsistentRead: true,
            ExpressionAttributeValues: from ? { ':pk': pk, ':from': from, ':to': to } : { ':pk': pk },
            ExpressionAttributeNames: {
              '#pk': 'pk',
              ...(from || projection ? { '#sk': 'sk' } : {}),
              ...projection?.ExpressionAttributeNames,
            },
            ...(projection ? { ProjectionExpression: projection.ProjectionExpression } : {}),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      this.counted(response.Items ?? []);
      yield* response.Items ?? [];
      startKey = response.LastEvaluatedKey;
    } while (startKey);
  }
}

interface UndoRecord {
  readonly pk: string;
  readonly sk: string;
  readonly from: number;
  readonly docPk: string;
  readonly docSk: string;
  readonly doc: string | undefined;
  readonly lists: EncodedLists | undefined;
}

/** The checkpoint is exactly `from` (a version's first commit finds no item yet). */
function seqIs(from: number): string {
  return from === 0 ? '(attribute_not_exists(seq) OR seq = :from)' : 'seq = :from';
}

function leaseOwner(now: number): string {
  return `${now}-${Math.random().toString(36).slice(2)}`;
}

/**
 * About what DynamoDB counts against the transaction limit: the items' names and values (binary by
 * its length: as JSON text a byte array would count ~6 times over).
 */
function bytesOf(items: readonly TransactItem[]): number {
  return items.reduce((sum, item) => sum + dynamoDbValueBytes(item), 0);
}

/** A commit index as the fold holds it (`CommitFacts`): both lists are string sets in the item. */
interface CommitIndex {
  readonly releases: readonly string[];
  readonly changes?: readonly string[];
}

const COMMIT_INDEX_SETS = ['releases', 'changes'] as const;

function docOf(key: ProjectionKey, item: Record<string, unknown>): unknown {
  if (key[0] === 'commit') {
    const changes = [...((item.changes as Set<string> | undefined) ?? [])].sort();
    return {
      releases: [...((item.releases as Set<string> | undefined) ?? [])].sort(),
      ...(changes.length > 0 ? { changes } : {}),
    };
  }
  return decodeStored(item);
}

/** Binary integer lists by their path in the document (`$`: the whole document). */
type EncodedLists = Record<string, Uint8Array>;

/**
 * A document's stored attributes: each integer list of its kind moved to `lists` where the binary form
 * is smaller than the JSON text (short lists stay in the text), with `null` left in its place in `doc`
 * so the decoded document keeps its fields' order (the fold compares documents by their JSON text).
 */
export function storedForm(key: ProjectionKey, value: unknown): { doc: string; lists?: EncodedLists } {
  const paths = LIST_PATHS[key[0]];
  if (!paths) return { doc: JSON.stringify(value) };
  const lists: EncodedLists = {};
  let doc = value;
  for (const path of paths) {
    const names = path === '$' ? [] : path.split('.');
    const list = names.reduce<unknown>((at, name) => (isRecord(at) ? at[name] : undefined), value);
    const bytes = Array.isArray(list) ? encodeList(list) : undefined;
    // The binary form costs its bytes, the path's name and a few bytes of map overhead.
    if (!bytes || bytes.byteLength + path.length + 4 >= JSON.stringify(list).length) continue;
    lists[path] = bytes;
    doc = withPath(doc, names, null);
  }
  const json = { doc: JSON.stringify(value) };
  if (Object.keys(lists).length === 0) return json;
  const binary = { doc: JSON.stringify(doc), lists };
  return dynamoDbValueBytes(binary) < dynamoDbValueBytes(json) ? binary : json;
}

/** The document an item holds, in either layout (JSON only, or JSON with binary lists). */
export function decodeStored(item: Record<string, unknown>): unknown {
  let doc: unknown = JSON.parse(String(item.doc));
  const lists = item.lists as EncodedLists | undefined;
  for (const [path, bytes] of Object.entries(lists ?? {})) {
    doc = path === '$' ? decodeList(bytes) : withPath(doc, path.split('.'), decodeList(bytes));
  }
  return doc;
}

/** The list paths of a partial read: those read, and those that then read as empty lists. */
interface ListsRead {
  readonly read: readonly string[];
  readonly empty: readonly string[];
}

/**
 * A read of only some of a document kind's sample lists. A metrics query needs one of the two lead-time
 * lists (by service, or by environment for an environment's scope), and a busy tenant's lead lists are
 * most of its day and month items' bytes: the other is left in storage. What is left out reads as an
 * empty list, whether it was stored in binary or (when short) inside the JSON text, so a partly read
 * document never depends on how its lists happened to be stored.
 */
function onlyLists(kind: 'scope' | 'month', fields: readonly SampleField[]): ListsRead {
  const paths = LIST_PATHS[kind] ?? [];
  const wanted = new Set(fields.map((field) => (kind === 'month' ? `bins.${field}` : field)));
  return { read: paths.filter((path) => wanted.has(path)), empty: paths.filter((path) => !wanted.has(path)) };
}

function decodedWith(item: Record<string, unknown>, only: ListsRead | undefined): unknown {
  return emptied(decodeStored(item), only);
}

function emptied(doc: unknown, only: ListsRead | undefined): unknown {
  return only ? only.empty.reduce((at, path) => withPath(at, path.split('.'), []), doc) : doc;
}

/** An item's place, as text: how the items of a BatchGet answer are matched to the keys asked for. */
function itemId(item: { readonly pk?: unknown; readonly sk?: unknown }): string {
  return JSON.stringify({ pk: item.pk, sk: item.sk });
}

/** The attributes of the active pointer and a checkpoint that a query reads beside its documents. */
const POINTER_FIELDS = ['version', 'seq', 'lease', 'leaseUntil', 'quarantinedCount', 'quarantined'];

function pointerOf(
  tenant: string,
  version: string,
  byId: ReadonlyMap<string, Record<string, unknown>>,
): { active: { version: string; seq: number } | undefined; checkpoint: DoraCheckpoint } {
  const pointer = byId.get(itemId(stateKeys.doraActive(tenant)));
  return {
    active: pointer ? { version: String(pointer.version), seq: Number(pointer.seq) } : undefined,
    checkpoint: checkpointOf(byId.get(itemId(stateKeys.doraCheckpoint(tenant, version)))),
  };
}

/** What a read of an item asks for: its keys, its document text and the given binary lists. */
interface ItemProjection {
  readonly ProjectionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
}

function listsProjection(paths: readonly string[], attributes: readonly string[] = []): ItemProjection {
  return {
    ProjectionExpression: [
      '#pk',
      '#sk',
      '#doc',
      ...paths.map((_, i) => `#lists.#l${i}`),
      ...attributes.map((_, i) => `#a${i}`),
    ].join(', '),
    ExpressionAttributeNames: {
      '#pk': 'pk',
      '#sk': 'sk',
      '#doc': 'doc',
      '#lists': 'lists',
      ...Object.fromEntries(paths.map((path, i) => [`#l${i}`, path])),
      ...Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
    },
  };
}

/** A copy of `doc` with the value at `names` replaced, every other field in its place. */
function withPath(doc: unknown, names: readonly string[], value: unknown): unknown {
  const [name, ...rest] = names;
  if (name === undefined) return value;
  const record = isRecord(doc) ? doc : {};
  return { ...record, [name]: withPath(record[name], rest, value) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function checkpointOf(Item: Record<string, unknown> | undefined): DoraCheckpoint {
  return {
    seq: Number(Item?.seq ?? 0),
    lease: typeof Item?.lease === 'string' ? Item.lease : undefined,
    leaseUntil: typeof Item?.leaseUntil === 'number' ? Item.leaseUntil : undefined,
    quarantinedCount: Number(Item?.quarantinedCount ?? 0),
    quarantined: Array.isArray(Item?.quarantined) ? (Item.quarantined as QuarantinedEvent[]) : [],
  };
}
