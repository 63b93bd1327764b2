/** Progressive delivery and release readiness: traffic steps, flag exposure, checklists, on-call handoffs (issue 20). */
export const rolloutEventSchemas = {} as const;
