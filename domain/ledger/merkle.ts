import { createHash } from 'node:crypto';

/**
 * The tenant ledger as an RFC 9162 (RFC 6962) Merkle tree: leaf i is the entry with seq i + 1, hashed
 * from its stored canonical body. Pure maths: the tree's nodes come from a `NodeReader` the caller
 * supplies (storage, or leaves held in memory), and every proof is a list of subtree ranges first, so an
 * adapter can fetch exactly the nodes a proof needs before hashing anything.
 */

export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** RFC 9162 §2.1.1: the hash of a leaf, SHA-256(0x00 ‖ data). The data is the stored body as UTF-8. */
export function leafHash(data: string | Uint8Array): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return createHash('sha256').update(LEAF_PREFIX).update(bytes).digest();
}

/** RFC 9162 §2.1.1: an interior node, SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** MTH({}) = SHA-256() — the root of the empty tree. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** The leaf index of a ledger seq (seq 1 is leaf 0). */
export function leafIndexOfSeq(seq: number): number {
  return seq - 1;
}

/** A perfect subtree: the 2^level leaves starting at index · 2^level. Level 0 nodes are leaf hashes. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Leaves [start, end) of the tree; every proof hash is MTH of one such range. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** Returns the hash of a perfect subtree that lies wholly inside the tree. */
export type NodeReader = (node: NodeId) => Uint8Array;

/** The largest power of two strictly less than n (n ≥ 2), RFC 9162's k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
}

function assertSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative integer`);
}

/**
 * The perfect subtrees whose hashes make up MTH(D[start:end]), split as RFC 9162 §2.1.1 splits (largest
 * power of two first). For ranges the proofs produce they are aligned nodes; an unaligned power-of-two
 * range is split further down to aligned ones, which hashes to the same value.
 */
export function rangeNodes(range: LeafRange): NodeId[] {
  const out: NodeId[] = [];
  const visit = (start: number, end: number): void => {
    const n = end - start;
    if (isPowerOfTwo(n) && start % n === 0) {
      out.push({ level: Math.log2(n), index: start / n });
      return;
    }
    const k = splitPoint(n);
    visit(start, start + k);
    visit(start + k, end);
  };
  if (range.end > range.start) visit(range.start, range.end);
  return out;
}

/** MTH(D[start:end]) from the nodes `read` returns. The empty range hashes to EMPTY_ROOT. */
export function rangeHash(read: NodeReader, range: LeafRange): Buffer {
  const visit = (start: number, end: number): Uint8Array => {
    const n = end - start;
    if (isPowerOfTwo(n) && start % n === 0) return read({ level: Math.log2(n), index: start / n });
    const k = splitPoint(n);
    return nodeHash(visit(start, start + k), visit(start + k, end));
  };
  if (range.end <= range.start) return EMPTY_ROOT;
  return Buffer.from(visit(range.start, range.end));
}

/** The root of the tree of the first `size` leaves. */
export function treeRoot(read: NodeReader, size: number): Buffer {
  assertSize('size', size);
  return rangeHash(read, { start: 0, end: size });
}

/**
 * RFC 9162 §2.1.3.1 PATH(m, D[0:n]) as ranges, nearest the leaf first (the order the verifier consumes).
 */
export function inclusionProofRanges(leafIndex: number, treeSize: number): LeafRange[] {
  assertSize('leafIndex', leafIndex);
  assertSize('treeSize', treeSize);
  if (leafIndex >= treeSize) throw new RangeError(`leaf ${leafIndex} is not in a tree of size ${treeSize}`);
  const out: LeafRange[] = [];
  const path = (start: number, end: number): void => {
    if (end - start <= 1) return;
    const k = splitPoint(end - start);
    if (leafIndex < start + k) {
      path(start, start + k);
      out.push({ start: start + k, end });
    } else {
      path(start + k, end);
      out.push({ start, end: start + k });
    }
  };
  path(0, treeSize);
  return out;
}

/**
 * RFC 9162 §2.1.4.1 PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) as ranges. Empty when m = n or m = 0
 * (every tree is consistent with the empty one).
 */
export function consistencyProofRanges(first: number, second: number): LeafRange[] {
  assertSize('first', first);
  assertSize('second', second);
  if (first > second) throw new RangeError(`size ${first} is larger than size ${second}`);
  if (first === 0 || first === second) return [];
  const out: LeafRange[] = [];
  const subproof = (start: number, end: number, completeSubtree: boolean): void => {
    const m = first - start;
    const n = end - start;
    if (m === n) {
      if (!completeSubtree) out.push({ start, end });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      subproof(start, start + k, completeSubtree);
      out.push({ start: start + k, end });
    } else {
      subproof(start + k, end, false);
      out.push({ start, end: start + k });
    }
  };
  subproof(0, second, true);
  return out;
}

