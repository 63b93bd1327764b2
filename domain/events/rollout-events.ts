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

export const rolloutEventSchemas = {
  ...progressiveDeliverySchemas,
} as const;
