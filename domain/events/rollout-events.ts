import * as z from 'zod';
import { id, name } from './event-fields.ts';

/** Progressive delivery and release readiness: traffic steps, flag exposure, checklists, on-call handoffs (issue 20). */

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
  ...readinessEventSchemas,
} as const;