/** Every node a set of ranges needs, without duplicates, for fetching ahead of hashing. */
export function nodesOfRanges(ranges: readonly LeafRange[]): NodeId[] {
  const seen = new Map<string, NodeId>();
  for (const range of ranges) {
    for (const node of rangeNodes(range)) seen.set(`${node.level}/${node.index}`, node);
  }
  return [...seen.values()];
}

export function inclusionProof(read: NodeReader, leafIndex: number, treeSize: number): Buffer[] {
  return inclusionProofRanges(leafIndex, treeSize).map((range) => rangeHash(read, range));
}

export function consistencyProof(read: NodeReader, first: number, second: number): Buffer[] {
  return consistencyProofRanges(first, second).map((range) => rangeHash(read, range));
}

export type ProofCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: ProofCheck = { ok: true };
const fail = (reason: string): ProofCheck => ({ ok: false, reason });

function validHashes(hashes: readonly Uint8Array[]): boolean {
  return hashes.every((hash) => hash.length === HASH_SIZE);
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/**
 * RFC 9162 §2.1.3.2: does `proof` lead from the leaf hash at `leafIndex` to `root` in a tree of
 * `treeSize`? Rejects a path that is too short (the walk does not reach the root) or too long (it reaches
 * the root before the path ends), any hash that is not 32 bytes, and an index outside the tree. The leaf
 * hash must be computed by the caller with `leafHash` (0x00 prefix), so an interior node offered as a
 * leaf cannot match unless SHA-256 collides across the two prefixes.
 */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): ProofCheck {
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || treeSize < 0)
    return fail('leaf index and tree size must be non-negative integers');
  if (leafIndex >= treeSize) return fail(`leaf index ${leafIndex} is outside a tree of size ${treeSize}`);
  if (leaf.length !== HASH_SIZE || root.length !== HASH_SIZE || !validHashes(proof))
    return fail('every hash must be 32 bytes');
  // BigInt keeps the bit arithmetic exact beyond 2^31 (JavaScript's bitwise operators are 32-bit).
  let fn = BigInt(leafIndex);
  let sn = BigInt(treeSize - 1);
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0n) return fail('the proof is longer than the path to the root');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return fail('the proof is shorter than the path to the root');
  if (!sameHash(r, root)) return fail('the proof does not lead to the root hash');
  return OK;
}

/**
 * Inclusion of leaf *data* (an entry's stored body): the verifier computes the leaf hash itself, so
 * nothing but real leaf data can be proven — an interior node's children offered as data hash with the
 * 0x00 prefix to something else. Offline verifiers use this, never a leaf hash supplied with the proof.
 */
export function verifyLeafInclusion(
  data: string | Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): ProofCheck {
  return verifyInclusion(leafIndex, treeSize, leafHash(data), proof, root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show the tree of `first` leaves (root `firstRoot`) is a prefix of the
 * tree of `second` leaves (root `secondRoot`)?
 */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): ProofCheck {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || second < 0)
    return fail('tree sizes must be non-negative integers');
  if (first > second) return fail(`size ${first} is larger than size ${second}`);
  if (firstRoot.length !== HASH_SIZE || secondRoot.length !== HASH_SIZE || !validHashes(proof))
    return fail('every hash must be 32 bytes');
  if (first === second) {
    if (proof.length > 0) return fail('a proof between equal sizes must be empty');
    return sameHash(firstRoot, secondRoot) ? OK : fail('equal sizes with different root hashes');
  }
  if (first === 0) return proof.length > 0 ? fail('a proof from the empty tree must be empty') : OK;
  if (proof.length === 0) return fail('the proof is empty');
  const path: Uint8Array[] = [...proof];
  if (isPowerOfTwo(first)) path.unshift(firstRoot);
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  const [seed, ...rest] = path;
  if (!seed) return fail('the proof is empty');
  let fr: Uint8Array = seed;
  let sr: Uint8Array = seed;
  for (const c of rest) {
    if (sn === 0n) return fail('the proof is longer than needed');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return fail('the proof is shorter than needed');
  if (!sameHash(fr, firstRoot)) return fail('the proof does not lead to the old root hash');
  if (!sameHash(sr, secondRoot)) return fail('the proof does not lead to the new root hash');
  return OK;
}

/** A reader over leaf hashes held in memory (tests, offline tools, small trees). */
export function memoryNodeReader(leaves: readonly Uint8Array[]): NodeReader {
  const cache = new Map<string, Uint8Array>();
  const read: NodeReader = ({ level, index }) => {
    if (level === 0) {
      const leaf = leaves[index];
      if (!leaf) throw new RangeError(`leaf ${index} is not in the tree`);
      return leaf;
    }
    const key = `${level}/${index}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const hash = nodeHash(
      read({ level: level - 1, index: index * 2 }),
      read({ level: level - 1, index: index * 2 + 1 }),
    );
    cache.set(key, hash);
    return hash;
  };
  return read;
}
