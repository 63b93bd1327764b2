/** What a CI system tells us about the job running the CLI, read from its standard variables. */
export interface CiContext {
  readonly system: 'github' | 'gitlab' | 'local';
  /** e.g. `acme/api` */
  readonly repository: string | undefined;
  readonly sha: string | undefined;
  /** Stays the same when a job is re-run, so ids derived from it make re-runs replay, not double-post. */
  readonly runId: string | undefined;
  /** The CloudEvents `source` for events this job posts. */
  readonly source: string;
}

export function ciContext(env: NodeJS.ProcessEnv): CiContext {
  if (env.GITHUB_ACTIONS === 'true') {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    return {
      system: 'github',
      repository: env.GITHUB_REPOSITORY,
      sha: env.GITHUB_SHA,
      runId: env.GITHUB_RUN_ID,
      source: `${server}/${env.GITHUB_REPOSITORY ?? 'unknown'}/actions`,
    };
  }
  if (env.GITLAB_CI === 'true') {
    const server = env.CI_SERVER_URL ?? 'https://gitlab.com';
    return {
      system: 'gitlab',
      repository: env.CI_PROJECT_PATH,
      sha: env.CI_COMMIT_SHA,
      runId: env.CI_PIPELINE_ID,
      source: `${server}/${env.CI_PROJECT_PATH ?? 'unknown'}/-/pipelines`,
    };
  }
  return {
    system: 'local',
    repository: undefined,
    sha: undefined,
    runId: undefined,
    source: 'release-ledger-cli',
  };
}

/**
 * A deterministic event id: the same CI run posting the same fact gets the same id, so a re-run job is
 * an idempotent replay. Outside CI (no run id) a random suffix keeps separate invocations distinct.
 */
export function eventId(context: CiContext, ...parts: string[]): string {
  const run = context.runId ?? `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return [context.system, context.repository ?? 'local', run, ...parts].join(':');
}
