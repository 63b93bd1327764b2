/**
 * What the change report needs from the ledger's Merkle tree (issue 17): the latest signed checkpoint
 * and inclusion proofs against it. Narrow on purpose, so the report does not depend on how the tree is
 * stored; the adapter over the tree implements it.
 */
export interface SignedCheckpoint {
  /** The C2SP signed note exactly as signed (origin, tree size, base64 root, blank line, signatures). */
  readonly text: string;
  readonly treeSize: number;
}

/** RFC 9162 inclusion proof of the entry at `seq` (leaf index `seq - 1`) in the tree of `treeSize`. */
export interface InclusionProof {
  readonly seq: number;
  readonly treeSize: number;
  readonly leafIndex: number;
  readonly hashes: readonly string[];
}

export interface ProofSource {
  latestCheckpoint(tenant: string): Promise<SignedCheckpoint | undefined>;
  inclusionProof(tenant: string, seq: number, treeSize: number): Promise<InclusionProof>;
}
