import { canonicalJson } from './canonical-json.ts';
import { chainHash, eventHash, GENESIS_HASH } from './hash-chain.ts';
import type { StoredEvent } from './ledger-event.ts';

/** What a bus event claims about the ledger entry it announces (the relay's `detail`). */
export interface TriggerClaim {
  readonly tenant: string;
  readonly seq: number;
  readonly type: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly hash?: string | undefined;
  readonly eventHash?: string | undefined;
  readonly data?: Readonly<Record<string, unknown>> | undefined;
  readonly dataOmitted?: boolean | undefined;
}

/**
 * Why a bus event must not be acted on, or undefined when it announces exactly the stored entry. The
 * bus is not the ledger: anyone allowed to PutEvents could name any tenant, seq and data, so a reaction
 * decides only from an entry it read back, whose body hashes to its eventHash, whose chain hash links to
 * its predecessor's, and which agrees with every field the bus event states (its chain hash included).
 * `previous` is the entry at seq - 1 (absent for seq 1).
 */
export function triggerMismatch(
  claim: TriggerClaim,
  stored: StoredEvent | undefined,
  previous: StoredEvent | undefined,
  handles: readonly string[],
): string | undefined {
  if (stored === undefined || stored.seq !== claim.seq) return `no entry at seq ${claim.seq}`;
  if (stored.tenant !== claim.tenant) return 'the stored entry belongs to another tenant';
  if (!handles.includes(stored.type)) return `the stored entry is a ${stored.type}, not handled here`;
  if (stored.type !== claim.type) return `the bus says ${claim.type}, the ledger ${stored.type}`;
  if (claim.hash === undefined) return 'the bus event carries no chain hash';
  if (claim.hash !== stored.hash) return 'the chain hash differs from the stored entry';
  if (claim.eventHash !== undefined && claim.eventHash !== stored.eventHash)
    return 'the event hash differs from the stored entry';
  const { hash, eventHash: storedEventHash, ...envelope } = stored;
  const recomputed = eventHash(canonicalJson(envelope));
  if (recomputed !== storedEventHash) return 'the stored entry does not match its event hash';
  const previousHash =
    claim.seq === 1 ? GENESIS_HASH : previous?.seq === claim.seq - 1 ? previous.hash : undefined;
  if (previousHash === undefined || chainHash(previousHash, claim.seq, recomputed) !== hash)
    return 'the stored entry does not link to its predecessor';
  if (claim.occurredAt !== stored.occurredAt || claim.recordedAt !== stored.recordedAt)
    return 'the times differ from the stored entry';
  if (
    claim.data !== undefined &&
    !claim.dataOmitted &&
    canonicalJson(claim.data) !== canonicalJson(stored.data)
  )
    return 'the data differs from the stored entry';
  return undefined;
}
