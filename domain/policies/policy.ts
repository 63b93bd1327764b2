import * as z from 'zod';
import { SeveritySchema } from '../events/native-events.ts';
import { canonicalJson } from '../ledger/canonical-json.ts';
import { sha256Hex } from '../ledger/hash-chain.ts';
import type { StoredEvent } from '../ledger/ledger-event.ts';
import { healthPolicyShape } from './health-policy.ts';
import { pipelinePolicyShape } from './pipeline-policy.ts';
import { RecurringWindowSchema, TimeZoneSchema, windowEntry } from './recurring-window.ts';
import { rolloutPolicyShape } from './rollout-policy.ts';

export { RecurringWindowSchema };

const isoInstant = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp' });
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');
export const WeekdaySchema = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export type Weekday = z.infer<typeof WeekdaySchema>;

const timeZone = TimeZoneSchema;

export const FreezeWindowSchema = z
  .strictObject({ start: isoInstant, end: isoInstant, reason: z.string().max(1024).optional() })
  .refine((w) => Date.parse(w.start) < Date.parse(w.end), {
    message: 'start must be before end',
    path: ['end'],
  });

export const DeployWindowSchema = z.strictObject({
  days: z.array(WeekdaySchema).min(1),
  from: clock,
  to: clock,
  timeZone,
});

export const AutoRollbackSchema = z.strictObject({
  enabled: z.boolean(),
  severities: z.array(SeveritySchema).default(['sev1', 'sev2']),
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  // At most 50: each is indexed in the same transaction as the policy change (DynamoDB allows 100 items).
  alarms: z.array(z.string().min(1).max(255)).max(50).default([]),
});

/**
 * A gate policy for one service in one environment. Every field is optional; unknown fields are
 * refused (a misspelt rule must not silently pass every gate).
 */
export const PolicySchema = z.strictObject({
  requireSuccessIn: z.array(z.string().min(1).max(256)).max(20).optional(),
  minSoakMinutes: z.number().int().min(0).max(525_600).optional(),
  requiredApprovals: z.number().int().min(0).max(100).optional(),
  requireTestsPassed: z.boolean().optional(),
  blockOnOpenIncidents: z.array(SeveritySchema).optional(),
  // Either list also takes RFC 5545 recurring windows (`{rrule, durationMinutes, timeZone, kind}`).
  freezeWindows: z.array(windowEntry(FreezeWindowSchema)).max(500).optional(),
  deployWindows: z.array(windowEntry(DeployWindowSchema)).max(50).optional(),
  maxChangeFailureRate: z
    .strictObject({ threshold: z.number().min(0).max(1), windowDays: z.number().int().min(1).max(365) })
    .optional(),
  autoRollback: AutoRollbackSchema.optional(),
  // Rollback triggers and the post-release watch; checklists, on-call handoff, dry-run and RRULE windows.
  ...healthPolicyShape,
  ...rolloutPolicyShape,
  ...pipelinePolicyShape,
});
export type Policy = z.infer<typeof PolicySchema>;

/** The version every decision names: the hash of the policy's canonical form. */
export function policyVersion(policy: Policy): string {
  return sha256Hex(canonicalJson(policy));
}

/** The policy in force, from a policy stream's history, as of a ledger position (all of it when omitted). */
export function policyInForce(
  history: readonly StoredEvent[],
  beforeSeq = Number.POSITIVE_INFINITY,
): { policy: Policy; version: string; seq: number } | undefined {
  const latest = history.filter((e) => e.type === 'policy.updated' && e.seq < beforeSeq).at(-1);
  if (!latest) return undefined;
  const data = latest.data as { policy: Policy; policyVersion: string };
  return { policy: data.policy, version: data.policyVersion, seq: latest.seq };
}
