import * as z from 'zod';
import { auditEventSchemas } from './audit-events.ts';
import { id, isoTime, name } from './event-fields.ts';
import { healthEventSchemas } from './health-events.ts';
import { lifecycleEventSchemas } from './lifecycle-events.ts';
import { rolloutEventSchemas } from './rollout-events.ts';

/**
 * Native event types of the ledger. Data objects are `loose` because the issue contract says extra
 * fields are kept: CI systems attach their own context and auditors want it verbatim.
 */

export const SeveritySchema = z.enum(['sev1', 'sev2', 'sev3', 'sev4']);
export type Severity = z.infer<typeof SeveritySchema>;

export const CommitSchema = z.looseObject({ sha: z.string().trim().min(1).max(128), timestamp: isoTime });

export const ReleaseCreatedSchema = z.looseObject({
  releaseId: id,
  service: name,
  version: name,
  commits: z.array(CommitSchema).max(10_000).optional(),
  team: name.optional(),
  notes: z.string().max(65_536).optional(),
});

/**
 * Why a deployment was made (issue 19), for the two readings of rework rate: `incident` (the metrics
 * guide's "as a result of an incident in production") and `bug` (the Quick Check's "to address a
 * user-facing bug"). `deployment.failed` keeps its free-text `reason` (why it failed).
 */
export const DeploymentReasonSchema = z.enum(['planned', 'incident', 'bug', 'rollback', 'other']);
export type DeploymentReason = z.infer<typeof DeploymentReasonSchema>;

/** A deployment names its release directly, or by the service and version it ships. */
const DeploymentBaseSchema = z
  .looseObject({
    deploymentId: id,
    environment: name,
    releaseId: id.optional(),
    service: name.optional(),
    version: name.optional(),
    reason: DeploymentReasonSchema.optional(),
  })
  .refine((d) => d.releaseId !== undefined || (d.service !== undefined && d.version !== undefined), {
    message: 'releaseId or both service and version are required',
    path: ['releaseId'],
  });

export const DeploymentRequestedSchema = DeploymentBaseSchema;
export const DeploymentStartedSchema = DeploymentBaseSchema;
export const DeploymentSucceededSchema = z
  .looseObject({
    deploymentId: id,
    environment: name,
    releaseId: id.optional(),
    service: name.optional(),
    version: name.optional(),
    rollbackOf: id.optional(),
    fixes: id.optional(),
    planned: z.boolean().default(true),
    reason: DeploymentReasonSchema.optional(),
  })
  .refine((d) => d.releaseId !== undefined || (d.service !== undefined && d.version !== undefined), {
    message: 'releaseId or both service and version are required',
    path: ['releaseId'],
  });
export const DeploymentFailedSchema = z
  .looseObject({
    deploymentId: id,
    environment: name,
    releaseId: id.optional(),
    service: name.optional(),
    version: name.optional(),
    reason: z.string().max(65_536).optional(),
  })
  .refine((d) => d.releaseId !== undefined || (d.service !== undefined && d.version !== undefined), {
    message: 'releaseId or both service and version are required',
    path: ['releaseId'],
  });

export const IncidentOpenedSchema = z.looseObject({
  incidentId: id,
  service: name,
  environment: name,
  severity: SeveritySchema,
  deploymentId: id.optional(),
  title: z.string().max(4096).optional(),
});
export const IncidentResolvedSchema = z.looseObject({ incidentId: id });
export const ApprovalGrantedSchema = z.looseObject({ releaseId: id, environment: name, approver: name });
// `tests.completed`, `change.merged` and `artifact.published` live with the delivery lifecycle types.
export { ArtifactPublishedSchema, ChangeMergedSchema, TestsCompletedSchema } from './lifecycle-events.ts';

export const nativeEventSchemas = {
  'release.created': ReleaseCreatedSchema,
  'deployment.requested': DeploymentRequestedSchema,
  'deployment.started': DeploymentStartedSchema,
  'deployment.succeeded': DeploymentSucceededSchema,
  'deployment.failed': DeploymentFailedSchema,
  'incident.opened': IncidentOpenedSchema,
  'incident.resolved': IncidentResolvedSchema,
  'approval.granted': ApprovalGrantedSchema,
  // Each area keeps its types in its own file: the delivery lifecycle (CDEvents subjects), release
  // health (alerts, metric samples), progressive delivery and release readiness, and audit reviews.
  ...lifecycleEventSchemas,
  ...healthEventSchemas,
  ...rolloutEventSchemas,
  ...auditEventSchemas,
} as const;

export type NativeEventType = keyof typeof nativeEventSchemas;
export const nativeEventTypes = Object.keys(nativeEventSchemas) as NativeEventType[];

export type ReleaseCreated = z.infer<typeof ReleaseCreatedSchema>;
export type DeploymentSucceeded = z.infer<typeof DeploymentSucceededSchema>;
export type IncidentOpened = z.infer<typeof IncidentOpenedSchema>;

/** Data of a deployment event after parsing: the fields every deployment type shares. */
export interface DeploymentData {
  readonly deploymentId: string;
  readonly environment: string;
  readonly releaseId?: string | undefined;
  readonly service?: string | undefined;
  readonly version?: string | undefined;
  readonly [extra: string]: unknown;
}

export function isNativeEventType(type: string): type is NativeEventType {
  return Object.hasOwn(nativeEventSchemas, type);
}

export const deploymentEventTypes = [
  'deployment.requested',
  'deployment.started',
  'deployment.succeeded',
  'deployment.failed',
] as const;
export type DeploymentEventType = (typeof deploymentEventTypes)[number];
export function isDeploymentEventType(type: string): type is DeploymentEventType {
  return (deploymentEventTypes as readonly string[]).includes(type);
}
