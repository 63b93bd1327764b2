import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  type Checkpoint,
  checkpointOrigin,
  type NoteSigner,
  signCheckpoint,
} from '../../domain/ledger/checkpoint.ts';
import { createChainVerifier, GENESIS_HASH } from '../../domain/ledger/hash-chain.ts';
import {
  consistencyProofRanges,
  EMPTY_ROOT,
  inclusionProofRanges,
  leafHash,
  nodesOfRanges,
  rangeHash,
} from '../../domain/ledger/merkle.ts';
import {
  appendLeaves,
  decodeTile,
  edgeTiles,
  encodeTile,
  type Tile,
  type TileId,
  tileKey,
  tileNodeReader,
  tilesOfNodes,
} from '../../domain/ledger/merkle-tiles.ts';
import { DynamoDbLedgerEntries } from './dynamodb-ledger-entries.ts';
import { stateKeys } from './ledger-tables.ts';
import { callStorage } from './storage-errors.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The tree as last extended: how many leaves, the chain it verified on the way, its signed checkpoint. */
export interface MerkleTreeState {
  readonly size: number;
  /** The chain hash at seq = size, as verified link by link while the tree was extended. */
  readonly chainHash: string;
  readonly rootHash: string;
  /** The latest checkpoint (a signed note, text exactly as signed), absent for the empty tree. */
  readonly checkpoint: string | undefined;
  readonly signedAt: string | undefined;
  /** Set when extending stopped at an entry that does not verify (it stays stopped there). */
  readonly stalled?: { readonly seq: number; readonly reason: string; readonly at: string } | undefined;
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly rootHash: string;
  readonly note: string;
  readonly signedAt: string;
}

export interface InclusionProofAnswer {
  readonly seq: number;
  readonly treeSize: number;
  readonly leafIndex: number;
  readonly hashes: string[];
}

export interface ConsistencyProofAnswer {
  readonly from: number;
  readonly to: number;
  readonly hashes: string[];
}

export type ExtendResult =
  | { readonly outcome: 'extended'; readonly from: number; readonly size: number }
  | { readonly outcome: 'current'; readonly size: number }
  | { readonly outcome: 'stalled'; readonly size: number; readonly seq: number; readonly reason: string }
  /** Another writer extended the tree first; nothing was written. */
  | { readonly outcome: 'raced'; readonly size: number };

/** A request for a tree size the latest checkpoint does not cover (answered 400 with the field). */
export class TreeSizeError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'TreeSizeError';
  }
}

/** Leaves appended per transaction: ≤ 17 level-0 tiles + upper tiles + state + checkpoint ≤ 25 items. */
const LEAVES_PER_STEP = 4096;
const TILE_SORT_DIGITS = 12;
const pad = (n: number) => String(n).padStart(TILE_SORT_DIGITS, '0');

export interface MerkleTreeOptions {
  readonly client: DynamoDBDocumentClient;
  readonly eventsTable: string;
  readonly stateTable: string;
  /** The ledger's name in checkpoint origins (`<ledgerName>/<tenant>`). */
  readonly ledgerName: string;
}

/**
 * Each tenant's RFC 9162 Merkle tree over its ledger, kept as C2SP tiles in the state table. The tree is
 * extended after the fact (by the tree reaction), never inside an append: an append stays one
 * transaction, and the tree catches up from the ledger, verifying every chain link as it adds leaves, so
 * the tree and the chain cover the same entries in the same order. Proofs are served for any size up to
 * the latest checkpoint, reading only the tiles the proof's nodes are in.
 */
export class DynamoDbMerkleTree {
  readonly #client: DynamoDBDocumentClient;
  readonly #stateTable: string;
  readonly #entries: DynamoDbLedgerEntries;
  readonly ledgerName: string;

  constructor(options: MerkleTreeOptions) {
    this.#client = options.client;
    this.#stateTable = options.stateTable;
    this.#entries = new DynamoDbLedgerEntries(options);
    this.ledgerName = options.ledgerName;
  }

