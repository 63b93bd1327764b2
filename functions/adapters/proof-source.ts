import type { ProofSource } from '../../domain/ports/proof-source.ts';
import type { Adapters } from './clients.ts';
import { merkleTree } from './merkle-adapters.ts';

/** The change report's view of the tenant Merkle trees: the latest signed checkpoint and proofs. */
export function proofSource({ config }: Adapters): ProofSource {
  const tree = merkleTree(config);
  return {
    latestCheckpoint: async (tenant) => {
      const latest = await tree.latestCheckpoint(tenant);
      return latest ? { text: latest.note, treeSize: latest.size } : undefined;
    },
    inclusionProof: (tenant, seq, treeSize) => tree.inclusionProof(tenant, seq, treeSize),
  };
}
