import * as z from 'zod';

/**
 * Policy fields for the gate pipelines ask. `mode: "dry-run"` records every decision with its real
 * verdict and checks but marks it `dryRun`, so a team can adopt a gate (see what it would block) before
 * enforcing it. `enforce`, or no mode, is the gate as it always was.
 */
export const pipelinePolicyShape = {
  mode: z.enum(['enforce', 'dry-run']).optional(),
} as const;
