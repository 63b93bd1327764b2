/** Release-health signals: alerts and metric samples (issue 19). */
export const healthEventSchemas = {} as const;
