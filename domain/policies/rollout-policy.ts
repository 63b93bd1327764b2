/** Policy fields for release readiness: checklists, on-call handoff, gate mode. */
export const rolloutPolicyShape = {} as const;
