import type { ProofSource } from '../../domain/ports/proof-source.ts';
import type { Adapters } from './clients.ts';

/**
 * The Merkle tree's checkpoints and proofs for the change report, or undefined while this build has
 * no tree: the report then scans up to the ledger head and says `checkpoint: null`.
 */
export function proofSource(_adapters: Adapters): ProofSource | undefined {
  return undefined;
}
