import * as z from 'zod';
import { id, name } from './event-fields.ts';

/**
 * Audit events: reviews of emergency changes (issue 17). SOX and SOC 2 (CC8.1) let an emergency change
 * skip approval only if someone reviews it afterwards; `review.completed` records that review on the
 * deployment's own stream, so the change report finds it beside the deployment.
 */
export const ReviewCompletedSchema = z.looseObject({
  deploymentId: id,
  reviewer: name,
  url: z.url().max(2048).optional(),
});
export type ReviewCompleted = z.infer<typeof ReviewCompletedSchema>;

export const auditEventSchemas = {
  'review.completed': ReviewCompletedSchema,
} as const;
