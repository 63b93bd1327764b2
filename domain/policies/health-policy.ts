import * as z from 'zod';

/** How long a production deployment is watched when the policy names no `watchHours`. */
export const DEFAULT_WATCH_HOURS = 24;

/**
 * A rollback trigger agreed before deploying: "error_rate above 2× its 7-day baseline for 5 minutes".
 * Exactly one of `above` (an absolute threshold) and `aboveBaseline` (a multiple of the median of the
 * metric over the `baselineDays` before the deployment started) is given.
 */
export const RollbackTriggerSpecSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(128),
    metric: z.string().trim().min(1).max(256),
    above: z.number().finite().optional(),
    aboveBaseline: z.number().finite().positive().optional(),
    forMinutes: z.number().int().min(1).max(1440),
    baselineDays: z.number().int().min(1).max(28).default(7),
  })
  .superRefine((trigger, ctx) => {
    const given = (trigger.above === undefined ? 0 : 1) + (trigger.aboveBaseline === undefined ? 0 : 1);
    if (given !== 1)
      ctx.addIssue({
        code: 'custom',
        message: 'exactly one of above or aboveBaseline is required',
        path: [trigger.above === undefined ? 'above' : 'aboveBaseline'],
      });
  });
export type RollbackTriggerSpec = z.infer<typeof RollbackTriggerSpecSchema>;

// Names identify a trigger's skip decision (`rollback-skipped:trigger:<deployment>:<name>`): unique.
const RollbackTriggersSchema = z
  .array(RollbackTriggerSpecSchema)
  .max(20)
  .superRefine((triggers, ctx) => {
    const seen = new Set<string>();
    triggers.forEach((trigger, index) => {
      if (seen.has(trigger.name))
        ctx.addIssue({ code: 'custom', message: 'trigger names must be unique', path: [index, 'name'] });
      seen.add(trigger.name);
    });
  });

/** Policy fields for release health: rollback triggers agreed before deployment, the post-release watch. */
export const healthPolicyShape = {
  rollbackTriggers: RollbackTriggersSchema.optional(),
  watchHours: z.number().int().min(24).max(72).optional(),
} as const;
