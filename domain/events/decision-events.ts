import * as z from 'zod';
import { PolicySchema } from '../policies/policy.ts';
import type { DecisionEventType } from './decision-types.ts';

export { type DecisionEventType, isDecisionEventType } from './decision-types.ts';

/**
 * Events only the ledger's own functions append (source `release-ledger`): policy changes, gate
 * decisions and rollback decisions. Ingest refuses these types and the source itself, so no client can
 * forge a decision or claim its identity before the ledger makes it.
 */

const id = z.string().min(1).max(256);

export const CheckResultSchema = z.object({
  name: z.string(),
  passed: z.boolean(),
  detail: z.string(),
  observed: z.unknown(),
});
export type CheckResult = z.infer<typeof CheckResultSchema>;

export const PolicyUpdatedSchema = z.object({
  service: id,
  environment: id,
  policy: PolicySchema,
  policyVersion: z.string(),
  previousVersion: z.string().nullable(),
  updatedBy: z.string().optional(),
});

export const GateEvaluatedSchema = z.object({
  deploymentId: id,
  releaseId: id.nullable(),
  service: id.nullable(),
  environment: id,
  decision: z.enum(['passed', 'failed']),
  policyVersion: z.string().nullable(),
  checks: z.array(CheckResultSchema),
  /** The request this answers and the instant it was judged at (the request's recording time). */
  requestSeq: z.number().int(),
  evaluatedAt: z.string(),
  /**
   * Present (true) only on a dry run (policy `mode: "dry-run"` or the request's `dryRun: true`):
   * `decision` is still the real verdict, but whoever asks is answered `passed`.
   */
  dryRun: z.literal(true).optional(),
  /** Present only on a decision asked through `POST /v1/gates/evaluations`: that evaluation's id. */
  evaluationId: id.optional(),
});

export const GateBypassedSchema = z.object({
  deploymentId: id,
  releaseId: id.nullable(),
  service: id.nullable(),
  environment: id,
  /** What the gate said when the deployment went ahead: failed, still pending, or never asked. */
  gateStatus: z.enum(['failed', 'pending', 'not_requested']),
  by: z.enum(['deployment.started', 'deployment.progressed', 'deployment.succeeded']),
  bySeq: z.number().int(),
});

const TriggerSchema = z.union([
  z.object({ incidentId: id, severity: z.string() }),
  z.object({ alarmName: z.string(), alarmArn: z.string().optional() }),
  // A policy rollback trigger (issue 19), with the samples that made it fire.
  z.object({
    name: z.string(),
    metric: z.string(),
    threshold: z.number(),
    baseline: z.number().nullable(),
    observed: z.array(z.object({ at: z.string(), value: z.number() })),
    forMinutes: z.number().int(),
  }),
]);

export const RollbackRequestedSchema = z.object({
  deploymentId: id,
  service: id,
  environment: id,
  fromVersion: z.string().nullable(),
  toVersion: z.string(),
  toReleaseId: z.string().nullable(),
  toDeploymentId: id,
  trigger: TriggerSchema,
  reason: z.string(),
  policyVersion: z.string(),
});

export const RollbackSkippedSchema = z.object({
  deploymentId: id.nullable(),
  service: id,
  environment: id,
  trigger: TriggerSchema,
  reason: z.string(),
  policyVersion: z.string().nullable(),
});

/** The end of a production deployment's post-release watch (issue 19): one per deployment. */
export const ReleaseWatchCompletedSchema = z.object({
  deploymentId: id,
  service: id,
  environment: id,
  hours: z.number().int(),
  alerts: z.number().int().min(0),
  baselineAlerts: z.number().min(0),
  /** alerts ÷ baselineAlerts; null when the baseline is zero (no ratio to speak of). */
  ratio: z.number().nullable(),
  incidents: z.number().int().min(0),
  rolledBack: z.boolean(),
  verdict: z.enum(['healthy', 'regressed']),
  /** The same counts over the first 24 h after the success (post-release alert volume); absent on older events. */
  firstDay: z
    .object({
      alerts: z.number().int().min(0),
      baselineAlerts: z.number().min(0),
      ratio: z.number().nullable(),
    })
    .optional(),
});

export const decisionEventSchemas = {
  'policy.updated': PolicyUpdatedSchema,
  'gate.evaluated': GateEvaluatedSchema,
  'gate.bypassed': GateBypassedSchema,
  'rollback.requested': RollbackRequestedSchema,
  'rollback.skipped': RollbackSkippedSchema,
  'release.watch.completed': ReleaseWatchCompletedSchema,
} as const satisfies Record<DecisionEventType, z.ZodType>;

export type GateEvaluated = z.infer<typeof GateEvaluatedSchema>;
export type GateBypassed = z.infer<typeof GateBypassedSchema>;
export type RollbackRequested = z.infer<typeof RollbackRequestedSchema>;
export type RollbackSkipped = z.infer<typeof RollbackSkippedSchema>;
export type PolicyUpdated = z.infer<typeof PolicyUpdatedSchema>;
export type ReleaseWatchCompleted = z.infer<typeof ReleaseWatchCompletedSchema>;
