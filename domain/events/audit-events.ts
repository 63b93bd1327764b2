/** Audit events: reviews of emergency changes (issue 17). */
export const auditEventSchemas = {} as const;
