import * as z from 'zod';
import { id, name } from './event-fields.ts';

/** Progressive delivery and release readiness: traffic steps, flag exposure, checklists, on-call handoffs (issue 20). */

const percent = z.number().finite().min(0).max(100);

/**
 * One traffic step of a progressive deployment. It carries the fields every deployment event carries,
 * so ingest resolves its release by `releaseId` or by service and version as for the others; at weight
 * 100 the deployment has finished for DORA (a later `deployment.succeeded` does not count it again).
 */
export const DeploymentProgressedSchema = z
  .looseObject({
    deploymentId: id,
    environment: name,
    releaseId: id.optional(),
    service: name.optional(),
    version: name.optional(),
    weight: percent,
    step: z.union([z.number().int().min(0), name]).optional(),
    strategy: z.enum(['canary', 'blue_green', 'rolling']),
  })
  .refine((d) => d.releaseId !== undefined || (d.service !== undefined && d.version !== undefined), {
    message: 'releaseId or both service and version are required',
    path: ['releaseId'],
  });
export type DeploymentProgressed = z.infer<typeof DeploymentProgressedSchema>;

/**
 * A feature flag's exposure in an environment. It names the release it exposes by `releaseId` or by
 * `version` (with `service`); at exposure 100 that release is released to users there.
 */
export const FeatureReleasedSchema = z.looseObject({
  flag: name,
  service: name,
  environment: name,
  exposure: percent,
  version: name.optional(),
  releaseId: id.optional(),
});
export type FeatureReleased = z.infer<typeof FeatureReleasedSchema>;

const progressiveDeliverySchemas = {
  'deployment.progressed': DeploymentProgressedSchema,
  'feature.released': FeatureReleasedSchema,
} as const;

/** One item of the policy's checklist done for a release in an environment, and by whom. */
export const ChecklistItemCompletedSchema = z.looseObject({
  releaseId: id,
  environment: name,
  item: name,
  by: name,
});
export type ChecklistItemCompleted = z.infer<typeof ChecklistItemCompletedSchema>;

/**
 * The on-call engineer read the briefing and took the deployment on: for one deployment, or for a
 * release in an environment (every deployment of it there).
 */
export const OnCallHandoffAcknowledgedSchema = z
  .looseObject({
    deploymentId: id.optional(),
    releaseId: id.optional(),
    environment: name,
    engineer: name,
  })
  .refine((d) => d.deploymentId !== undefined || d.releaseId !== undefined, {
    message: 'deploymentId or releaseId is required',
    path: ['deploymentId'],
  });
export type OnCallHandoffAcknowledged = z.infer<typeof OnCallHandoffAcknowledgedSchema>;

const readinessEventSchemas = {
  'checklist.item.completed': ChecklistItemCompletedSchema,
  'oncall.handoff.acknowledged': OnCallHandoffAcknowledgedSchema,
} as const;

export const rolloutEventSchemas = {
  ...progressiveDeliverySchemas,
  ...readinessEventSchemas,
} as const;