  origin(tenant: string): string {
    return checkpointOrigin(this.ledgerName, tenant);
  }

  async state(tenant: string): Promise<MerkleTreeState | undefined> {
    const { Item } = await callStorage(() =>
      this.#client.send(
        new GetCommand({
          TableName: this.#stateTable,
          Key: stateKeys.merkleTree(tenant),
          ConsistentRead: true,
        }),
      ),
    );
    if (!Item) return undefined;
    return {
      size: Number(Item.treeSize),
      chainHash: String(Item.chainHash),
      rootHash: String(Item.rootHash),
      checkpoint: Item.checkpoint === undefined ? undefined : String(Item.checkpoint),
      signedAt: Item.signedAt === undefined ? undefined : String(Item.signedAt),
      stalled: Item.stalled as MerkleTreeState['stalled'],
    };
  }

  /** The latest signed checkpoint, exactly as signed; undefined before the first event is covered. */
  async latestCheckpoint(tenant: string): Promise<StoredCheckpoint | undefined> {
    const state = await this.state(tenant);
    if (!state?.checkpoint || !state.signedAt) return undefined;
    return { size: state.size, rootHash: state.rootHash, note: state.checkpoint, signedAt: state.signedAt };
  }

  /** The checkpoint signed at exactly this tree size, if one was. */
  async checkpointAt(tenant: string, size: number): Promise<StoredCheckpoint | undefined> {
    const { Item } = await callStorage(() =>
      this.#client.send(
        new GetCommand({
          TableName: this.#stateTable,
          Key: { pk: stateKeys.merkleCheckpoints(tenant), sk: pad(size) },
          ConsistentRead: true,
        }),
      ),
    );
    if (!Item) return undefined;
    return {
      size: Number(Item.treeSize),
      rootHash: String(Item.rootHash),
      note: String(Item.checkpoint),
      signedAt: String(Item.signedAt),
    };
  }

  /** The earliest checkpoint covering `size` leaves (the one a change report's population proof cites). */
  async checkpointCovering(tenant: string, size: number): Promise<StoredCheckpoint | undefined> {
    const response = await callStorage(() =>
      this.#client.send(
        new QueryCommand({
          TableName: this.#stateTable,
          KeyConditionExpression: 'pk = :pk AND sk >= :from',
          ExpressionAttributeValues: { ':pk': stateKeys.merkleCheckpoints(tenant), ':from': pad(size) },
          ConsistentRead: true,
          Limit: 1,
        }),
      ),
    );
    const Item = response.Items?.[0];
    if (!Item) return undefined;
    return {
      size: Number(Item.treeSize),
      rootHash: String(Item.rootHash),
      note: String(Item.checkpoint),
      signedAt: String(Item.signedAt),
    };
  }

  /** The checkpointed tree size, for validating proof requests (0 when nothing is checkpointed). */
  async checkpointedSize(tenant: string): Promise<number> {
    return (await this.latestCheckpoint(tenant))?.size ?? 0;
  }

  /**
   * RFC 9162 inclusion proof of the entry `seq` in the tree of `treeSize` leaves (default: the latest
   * checkpoint's size). Throws TreeSizeError for a size beyond the latest checkpoint or a seq outside it.
   */
  async inclusionProof(tenant: string, seq: number, treeSize?: number): Promise<InclusionProofAnswer> {
    const latest = await this.checkpointedSize(tenant);
    const size = treeSize ?? latest;
    if (size > latest || size < 1)
      throw new TreeSizeError('treeSize', `treeSize must be between 1 and the latest checkpoint's ${latest}`);
    if (seq < 1 || seq > size) throw new TreeSizeError('seq', `seq must be between 1 and treeSize ${size}`);
    const ranges = inclusionProofRanges(seq - 1, size);
    const read = await this.#reader(tenant, ranges);
    return {
      seq,
      treeSize: size,
      leafIndex: seq - 1,
      hashes: ranges.map((range) => rangeHash(read, range).toString('base64')),
    };
  }

  /** RFC 9162 consistency proof from the tree of `from` leaves to the tree of `to` leaves. */
  async consistencyProof(tenant: string, from: number, to?: number): Promise<ConsistencyProofAnswer> {
    const latest = await this.checkpointedSize(tenant);
    const second = to ?? latest;
    if (second > latest || second < 1)
      throw new TreeSizeError('to', `to must be between 1 and the latest checkpoint's ${latest}`);
    if (from < 1 || from > second)
      throw new TreeSizeError('from', `from must be between 1 and to (${second})`);
    const ranges = consistencyProofRanges(from, second);
    const read = await this.#reader(tenant, ranges);
    return { from, to: second, hashes: ranges.map((range) => rangeHash(read, range).toString('base64')) };
  }

  /** The root hash of the tree of `size` leaves (≤ the stored size), recomputed from tiles. */
  async rootAt(tenant: string, size: number): Promise<Buffer> {
    if (size === 0) return EMPTY_ROOT;
    const ranges = [{ start: 0, end: size }];
    const read = await this.#reader(tenant, ranges);
    return rangeHash(read, ranges[0] as { start: number; end: number });
  }

  async #reader(tenant: string, ranges: readonly { start: number; end: number }[]) {
    const tiles = await this.#loadTiles(tenant, tilesOfNodes(nodesOfRanges(ranges)));
    return tileNodeReader(tiles);
  }

  async #loadTiles(tenant: string, ids: readonly TileId[]): Promise<Map<string, Tile>> {
    const tiles = new Map<string, Tile>();
    const pk = stateKeys.merkleTiles(tenant);
    let pending = ids.map((id) => ({ pk, sk: tileSortKey(id) }));
    while (pending.length > 0) {
      const batch = pending.slice(0, 100);
      pending = pending.slice(100);
      let keys: Record<string, unknown>[] = batch;
      for (let attempt = 0; keys.length > 0; attempt += 1) {
        const response = await callStorage(() =>
          this.#client.send(
            new BatchGetCommand({
              RequestItems: { [this.#stateTable]: { Keys: keys, ConsistentRead: true } },
            }),
          ),
        );
        for (const item of response.Responses?.[this.#stateTable] ?? []) {
          const id = parseTileSortKey(String(item.sk));
          tiles.set(tileKey(id), decodeTile(id, item.hashes as Uint8Array));
        }
        keys = (response.UnprocessedKeys?.[this.#stateTable]?.Keys ?? []) as Record<string, unknown>[];
        if (keys.length > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
      }
    }
    return tiles;
  }

  /**
   * Catches the tree up with the ledger head: reads the entries after the tree's size, verifies each chain
   * link from the hash the tree last verified, adds their leaves, writes the changed tiles and a newly
   * signed checkpoint in one transaction per step (conditioned on the size it started from, so two
   * writers never both extend). Stops at the head, at `maxLeaves`, when `shouldStop` says so, or at the
   * first entry that does not verify (recorded as `stalled`, the tree left at the entry before it).
   */
  async extend(
    tenant: string,
    signer: NoteSigner,
    now: () => Date,
    options: { readonly maxLeaves?: number; readonly shouldStop?: () => boolean } = {},
  ): Promise<ExtendResult> {
    const state = await this.state(tenant);
    const start = state?.size ?? 0;
    let size = start;
    let chain = state?.chainHash ?? GENESIS_HASH;
    const head = await this.#entries.head(tenant);
    const target = Math.min(head?.seq ?? 0, start + (options.maxLeaves ?? Number.POSITIVE_INFINITY));
    if (target <= size) return { outcome: 'current', size };
    while (size < target) {
      const entries = await this.#entries.entries(
        tenant,
        size,
        Math.min(target, size + LEAVES_PER_STEP),
        LEAVES_PER_STEP,
      );
      if (entries.length === 0) break;
      const verifier = createChainVerifier({ seq: size, chainHash: chain });
      const leaves: Buffer[] = [];
      let failure: { seq: number; reason: string } | undefined;
      let stepChain = chain;
      for (const entry of entries) {
        const bad = verifier.next(entry);
        if (bad && !bad.ok) {
          failure = { seq: bad.firstBadSeq, reason: bad.reason };
          break;
        }
        leaves.push(leafHash(entry.body));
        stepChain = entry.chainHash;
      }
      if (leaves.length > 0) {
        const written = await this.#writeStep(tenant, signer, now(), size, leaves, stepChain);
        if (!written) return { outcome: 'raced', size };
        size += leaves.length;
        chain = stepChain;
      }
      if (failure) {
        await this.#markStalled(tenant, size, failure, now());
        return { outcome: 'stalled', size, ...failure };
      }
      if (options.shouldStop?.()) break;
    }
    return size > start ? { outcome: 'extended', from: start, size } : { outcome: 'current', size };
  }

  async #writeStep(
    tenant: string,
    signer: NoteSigner,
    signedAt: Date,
    size: number,
    leaves: readonly Buffer[],
    chainHash: string,
  ): Promise<boolean> {
    const edges = await this.#loadTiles(tenant, edgeTiles(size));
    const appended = appendLeaves(size, edges, leaves);
    // Every tile the new root needs is in the edges or the changed tiles.
    const all = new Map(edges);
    for (const tile of appended.tiles) all.set(tileKey(tile), tile);
    const rootHash = rangeHash(tileNodeReader(all), { start: 0, end: appended.size });
    const checkpoint: Checkpoint = {
      origin: this.origin(tenant),
      size: appended.size,
      rootHash,
      extensions: [],
    };
    const note = await signCheckpoint(signer, checkpoint);
    const at = signedAt.toISOString();
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.#stateTable,
          Item: {
            ...stateKeys.merkleTree(tenant),
            treeSize: appended.size,
            chainHash,
            rootHash: rootHash.toString('base64'),
            checkpoint: note,
            signedAt: at,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR treeSize = :size',
          ExpressionAttributeValues: { ':size': size },
        },
      },
      {
        Put: {
          TableName: this.#stateTable,
          Item: {
            pk: stateKeys.merkleCheckpoints(tenant),
            sk: pad(appended.size),
            treeSize: appended.size,
            rootHash: rootHash.toString('base64'),
            checkpoint: note,
            signedAt: at,
          },
        },
      },
      ...appended.tiles.map(
        (tile): TransactItem => ({
          Put: {
            TableName: this.#stateTable,
            Item: {
              pk: stateKeys.merkleTiles(tenant),
              sk: tileSortKey(tile),
              hashes: encodeTile(tile.hashes),
            },
          },
        }),
      ),
    ];
    try {
      await callStorage(() => this.#client.send(new TransactWriteCommand({ TransactItems: items })));
      return true;
    } catch (error) {
      if ((error as Error).name === 'TransactionCanceledException') {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
      }
      throw error;
    }
  }

  async #markStalled(tenant: string, size: number, failure: { seq: number; reason: string }, at: Date) {
    const state = await this.state(tenant);
    if ((state?.size ?? 0) !== size) return;
    const item = {
      ...stateKeys.merkleTree(tenant),
      treeSize: size,
      chainHash: state?.chainHash ?? GENESIS_HASH,
      rootHash: state?.rootHash ?? EMPTY_ROOT.toString('base64'),
      ...(state?.checkpoint ? { checkpoint: state.checkpoint, signedAt: state.signedAt } : {}),
      stalled: { ...failure, at: at.toISOString() },
    };
    await callStorage(() =>
      this.#client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.#stateTable,
                Item: item,
                ConditionExpression: 'attribute_not_exists(pk) OR treeSize = :size',
                ExpressionAttributeValues: { ':size': size },
              },
            },
          ],
        }),
      ),
    ).catch((error: unknown) => {
      if ((error as Error).name !== 'TransactionCanceledException') throw error;
    });
  }
}

function tileSortKey(tile: TileId): string {
  return `${tile.level}/${pad(tile.index)}`;
}

function parseTileSortKey(sk: string): TileId {
  const [level, index] = sk.split('/');
  return { level: Number(level), index: Number(index) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
