/**
 * The event types only the ledger's own functions append. Kept apart from their schemas so ingest can
 * refuse them without bundling the policy schema and every decision's shape.
 */
export const DECISION_EVENT_TYPES = [
  'policy.updated',
  'gate.evaluated',
  'gate.bypassed',
  'rollback.requested',
  'rollback.skipped',
  'release.watch.completed',
] as const;

export type DecisionEventType = (typeof DECISION_EVENT_TYPES)[number];

export function isDecisionEventType(type: string): type is DecisionEventType {
  return (DECISION_EVENT_TYPES as readonly string[]).includes(type);
}
