import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  memoryNodeReader,
  nodeHash,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
  verifyLeafInclusion,
} from '../../../../domain/ledger/merkle.ts';
import {
  appendLeaves,
  edgeTiles,
  TILE_WIDTH,
  type Tile,
  tileKey,
  tileNodeReader,
  tilesOfNodes,
} from '../../../../domain/ledger/merkle-tiles.ts';

interface Vectors {
  leafInputsHex: string[];
  nodeHashesHex: string[][];
  rootHashesHex: string[];
  inclusionProofs: { leafIndex: number; treeSize: number; proofHex: string[] }[];
  consistencyProofs: { size1: number; size2: number; proofHex: string[] }[];
}
const vectors = JSON.parse(
  readFileSync(
    resolve(import.meta.dirname, '../../../fixtures/merkle/transparency-dev-vectors.json'),
    'utf8',
  ),
) as Vectors;
const hex = (h: string) => Buffer.from(h, 'hex');
const leaves = vectors.leafInputsHex.map((input) => leafHash(hex(input)));
const read = memoryNodeReader(leaves);
const root = (size: number) => hex(vectors.rootHashesHex[size] as string);
const flipBit = (hash: Buffer, bit: number): Buffer => {
  const copy = Buffer.from(hash);
  copy.writeUInt8((copy.readUInt8(0) ^ bit) & 0xff, 0);
  return copy;
};
const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456');

describe('RFC 6962 hashing against the transparency-dev/merkle vectors', () => {
  it('hashes leaves and interior nodes as published', () => {
    vectors.nodeHashesHex.forEach((level, height) => {
      level.forEach((expected, index) => {
        expect(Buffer.from(read({ level: height, index })).toString('hex')).toBe(expected);
      });
    });
  });

  it('computes the root of every prefix, the empty tree included', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(vectors.rootHashesHex[0]);
    for (let size = 0; size <= leaves.length; size += 1) {
      expect(treeRoot(read, size).toString('hex')).toBe(vectors.rootHashesHex[size]);
    }
  });

  it('generates and verifies the published inclusion proofs', () => {
    for (const v of vectors.inclusionProofs) {
      const proof = inclusionProof(read, v.leafIndex, v.treeSize);
      expect(proof.map((h) => h.toString('hex'))).toEqual(v.proofHex);
      const leaf = leaves[v.leafIndex] as Buffer;
      expect(verifyInclusion(v.leafIndex, v.treeSize, leaf, proof, root(v.treeSize))).toEqual({ ok: true });
    }
  });

  it('generates and verifies the published consistency proofs', () => {
    for (const v of vectors.consistencyProofs) {
      const proof = consistencyProof(read, v.size1, v.size2);
      expect(proof.map((h) => h.toString('hex'))).toEqual(v.proofHex);
      expect(verifyConsistency(v.size1, v.size2, root(v.size1), root(v.size2), proof)).toEqual({ ok: true });
    }
  });
});

/** Every way of forging an inclusion proof the transparency-dev suite probes, plus our own. */
function forgedInclusions(index: number, size: number, leaf: Buffer, proof: Buffer[], rootHash: Buffer) {
  const probes: { desc: string; index: number; size: number; leaf: Buffer; proof: Buffer[]; root: Buffer }[] =
    [
      { desc: 'index - 1', index: index - 1, size, leaf, proof, root: rootHash },
      { desc: 'index + 1', index: index + 1, size, leaf, proof, root: rootHash },
      { desc: 'index ^ 2', index: index ^ 2, size, leaf, proof, root: rootHash },
      { desc: 'size * 2', index, size: size * 2, leaf, proof, root: rootHash },
      { desc: 'size / 2', index, size: Math.floor(size / 2), leaf, proof, root: rootHash },
      { desc: 'wrong leaf', index, size, leaf: leafHash('WrongLeaf'), proof, root: rootHash },
      { desc: 'unhashed leaf data', index, size, leaf: Buffer.from('WrongLeaf'), proof, root: rootHash },
      { desc: 'empty root', index, size, leaf, proof, root: EMPTY_ROOT },
      { desc: 'random root', index, size, leaf, proof, root: SOME_HASH },
      { desc: 'trailing garbage', index, size, leaf, proof: [...proof, Buffer.alloc(0)], root: rootHash },
      {
        desc: 'trailing root (extended path)',
        index,
        size,
        leaf,
        proof: [...proof, rootHash],
        root: rootHash,
      },
      { desc: 'preceding garbage', index, size, leaf, proof: [Buffer.alloc(0), ...proof], root: rootHash },
      { desc: 'preceding root', index, size, leaf, proof: [rootHash, ...proof], root: rootHash },
    ];
  proof.forEach((_, i) => {
    const flipped: Buffer[] = proof.map((h) => Buffer.from(h));
    flipped[i] = flipBit(flipped[i] as Buffer, 8);
    probes.push({ desc: `modified proof[${i}]`, index, size, leaf, proof: flipped, root: rootHash });
  });
  if (proof.length > 0)
    probes.push({ desc: 'truncated path', index, size, leaf, proof: proof.slice(0, -1), root: rootHash });
  if (proof.length > 1) {
    const swapped = [proof[1] as Buffer, proof[0] as Buffer, ...proof.slice(2)];
    probes.push({ desc: 'swapped siblings', index, size, leaf, proof: swapped, root: rootHash });
    probes.push({
      desc: 'inserted component',
      index,
      size,
      leaf,
      proof: [proof[0] as Buffer, SOME_HASH, ...proof.slice(1)],
      root: rootHash,
    });
  }
  return probes;
}

