import { HASH_SIZE, type NodeId, type NodeReader, nodeHash } from './merkle.ts';

/**
 * The tree kept as C2SP tlog-tiles: a tile at level L, index N holds up to 256 hashes of tree level 8·L,
 * those of nodes N·256 … N·256 + 255. Level-0 tiles hold leaf hashes; a full tile's 256 hashes make one
 * hash of the tile above. A node between tile levels is recomputed from at most 128 hashes of the tile
 * below it, so storage holds ≈ n·(1 + 1/256 + …) hashes and an append touches one tile per level it
 * completes. Tiles only grow: a partial tile is replaced by a wider one with the same prefix, and a full
 * tile never changes, so any tree size up to the stored one reads the same nodes.
 */

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;

export interface TileId {
  readonly level: number;
  readonly index: number;
}

export interface Tile extends TileId {
  /** The tile's hashes, left to right (fewer than TILE_WIDTH for the right-most tile of a level). */
  readonly hashes: readonly Uint8Array[];
}

export const tileKey = (tile: TileId): string => `${tile.level}/${tile.index}`;

/** The tile holding the hashes that node is computed from. */
export function tileOfNode(node: NodeId): TileId {
  const level = Math.floor(node.level / TILE_HEIGHT);
  const span = 2 ** (node.level - level * TILE_HEIGHT);
  return { level, index: Math.floor((node.index * span) / TILE_WIDTH) };
}

/** The tiles `nodes` are read from, without duplicates. */
export function tilesOfNodes(nodes: readonly NodeId[]): TileId[] {
  const seen = new Map<string, TileId>();
  for (const node of nodes) {
    const tile = tileOfNode(node);
    seen.set(tileKey(tile), tile);
  }
  return [...seen.values()];
}

/** A NodeReader over loaded tiles; throws if a node needs a tile or hash that was not loaded. */
export function tileNodeReader(tiles: ReadonlyMap<string, Tile>): NodeReader {
  return (node) => {
    const id = tileOfNode(node);
    const tile = tiles.get(tileKey(id));
    if (!tile) throw new RangeError(`tile ${tileKey(id)} is not loaded`);
    const span = 2 ** (node.level - id.level * TILE_HEIGHT);
    const offset = node.index * span - id.index * TILE_WIDTH;
    if (offset + span > tile.hashes.length) {
      throw new RangeError(`node ${node.level}/${node.index} is beyond tile ${tileKey(id)}`);
    }
    return perfectHash(tile.hashes, offset, span);
  };
}

function perfectHash(hashes: readonly Uint8Array[], offset: number, span: number): Uint8Array {
  if (span === 1) {
    const hash = hashes[offset];
    if (!hash) throw new RangeError(`hash ${offset} missing`);
    return hash;
  }
  const half = span / 2;
  return nodeHash(perfectHash(hashes, offset, half), perfectHash(hashes, offset + half, half));
}

/**
 * The right-most (partial) tile of each level of a tree of `size` leaves: what an append extends, so
 * what the writer loads before appending. A level whose right-most tile would be empty is left out.
 */
export function edgeTiles(size: number): TileId[] {
  const out: TileId[] = [];
  let count = size;
  for (let level = 0; count > 0; level += 1) {
    if (count % TILE_WIDTH !== 0) out.push({ level, index: Math.floor(count / TILE_WIDTH) });
    count = Math.floor(count / TILE_WIDTH);
  }
  return out;
}

/**
 * Appends leaf hashes to a tree of `size` leaves whose edge tiles (`edgeTiles(size)`) are given, and
 * returns every tile that changed (completed or grown), each in full. Pure: the caller writes them.
 */
export function appendLeaves(
  size: number,
  edges: ReadonlyMap<string, Tile>,
  leaves: readonly Uint8Array[],
): { readonly size: number; readonly tiles: Tile[] } {
  for (const leaf of leaves) {
    if (leaf.length !== HASH_SIZE) throw new RangeError('a leaf hash must be 32 bytes');
  }
  // The open row of each level: index of its tile and the hashes it holds so far.
  const rows: { index: number; hashes: Uint8Array[]; dirty: boolean }[] = [];
  const changed = new Map<string, Tile>();
  let count = size;
  for (let level = 0; count > 0 || level === 0; level += 1) {
    const index = Math.floor(count / TILE_WIDTH);
    const width = count % TILE_WIDTH;
    const existing = width > 0 ? edges.get(tileKey({ level, index })) : undefined;
    if (width > 0 && (!existing || existing.hashes.length < width)) {
      throw new RangeError(`edge tile ${level}/${index} must hold ${width} hashes`);
    }
    rows.push({ index, hashes: existing ? existing.hashes.slice(0, width) : [], dirty: false });
    count = Math.floor(count / TILE_WIDTH);
    if (count === 0) break;
  }
  const push = (level: number, hash: Uint8Array): void => {
    let row = rows[level];
    if (!row) {
      row = { index: 0, hashes: [], dirty: false };
      rows[level] = row;
    }
    row.hashes.push(hash);
    row.dirty = true;
    if (row.hashes.length === TILE_WIDTH) {
      changed.set(tileKey({ level, index: row.index }), { level, index: row.index, hashes: row.hashes });
      const full = perfectHash(row.hashes, 0, TILE_WIDTH);
      rows[level] = { index: row.index + 1, hashes: [], dirty: false };
      push(level + 1, full);
    }
  };
  for (const leaf of leaves) push(0, leaf);
  rows.forEach((row, level) => {
    if (row.dirty && row.hashes.length > 0) {
      changed.set(tileKey({ level, index: row.index }), { level, index: row.index, hashes: [...row.hashes] });
    }
  });
  return { size: size + leaves.length, tiles: [...changed.values()] };
}

/** A tile's hashes as one byte string (32 bytes each), as storage keeps it. */
export function encodeTile(hashes: readonly Uint8Array[]): Buffer {
  return Buffer.concat(hashes.map((hash) => Buffer.from(hash)));
}

export function decodeTile(id: TileId, bytes: Uint8Array): Tile {
  if (bytes.length % HASH_SIZE !== 0 || bytes.length > TILE_WIDTH * HASH_SIZE) {
    throw new RangeError(`tile ${tileKey(id)} has ${bytes.length} bytes`);
  }
  const hashes: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += HASH_SIZE) {
    hashes.push(Buffer.from(bytes.subarray(offset, offset + HASH_SIZE)));
  }
  return { ...id, hashes };
}
