import * as z from 'zod';
import type { DecisionEventType } from '../../domain/events/decision-events.ts';
import { LEDGER_SOURCE } from '../../domain/ledger/append-plan.ts';
import { canonicalJson } from '../../domain/ledger/canonical-json.ts';
import { sha256Hex } from '../../domain/ledger/hash-chain.ts';
import type { StoredEvent } from '../../domain/ledger/ledger-event.ts';
import { triggerMismatch } from '../../domain/ledger/trigger-check.ts';
import { type Policy, policyInForce } from '../../domain/policies/policy.ts';
import { type EventStore, IdempotencyConflictError } from '../../domain/ports/event-store.ts';
import { readPairHistory } from './pair-history.ts';

/** The `detail` the relay puts on the bus for every ledger event. */
export const LedgerBusDetailSchema = z.looseObject({
  tenant: z.string(),
  seq: z.number().int(),
  type: z.string(),
  occurredAt: z.string(),
  recordedAt: z.string(),
  hash: z.string().optional(),
  eventHash: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  dataOmitted: z.boolean().optional(),
});
export type LedgerBusDetail = z.infer<typeof LedgerBusDetailSchema>;

/** A ledger entry a reaction may act on: read back from the ledger, never taken from the bus. */
export interface VerifiedTrigger {
  readonly detail: LedgerBusDetail;
  readonly data: Record<string, unknown>;
}

/**
 * Reads back the entry a bus event announces and checks it (see `triggerMismatch`): the tenant, seq,
 * type, times, data and hashes the bus states must all be the stored entry's, and the entry must hash and
 * link correctly. A mismatch is refused: logged, and undefined returned so the reaction decides nothing
 * (a retry would read the same ledger and refuse again). `handles` are the types the reaction acts on.
 */
export async function verifiedTrigger(
  store: EventStore,
  event: { readonly detail: unknown },
  handles: readonly string[],
): Promise<VerifiedTrigger | undefined> {
  const detail = LedgerBusDetailSchema.parse(event.detail);
  const page = await store.readLedger(detail.tenant, Math.max(0, detail.seq - 2), 2);
  const stored = page.events.find((e) => e.seq === detail.seq);
  const previous = page.events.find((e) => e.seq === detail.seq - 1);
  const mismatch = triggerMismatch(detail, stored, previous, handles);
  if (mismatch !== undefined || stored === undefined) {
    console.error(
      JSON.stringify({
        level: 'error',
        message: 'refused a bus event that does not match the ledger',
        reason: mismatch,
        tenant: detail.tenant,
        seq: detail.seq,
        type: detail.type,
      }),
    );
    return undefined;
  }
  const { tenant, seq, type, occurredAt, recordedAt, hash, eventHash } = stored;
  return {
    detail: { tenant, seq, type, occurredAt, recordedAt, hash, eventHash },
    data: stored.data as Record<string, unknown>,
  };
}

/** The policy in force for a service and environment, as of a ledger position (all of it when omitted). */
export async function policyAsOf(
  store: EventStore,
  tenant: string,
  service: string,
  environment: string,
  beforeSeq = Number.POSITIVE_INFINITY,
): Promise<{ policy: Policy; version: string; seq: number } | undefined> {
  return policyInForce(await readPairHistory(store, tenant, 'policy', service, environment), beforeSeq);
}

export type DecisionOutcome = 'appended' | 'replayed' | 'already-decided';

/**
 * An identity the ledger decides under holds something the ledger did not decide there. Thrown, never
 * taken for "decided": the reaction fails, is retried and lands in the dead-letter queue, where an
 * operator sees which entry squats on which identity.
 */
export class DecisionIntegrityError extends Error {
  readonly code = 'decision_integrity';
  constructor(
    readonly tenant: string,
    readonly id: string,
    readonly storedSeq: number | undefined,
    reason: string,
  ) {
    super(`decision identity (${LEDGER_SOURCE}, ${id}) of ${tenant}: ${reason}`);
  }
}

/**
 * Appends a decision under a deterministic identity, so the bus delivering a trigger twice, late or out
 * of order yields one decision: an identical re-decision replays, and a different one for an identity
 * the ledger already decided (a second incident for a deployment already being rolled back) is dropped.
 *
 * "Already decided" is proven, not assumed: the entry recorded under the identity must be the ledger's
 * own decision of this type, i.e. in this tenant's ledger at the seq the identity's record names, with
 * source `release-ledger`, this id, `original.format` `derived` (ingest never produces that format) and
 * the type being decided (each namespace — `gate:`, `gate-bypass:`, `rollback:`, `rollback-skipped:`,
 * `policy:` — is written by exactly one decision type). Anything else (an event a client posted under the
 * ledger's source before ingest refused it, or an entry written around the store) is a
 * DecisionIntegrityError.
 */
export async function appendDecision(
  store: EventStore,
  tenant: string,
  type: DecisionEventType,
  id: string,
  data: Record<string, unknown>,
): Promise<DecisionOutcome> {
  try {
    const outcome = await store.appendEvents(tenant, [
      {
        source: LEDGER_SOURCE,
        id,
        type,
        data,
        original: { format: 'derived', payload: null },
        payloadHash: sha256Hex(canonicalJson({ type, data })),
      },
    ]);
    return outcome.status === 'created' ? 'appended' : 'replayed';
  } catch (error) {
    if (!(error instanceof IdempotencyConflictError)) throw error;
    const seq = error.conflicts[0]?.stored?.seq;
    const entry =
      seq === undefined
        ? undefined
        : (await store.readLedger(tenant, seq - 1, 1)).events.find((e) => e.seq === seq);
    const reason = ownDecisionMismatch(entry, type, id);
    if (reason === undefined) return 'already-decided';
    const integrity = new DecisionIntegrityError(tenant, id, seq, reason);
    console.error(
      JSON.stringify({
        level: 'error',
        code: integrity.code,
        message: integrity.message,
        tenant,
        id,
        type,
        storedSeq: seq ?? null,
        storedSource: entry?.source ?? null,
        storedType: entry?.type ?? null,
        storedFormat: entry?.original.format ?? null,
      }),
    );
    throw integrity;
  }
}

function ownDecisionMismatch(entry: StoredEvent | undefined, type: DecisionEventType, id: string) {
  if (entry === undefined) return 'the entry recorded under it cannot be read';
  if (entry.source !== LEDGER_SOURCE || entry.id !== id) return `seq ${entry.seq} is not recorded under it`;
  if (entry.original.format !== 'derived')
    return `seq ${entry.seq} was submitted as ${entry.original.format}, not derived by the ledger`;
  if (entry.type !== type) return `seq ${entry.seq} is a ${entry.type}, not a ${type}`;
  return undefined;
}
