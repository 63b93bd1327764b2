/** The delivery lifecycle beyond releases and deployments: changes, branches, repositories, builds, artifacts, pipeline and task runs, test cases and suites, environments, tickets (issue 18). */
export const lifecycleEventSchemas = {} as const;