describe('inclusion verification rejects forged proofs', () => {
  it('accepts none of the forgeries of any published proof', () => {
    for (const v of vectors.inclusionProofs) {
      const leaf = leaves[v.leafIndex] as Buffer;
      const proof = v.proofHex.map(hex);
      for (const probe of forgedInclusions(v.leafIndex, v.treeSize, leaf, proof, root(v.treeSize))) {
        const result = verifyInclusion(probe.index, probe.size, probe.leaf, probe.proof, probe.root);
        expect(result.ok, `${probe.desc} of leaf ${v.leafIndex} in ${v.treeSize}`).toBe(false);
      }
    }
  });

  it('rejects the empty-proof edge cases the reference suite lists', () => {
    for (const [index, size] of [
      [0, 0],
      [1, 0],
      [2, 1],
    ] as const) {
      expect(verifyInclusion(index, size, SOME_HASH, [], EMPTY_ROOT).ok).toBe(false);
    }
    expect(verifyInclusion(0, 1, SOME_HASH, [], Buffer.alloc(0)).ok).toBe(false);
    expect(verifyInclusion(-1, 1, SOME_HASH, [], SOME_HASH).ok).toBe(false);
    expect(verifyInclusion(0, 1, SOME_HASH, [], SOME_HASH)).toEqual({ ok: true });
  });

  it('a node presented as a leaf never verifies: the verifier hashes the data itself, with the 0x00 prefix', () => {
    // The second-preimage attack RFC 6962's prefixes prevent: claim that the two children of a node are
    // one leaf's data, one level up. With leaves and nodes hashed alike it would verify.
    for (const v of vectors.inclusionProofs.filter((p) => p.proofHex.length > 1)) {
      const leaf = leaves[v.leafIndex] as Buffer;
      const [sibling, ...rest] = v.proofHex.map(hex) as [Buffer, ...Buffer[]];
      const children =
        v.leafIndex % 2 === 0 ? Buffer.concat([leaf, sibling]) : Buffer.concat([sibling, leaf]);
      const upIndex = Math.floor(v.leafIndex / 2);
      const upSize = Math.ceil(v.treeSize / 2);
      expect(verifyLeafInclusion(children, upIndex, upSize, rest, root(v.treeSize)).ok).toBe(false);
      // The path itself is sound: the node's hash does lead to the root, which is why a verifier must
      // never accept a leaf hash from the party it is checking.
      expect(
        verifyInclusion(
          upIndex,
          upSize,
          nodeHash(children.subarray(0, 32), children.subarray(32)),
          rest,
          root(v.treeSize),
        ).ok,
      ).toBe(true);
    }
    const rootOf2 = treeRoot(read, 2);
    expect(
      verifyLeafInclusion(Buffer.concat([leaves[0] as Buffer, leaves[1] as Buffer]), 0, 1, [], rootOf2).ok,
    ).toBe(false);
  });
});

