import { createHash } from 'node:crypto';

/**
 * The tenant ledger is a hash chain: every event's hash is linked to its predecessor's chain hash and
 * its own position, so changing, deleting, inserting or reordering any event changes every later link.
 * SHA-256 comes from node:crypto because it is a pure computation (no I/O); hashes are lowercase hex.
 */

export const CHAIN_VERSION = 'v1';

/** The chain hash before the first event of every tenant. */
export const GENESIS_HASH = '0'.repeat(64);

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Hash of one stored event: SHA-256 of its canonical body, exactly as stored. */
export function eventHash(canonicalBody: string): string {
  return sha256Hex(canonicalBody);
}

/** chainHash_n = SHA-256("v1" ‖ seq_n ‖ chainHash_{n-1} ‖ eventHash_n), fields separated by '|'. */
export function chainHash(previousChainHash: string, seq: number, hashOfEvent: string): string {
  return sha256Hex(`${CHAIN_VERSION}|${seq}|${previousChainHash}|${hashOfEvent}`);
}

/** What verification needs of one stored ledger entry. */
export interface ChainEntry {
  readonly seq: number;
  readonly body: string;
  readonly eventHash: string;
  readonly chainHash: string;
}

export interface ChainHead {
  readonly seq: number;
  readonly chainHash: string;
}

export type VerificationResult =
  | {
      readonly ok: true;
      readonly checked: number;
      readonly head: { readonly seq: number; readonly hash: string };
    }
  | { readonly ok: false; readonly checked: number; readonly firstBadSeq: number; readonly reason: string };

/**
 * Verifies the ledger incrementally: feed entries in the order storage returns them (by seq), then
 * `finish` with the recorded head. Kept as a fold so the whole ledger never has to sit in memory.
 */
export interface ChainVerifier {
  /** Returns a failure as soon as one is found; keep feeding only while it returns undefined. */
  next(entry: ChainEntry): VerificationResult | undefined;
  finish(head: ChainHead | undefined): VerificationResult;
}

export function createChainVerifier(start?: ChainHead): ChainVerifier {
  // A verifier may start mid-chain from a link the caller trusts (a partial export's previous hash).
  let expectedSeq = (start?.seq ?? 0) + 1;
  let previous = start?.chainHash ?? GENESIS_HASH;
  const fail = (firstBadSeq: number, reason: string): VerificationResult => ({
    ok: false,
    checked: expectedSeq - 1,
    firstBadSeq,
    reason,
  });
  return {
    next(entry) {
      if (entry.seq !== expectedSeq) {
        return entry.seq > expectedSeq
          ? fail(expectedSeq, `event seq ${expectedSeq} is missing (next stored is ${entry.seq})`)
          : fail(expectedSeq, `event seq ${entry.seq} appears where seq ${expectedSeq} was expected`);
      }
      const recomputedEventHash = eventHash(entry.body);
      if (recomputedEventHash !== entry.eventHash) {
        return fail(entry.seq, 'stored body does not match its eventHash');
      }
      if (!bodyClaimsSeq(entry.body, entry.seq)) {
        return fail(entry.seq, 'stored body records a different seq than its position');
      }
      const recomputedChainHash = chainHash(previous, entry.seq, recomputedEventHash);
      if (recomputedChainHash !== entry.chainHash) {
        return fail(entry.seq, 'chainHash does not link to the previous event');
      }
      previous = recomputedChainHash;
      expectedSeq += 1;
      return undefined;
    },
    finish(head) {
      const lastSeq = expectedSeq - 1;
      const headSeq = head?.seq ?? 0;
      const headHash = head?.chainHash ?? GENESIS_HASH;
      if (headSeq > lastSeq)
        return fail(lastSeq + 1, `ledger head is at seq ${headSeq} but events end at ${lastSeq}`);
      if (headSeq < lastSeq)
        return fail(headSeq + 1, `events continue past the ledger head (seq ${headSeq})`);
      if (headHash !== previous)
        return fail(Math.max(lastSeq, 1), 'ledger head hash differs from the last event');
      return { ok: true, checked: lastSeq, head: { seq: lastSeq, hash: previous } };
    },
  };
}

/** Convenience for callers that already hold every entry. */
export function verifyChain(entries: Iterable<ChainEntry>, head: ChainHead | undefined): VerificationResult {
  const verifier = createChainVerifier();
  for (const entry of entries) {
    const failure = verifier.next(entry);
    if (failure) return failure;
  }
  return verifier.finish(head);
}

// The seq is inside the hashed body as well, so swapping two whole items (with their hashes) is caught
// even though each item is internally consistent.
function bodyClaimsSeq(body: string, seq: number): boolean {
  try {
    const parsed = JSON.parse(body) as { seq?: unknown };
    return parsed.seq === seq;
  } catch {
    return false;
  }
}
