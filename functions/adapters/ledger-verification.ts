import {
  type ChainEntry,
  type ChainHead,
  createChainVerifier,
  GENESIS_HASH,
  type VerificationResult,
} from '../../domain/ledger/hash-chain.ts';
import { StorageUnavailableError } from '../../domain/ports/event-store.ts';

/** What verification reads: the tenant head, and entries by seq (both strongly consistent). */
export interface LedgerEntrySource {
  head(tenant: string): Promise<ChainHead | undefined>;
  /** Entries with afterSeq < seq ≤ toSeq in seq order, at most `limit` (fewer is not the end). */
  entries(tenant: string, afterSeq: number, toSeq: number, limit: number): Promise<readonly ChainEntry[]>;
}

export interface LedgerVerificationOptions {
  /** Walks before giving up on a ledger whose state keeps changing under the walk. @default 5 */
  readonly attempts?: number;
  /** Waits between walks. @default 25 ms doubling */
  readonly pause?: (attempt: number) => Promise<void>;
  /**
   * A link verified before (the Merkle tree's size and the chain hash it verified up to): the walk
   * starts after it instead of at genesis. @default genesis
   */
  readonly start?: ChainHead;
  /** Verify at most this many entries past `start`, stopping short of the head. @default all */
  readonly maxEntries?: number;
}

const PAGE = 1000;
type Failure = Extract<VerificationResult, { ok: false }>;

/**
 * Verifies the chain up to a head read before the walk, so entries appended while it runs are never
 * part of what it judges. DynamoDB's non-transactional reads are read-committed per item: a walk may
 * see an entry of a transaction whose head update it does not see yet, or the reverse. So a failure is
 * reported only when a walk after a pause finds exactly the same failure again (tampering is durable; a
 * transaction in flight is gone by then), and a ledger that never looks the same twice is a 503.
 */
export async function verifyLedgerSnapshot(
  source: LedgerEntrySource,
  tenant: string,
  options: LedgerVerificationOptions = {},
): Promise<VerificationResult> {
  const attempts = options.attempts ?? 5;
  const pause = options.pause ?? ((attempt) => sleep(25 * 2 ** (attempt - 1)));
  // Links verified by an earlier walk stay verified: the store never rewrites an entry, so a later walk
  // resumes from the last good one instead of from genesis.
  let trusted: ChainHead = options.start ?? { seq: 0, chainHash: GENESIS_HASH };
  const limit = options.start
    ? options.start.seq + (options.maxEntries ?? Number.POSITIVE_INFINITY)
    : undefined;
  let suspected: Failure | undefined;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const head = (await source.head(tenant)) ?? { seq: 0, chainHash: GENESIS_HASH };
    const snapshot = limit !== undefined && head.seq > limit ? await linkAt(source, tenant, limit) : head;
    const walked = await walk(source, tenant, trusted, snapshot);
    trusted = walked.lastGood;
    const failure = !walked.result.ok
      ? walked.result
      : snapshot === head
        ? await pastSnapshot(source, tenant, snapshot)
        : undefined;
    if (!failure) return walked.result;
    if (suspected && sameFailure(suspected, failure)) return failure;
    suspected = failure;
    if (attempt < attempts) await pause(attempt);
  }
  throw new StorageUnavailableError(
    `the ledger changed under ${attempts} verification walks without settling; retry shortly`,
  );
}

/**
 * The stored link at `seq`, as the end of a bounded walk: the walk recomputes every link up to it, so
 * its stored chain hash is checked, not trusted. A missing entry ends the walk one earlier with a
 * hash no walk can match, which the walk reports at that seq.
 */
async function linkAt(source: LedgerEntrySource, tenant: string, seq: number): Promise<ChainHead> {
  const [entry] = await source.entries(tenant, seq - 1, seq, 1);
  return { seq, chainHash: entry?.chainHash ?? GENESIS_HASH };
}

/** Verifies entries after `from` up to `snapshot`, and the snapshot's hash against the last of them. */
async function walk(
  source: LedgerEntrySource,
  tenant: string,
  from: ChainHead,
  snapshot: ChainHead,
): Promise<{ result: VerificationResult; lastGood: ChainHead }> {
  const verifier = createChainVerifier(from);
  let lastGood = from;
  while (lastGood.seq < snapshot.seq) {
    const page = await source.entries(tenant, lastGood.seq, snapshot.seq, PAGE);
    if (page.length === 0) break;
    for (const entry of page) {
      const failure = verifier.next(entry);
      if (failure) return { result: failure, lastGood };
      lastGood = { seq: entry.seq, chainHash: entry.chainHash };
    }
  }
  return { result: verifier.finish(snapshot), lastGood };
}

/**
 * An entry past the snapshot is an append that landed during the walk when the head has moved on since;
 * with the head still at the snapshot it is written around the store (or its head not yet visible).
 */
async function pastSnapshot(
  source: LedgerEntrySource,
  tenant: string,
  snapshot: ChainHead,
): Promise<Failure | undefined> {
  const [beyond] = await source.entries(tenant, snapshot.seq, Number.MAX_SAFE_INTEGER, 1);
  if (!beyond) return undefined;
  const now = await source.head(tenant);
  if ((now?.seq ?? 0) > snapshot.seq) return undefined;
  return {
    ok: false,
    checked: snapshot.seq,
    firstBadSeq: snapshot.seq + 1,
    reason: `events continue past the ledger head (seq ${snapshot.seq})`,
  };
}

function sameFailure(a: Failure, b: Failure): boolean {
  return a.firstBadSeq === b.firstBadSeq && a.reason === b.reason;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
