import { parseVerifierKey, verifyCheckpoint } from '../../domain/ledger/checkpoint.ts';
import { verifyLeafInclusion } from '../../domain/ledger/merkle.ts';
import type { ProofVerifier } from './evidence.ts';

/**
 * The checkpoint and inclusion checks of `verify-evidence`: the signed note must verify under the key
 * (and name the key's origin), and each entry's stored body is hashed here into its leaf (RFC 9162,
 * 0x00 prefix) before its path is walked, so nothing but real entry data can be proven.
 */
export const evidenceProofVerifier: ProofVerifier = {
  checkpoint: (text, keyText) => {
    const key = parseVerifierKey(keyText);
    if (!key.ok) return { error: key.reason };
    const checkpoint = verifyCheckpoint(text, key.value);
    if (!checkpoint.ok) return { error: checkpoint.reason };
    return {
      treeSize: checkpoint.value.size,
      rootHash: Buffer.from(checkpoint.value.rootHash).toString('base64'),
    };
  },
  inclusion: (body, proof, rootHash) => {
    if (!Array.isArray(proof.hashes) || proof.hashes.some((h) => typeof h !== 'string'))
      return 'the proof has no list of base64 hashes';
    const hashes = proof.hashes.map((hash) => Buffer.from(hash, 'base64'));
    const check = verifyLeafInclusion(
      body,
      proof.leafIndex,
      proof.treeSize,
      hashes,
      Buffer.from(rootHash, 'base64'),
    );
    return check.ok ? undefined : check.reason;
  },
};