describe('consistency verification rejects forged proofs', () => {
  it('accepts none of the forgeries of any published proof', () => {
    for (const v of vectors.consistencyProofs) {
      const proof = v.proofHex.map(hex);
      if (proof.length === 0) continue;
      const [r1, r2] = [root(v.size1), root(v.size2)];
      const probes: [string, number, number, Buffer, Buffer, Buffer[]][] = [
        ['size1 - 1', v.size1 - 1, v.size2, r1, r2, proof],
        ['size1 + 1', v.size1 + 1, v.size2, r1, r2, proof],
        ['size1 ^ 2', v.size1 ^ 2, v.size2, r1, r2, proof],
        ['size2 * 2', v.size1, v.size2 * 2, r1, r2, proof],
        ['size2 / 2', v.size1, Math.floor(v.size2 / 2), r1, r2, proof],
        ['wrong root1', v.size1, v.size2, SOME_HASH, r2, proof],
        ['wrong root2', v.size1, v.size2, r1, SOME_HASH, proof],
        ['swapped roots', v.size1, v.size2, r2, r1, proof],
        ['empty proof', v.size1, v.size2, r1, r2, []],
        ['trailing garbage', v.size1, v.size2, r1, r2, [...proof, Buffer.alloc(0)]],
        ['trailing root1', v.size1, v.size2, r1, r2, [...proof, r1]],
        ['trailing root2', v.size1, v.size2, r1, r2, [...proof, r2]],
        ['preceding garbage', v.size1, v.size2, r1, r2, [Buffer.alloc(0), ...proof]],
        ['preceding root1', v.size1, v.size2, r1, r2, [r1, ...proof]],
        ['preceding root2', v.size1, v.size2, r1, r2, [r2, ...proof]],
        ['preceding proof[0]', v.size1, v.size2, r1, r2, [proof[0] as Buffer, ...proof]],
        ['truncated', v.size1, v.size2, r1, r2, proof.slice(0, -1)],
      ];
      if (proof.length > 1) {
        probes.push([
          'swapped',
          v.size1,
          v.size2,
          r1,
          r2,
          [proof[1] as Buffer, proof[0] as Buffer, ...proof.slice(2)],
        ]);
      }
      proof.forEach((_, i) => {
        const flipped: Buffer[] = proof.map((h) => Buffer.from(h));
        flipped[i] = flipBit(flipped[i] as Buffer, 16);
        probes.push([`modified proof[${i}]`, v.size1, v.size2, r1, r2, flipped]);
      });
      for (const [desc, s1, s2, a, b, p] of probes) {
        expect(verifyConsistency(s1, s2, a, b, p).ok, `${desc} of ${v.size1}→${v.size2}`).toBe(false);
      }
    }
  });

  it('handles the trivial sizes as the reference suite does', () => {
    const r1 = SOME_HASH;
    const r2 = EMPTY_ROOT;
    expect(verifyConsistency(0, 0, r1, r1, []).ok).toBe(true);
    expect(verifyConsistency(0, 1, r1, r2, []).ok).toBe(true);
    expect(verifyConsistency(1, 1, r2, r2, []).ok).toBe(true);
    expect(verifyConsistency(1, 1, r1, r2, []).ok).toBe(false);
    expect(verifyConsistency(1, 0, r1, r2, []).ok).toBe(false);
    expect(verifyConsistency(2, 1, r1, r2, []).ok).toBe(false);
    expect(verifyConsistency(1, 2, r1, r2, []).ok).toBe(false);
    expect(verifyConsistency(0, 1, r2, r2, [r2]).ok).toBe(false);
    expect(verifyConsistency(1, 1, r2, r2, [r2]).ok).toBe(false);
  });
});

describe('proofs of every leaf and size verify (generated trees)', () => {
  const many = Array.from({ length: 70 }, (_, i) => leafHash(`entry ${i}`));
  const manyReader = memoryNodeReader(many);

  it('inclusion of each leaf in each tree size, consistency between each pair of sizes', () => {
    for (let size = 1; size <= many.length; size += 1) {
      const rootHash = treeRoot(manyReader, size);
      for (let index = 0; index < size; index += 1) {
        const proof = inclusionProof(manyReader, index, size);
        expect(verifyInclusion(index, size, many[index] as Buffer, proof, rootHash).ok).toBe(true);
        if (index + 1 < size) {
          expect(verifyInclusion(index + 1, size, many[index] as Buffer, proof, rootHash).ok).toBe(false);
        }
      }
      for (let first = 1; first <= size; first += 1) {
        const proof = consistencyProof(manyReader, first, size);
        expect(verifyConsistency(first, size, treeRoot(manyReader, first), rootHash, proof).ok).toBe(true);
      }
    }
  });
});

describe('tiles maintained incrementally give the same tree as the leaves', () => {
  it('appending in any batch sizes yields the same roots and proofs as a tree built at once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 6 }), (batches) => {
        const total = batches.reduce((a, b) => a + b, 0);
        const all = Array.from({ length: total }, (_, i) => leafHash(`leaf ${i}`));
        const stored = new Map<string, Tile>();
        let size = 0;
        for (const batch of batches) {
          const edges = new Map<string, Tile>();
          for (const id of edgeTiles(size)) {
            const tile = stored.get(tileKey(id));
            if (tile) edges.set(tileKey(id), tile);
          }
          const appended = appendLeaves(size, edges, all.slice(size, size + batch));
          for (const tile of appended.tiles) {
            expect(tile.hashes.length).toBeLessThanOrEqual(TILE_WIDTH);
            stored.set(tileKey(tile), tile);
          }
          size = appended.size;
          const fromTiles = tileNodeReader(stored);
          expect(treeRoot(fromTiles, size)).toEqual(treeRoot(memoryNodeReader(all), size));
        }
        const fromTiles = tileNodeReader(stored);
        const index = total - 1 - Math.floor(total / 3);
        expect(inclusionProof(fromTiles, index, total)).toEqual(
          inclusionProof(memoryNodeReader(all), index, total),
        );
      }),
      { numRuns: 25 },
    );
  });

  it('a proof reads only the tiles of its nodes', () => {
    const size = 70_000;
    const proofTiles = tilesOfNodes([
      { level: 0, index: 123 },
      { level: 8, index: 3 },
      { level: 12, index: 1 },
    ]);
    expect(proofTiles).toEqual([
      { level: 0, index: 0 },
      { level: 1, index: 0 },
    ]);
    // 70,000 leaves: 273 full level-0 tiles and 112 leaves, 17 level-8 nodes past 256, one level-16 node.
    expect(edgeTiles(size)).toEqual([
      { level: 0, index: 273 },
      { level: 1, index: 1 },
      { level: 2, index: 0 },
    ]);
  });
});
