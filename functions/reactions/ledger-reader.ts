import * as z from 'zod';
import type { DecisionEventType } from '../../domain/events/decision-events.ts';
import { LEDGER_SOURCE } from '../../domain/ledger/append-plan.ts';
import { canonicalJson } from '../../domain/ledger/canonical-json.ts';
import { sha256Hex } from '../../domain/ledger/hash-chain.ts';
import type { Policy } from '../../domain/policies/policy.ts';
import { type EventStore, IdempotencyConflictError } from '../../domain/ports/event-store.ts';
import { readPairHistory } from './pair-history.ts';

/** The `detail` the relay puts on the bus for every ledger event. */
export const LedgerBusDetailSchema = z.looseObject({
  tenant: z.string(),
  seq: z.number().int(),
  type: z.string(),
  occurredAt: z.string(),
  recordedAt: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
  dataOmitted: z.boolean().optional(),
});
export type LedgerBusDetail = z.infer<typeof LedgerBusDetailSchema>;

/** The event's data: from the bus, or from the ledger when it was too large to travel on the bus. */
export async function eventData(
  store: EventStore,
  detail: LedgerBusDetail,
): Promise<Record<string, unknown>> {
  if (detail.data && !detail.dataOmitted) return detail.data;
  const page = await store.readLedger(detail.tenant, detail.seq - 1, 1);
  const stored = page.events[0];
  if (stored?.seq !== detail.seq) throw new Error(`ledger event ${detail.seq} of ${detail.tenant} not found`);
  return stored.data as Record<string, unknown>;
}

/** The policy in force for a service and environment, as of a ledger position (all of it when omitted). */
export async function policyAsOf(
  store: EventStore,
  tenant: string,
  service: string,
  environment: string,
  beforeSeq = Number.POSITIVE_INFINITY,
): Promise<{ policy: Policy; version: string; seq: number } | undefined> {
  const events = await readPairHistory(store, tenant, 'policy', service, environment);
  const latest = events.filter((e) => e.type === 'policy.updated' && e.seq < beforeSeq).at(-1);
  if (!latest) return undefined;
  const data = latest.data as { policy: Policy; policyVersion: string };
  return { policy: data.policy, version: data.policyVersion, seq: latest.seq };
}

export type DecisionOutcome = 'appended' | 'replayed' | 'already-decided';

/**
 * Appends a decision under a deterministic identity, so the bus delivering a trigger twice, late or out
 * of order yields one decision: an identical re-decision replays, and a different one for an identity
 * already decided (a second incident for a deployment already being rolled back) is dropped.
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
    if (error instanceof IdempotencyConflictError) return 'already-decided';
    throw error;
  }
}
