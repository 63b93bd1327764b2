import { canonicalJson } from './canonical-json.ts';

/** A tenant's ledger head as the state table holds it. */
export interface LedgerHead {
  readonly tenant: string;
  readonly seq: number;
  readonly chainHash: string;
}

/** What a digest asserts: the tenant's ledger had this head when it was sealed. */
export interface DigestClaim extends LedgerHead {
  readonly recordedAt: string;
}

/** A claim with its signature (base64 DER ECDSA over `digestMessage(claim)`) and the signing key. */
export interface SignedDigest extends DigestClaim {
  readonly signature: string;
  readonly keyId: string;
}

export const DIGEST_SIGNING_ALGORITHM = 'ECDSA_SHA_256';

/**
 * The exact bytes that are signed: the RFC 8785 canonical JSON of the claim, so a verifier can rebuild
 * them from the stored digest alone (drop `signature` and `keyId`, canonicalise, verify).
 */
export function digestMessage(claim: DigestClaim): string {
  return canonicalJson({
    tenant: claim.tenant,
    seq: claim.seq,
    chainHash: claim.chainHash,
    recordedAt: claim.recordedAt,
  });
}

/**
 * Where a digest is kept. The key names the head it seals, so sealing an unchanged head again writes
 * the same key (which the writer refuses to overwrite) and a rewritten head lands beside the original.
 */
export function digestObjectKey(head: LedgerHead): string {
  return `digests/${encodeURIComponent(head.tenant)}/${String(head.seq).padStart(12, '0')}-${head.chainHash}.json`;
}

/** The three effects of sealing, so the sealing rule is testable without AWS. */
export interface DigestPorts {
  /** Every tenant's ledger head. */
  heads(): AsyncIterable<LedgerHead>;
  sign(message: string): Promise<{ readonly signature: string; readonly keyId: string }>;
  /** Writes the digest unless its key exists (a locked object cannot be overwritten anyway). */
  store(key: string, digest: SignedDigest): Promise<'stored' | 'exists'>;
}

export interface SealResult {
  readonly sealed: number;
  readonly unchanged: number;
}

/**
 * Seals every tenant's current head. A head sealed by an earlier run has the same object key, so the
 * store refuses it and the run counts it as unchanged: the first digest of a head is the one that stays.
 */
export async function sealDigests(ports: DigestPorts, now: Date): Promise<SealResult> {
  let sealed = 0;
  let unchanged = 0;
  for await (const head of ports.heads()) {
    const claim: DigestClaim = { ...head, recordedAt: now.toISOString() };
    const { signature, keyId } = await ports.sign(digestMessage(claim));
    const outcome = await ports.store(digestObjectKey(head), { ...claim, signature, keyId });
    if (outcome === 'stored') sealed += 1;
    else unchanged += 1;
  }
  return { sealed, unchanged };
}
