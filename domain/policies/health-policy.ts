import * as z from 'zod';

/** How long a production deployment is watched when the policy names no `watchHours`. */
export const DEFAULT_WATCH_HOURS = 24;

/**
 * Policy fields for release health: rollback triggers agreed before deployment, the post-release watch.
 * `watchHours` has no schema default: filling it in would change the version of every policy saved
 * without it, so readers apply DEFAULT_WATCH_HOURS instead.
 */
export const healthPolicyShape = {
  watchHours: z.number().int().min(24).max(72).optional(),
} as const;
