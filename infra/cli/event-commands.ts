import { execFileSync } from 'node:child_process';
import { CliError } from './api-client.ts';
import { type CiContext, eventId } from './ci-context.ts';

export type Flags = Readonly<Record<string, string | boolean | string[] | undefined>>;

export interface EventCommand {
  readonly usage: string;
  readonly summary: string;
  /** Builds the CloudEvent to post from flags and the CI context. */
  readonly build: (
    flags: Flags,
    ci: CiContext,
    env: NodeJS.ProcessEnv,
  ) => { type: string; id: string; data: Record<string, unknown>; time?: string };
}

const text = (flags: Flags, name: string): string | undefined => {
  const value = flags[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

export function required(flags: Flags, name: string): string {
  const value = text(flags, name);
  if (value === undefined) throw new CliError(`--${name} is required`, 64);
  return value;
}

const integer = (flags: Flags, name: string): number | undefined => {
  const value = text(flags, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new CliError(`--${name} must be a non-negative integer`, 64);
  return parsed;
};

/** `--at` as an RFC 3339 instant (normalised to UTC), else now: the CloudEvents `time` of a signal. */
function instant(flags: Flags): string {
  const at = text(flags, 'at');
  if (at === undefined) return new Date().toISOString();
  const parsed = new Date(at);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(at) || Number.isNaN(parsed.getTime()))
    throw new CliError('--at must be an RFC 3339 time, e.g. 2026-12-03T10:00:00Z', 64);
  return parsed.toISOString();
}

function alert(type: 'alert.fired' | 'alert.resolved', flags: Flags, ci: CiContext) {
  const alertId = required(flags, 'alert-id');
  const severity = text(flags, 'severity');
  const at = instant(flags);
  return {
    type,
    id: eventId({ ...ci, runId: ci.runId ?? 'alert' }, type, alertId, at),
    time: at,
    data: {
      alertId,
      name: required(flags, 'name'),
      service: required(flags, 'service'),
      environment: required(flags, 'environment'),
      ...(severity ? { severity } : {}),
    },
  };
}

/** `--release-id`, or `--service` with `--version`: how every deployment names what it ships. */
function releaseRef(flags: Flags): Record<string, string> {
  const releaseId = text(flags, 'release-id');
  if (releaseId) return { releaseId };
  const service = text(flags, 'service');
  const version = text(flags, 'version');
  if (service && version) return { service, version };
  throw new CliError('give --release-id, or --service and --version', 64);
}

/**
 * Commits with their timestamps from `git log <range>`, for lead time, and their author's email, which
 * the change report compares with approvers (separation of duties).
 */
function gitCommits(range: string): { sha: string; timestamp: string; author?: string }[] {
  try {
    const out = execFileSync('git', ['log', '--format=%H %cI %ae', range], { encoding: 'utf8' });
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [sha = '', timestamp = '', author = ''] = line.split(' ');
        return author ? { sha, timestamp, author } : { sha, timestamp };
      });
  } catch (error) {
    throw new CliError(`git log ${range} failed: ${(error as Error).message.split('\n')[0]}`);
  }
}

function deploymentId(flags: Flags, ci: CiContext): string {
  const given = text(flags, 'deployment-id');
  if (given) return given;
  if (!ci.runId) throw new CliError('--deployment-id is required outside GitHub Actions and GitLab CI', 64);
  return `${ci.system}-${ci.runId}-${required(flags, 'environment')}`;
}

const deploy =
  (type: string, extra: (flags: Flags) => Record<string, unknown> = () => ({})) =>
  (flags: Flags, ci: CiContext) => {
    const id = deploymentId(flags, ci);
    return {
      type,
      id: eventId(ci, type, id),
      data: {
        deploymentId: id,
        environment: required(flags, 'environment'),
        ...releaseRef(flags),
        ...extra(flags),
      },
    };
  };

const deploymentFlags =
  '--environment <env> (--release-id <id> | --service <s> --version <v>) [--deployment-id <id>]';

export const eventCommands: Record<string, EventCommand> = {
  'release create': {
    usage:
      'release create --service <s> --version <v> [--release-id <id>] [--team <t>] [--notes <text>] [--git-range <a..b>]',
    summary: 'record a release (commits from --git-range give lead time)',
    build: (flags, ci) => {
      const service = required(flags, 'service');
      const version = required(flags, 'version');
      const releaseId = text(flags, 'release-id') ?? `${service}@${version}`;
      const range = text(flags, 'git-range');
      const commits = range ? gitCommits(range) : undefined;
      return {
        type: 'release.created',
        id: eventId({ ...ci, runId: ci.runId ?? 'release' }, 'release', releaseId),
        data: {
          releaseId,
          service,
          version,
          ...(text(flags, 'team') ? { team: text(flags, 'team') } : {}),
          ...(text(flags, 'notes') ? { notes: text(flags, 'notes') } : {}),
          ...(commits ? { commits } : {}),
          ...(ci.sha ? { sha: ci.sha } : {}),
        },
      };
    },
  },
  'deploy request': {
    usage: `deploy request ${deploymentFlags}`,
    summary: 'ask the gate (then: gate wait)',
    build: deploy('deployment.requested'),
  },
  'deploy start': {
    usage: `deploy start ${deploymentFlags}`,
    summary: 'a deployment started',
    build: deploy('deployment.started'),
  },
  'deploy succeed': {
    usage: `deploy succeed ${deploymentFlags} [--rollback-of <id>] [--fixes <id>] [--unplanned]`,
    summary: 'a deployment succeeded',
    build: deploy('deployment.succeeded', (flags) => ({
      ...(text(flags, 'rollback-of') ? { rollbackOf: text(flags, 'rollback-of') } : {}),
      ...(text(flags, 'fixes') ? { fixes: text(flags, 'fixes') } : {}),
      planned: !(flags.unplanned === true || text(flags, 'rollback-of') || text(flags, 'fixes')),
    })),
  },
  'deploy fail': {
    usage: `deploy fail ${deploymentFlags} [--reason <text>]`,
    summary: 'a deployment failed',
    build: deploy('deployment.failed', (flags) =>
      text(flags, 'reason') ? { reason: text(flags, 'reason') } : {},
    ),
  },
  'incident open': {
    usage:
      'incident open --incident-id <id> --service <s> --environment <env> --severity <sev1..sev4> [--deployment-id <id>] [--title <t>]',
    summary: 'an incident opened',
    build: (flags, ci) => {
      const incidentId = required(flags, 'incident-id');
      return {
        type: 'incident.opened',
        id: eventId({ ...ci, runId: ci.runId ?? 'incident' }, 'incident-opened', incidentId),
        data: {
          incidentId,
          service: required(flags, 'service'),
          environment: required(flags, 'environment'),
          severity: required(flags, 'severity'),
          ...(text(flags, 'deployment-id') ? { deploymentId: text(flags, 'deployment-id') } : {}),
          ...(text(flags, 'title') ? { title: text(flags, 'title') } : {}),
        },
      };
    },
  },
  'incident resolve': {
    usage: 'incident resolve --incident-id <id>',
    summary: 'an incident was resolved',
    build: (flags, ci) => {
      const incidentId = required(flags, 'incident-id');
      return {
        type: 'incident.resolved',
        id: eventId({ ...ci, runId: ci.runId ?? 'incident' }, 'incident-resolved', incidentId),
        data: { incidentId },
      };
    },
  },
  'alert fire': {
    usage:
      'alert fire --alert-id <id> --name <n> --service <s> --environment <env> [--severity <sev>] [--at <time>]',
    summary: 'an alert fired for a service (post-release watch, alert volume)',
    build: (flags, ci) => alert('alert.fired', flags, ci),
  },
  'alert resolve': {
    usage: 'alert resolve --alert-id <id> --name <n> --service <s> --environment <env> [--at <time>]',
    summary: 'an alert resolved',
    build: (flags, ci) => alert('alert.resolved', flags, ci),
  },
  metric: {
    usage:
      'metric --service <s> --environment <env> --metric <name> --value <number> [--unit <u>] [--at <time>]',
    summary: 'one metric sample (many samples: post one CloudEvents batch)',
    build: (flags, ci) => {
      const service = required(flags, 'service');
      const environment = required(flags, 'environment');
      const metric = required(flags, 'metric');
      const raw = required(flags, 'value');
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value))
        throw new CliError('--value must be a finite number', 64);
      const at = instant(flags);
      const unit = text(flags, 'unit');
      return {
        type: 'metric.observed',
        // The sample's time is part of its identity: a re-run job posting the same sample replays it.
        id: eventId({ ...ci, runId: ci.runId ?? 'metric' }, 'metric', service, environment, metric, at),
        time: at,
        data: { service, environment, metric, value, ...(unit ? { unit } : {}) },
      };
    },
  },
  approve: {
    usage: 'approve --release-id <id> --environment <env> [--approver <name>]',
    summary: 'approve a release for an environment (approver defaults to the CI actor)',
    build: (flags, ci, env) => {
      const approver = text(flags, 'approver') ?? env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN;
      if (!approver) throw new CliError('--approver is required outside CI', 64);
      const releaseId = required(flags, 'release-id');
      const environment = required(flags, 'environment');
      return {
        type: 'approval.granted',
        id: eventId({ ...ci, runId: ci.runId ?? 'approval' }, 'approval', releaseId, environment, approver),
        data: { releaseId, environment, approver },
      };
    },
  },
  review: {
    usage: 'review --deployment-id <id> [--reviewer <name>] [--review-url <url>]',
    summary:
      'record the after-the-fact review of a deployment (emergency changes; reviewer defaults to the CI actor)',
    build: (flags, ci, env) => {
      const reviewer = text(flags, 'reviewer') ?? env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN;
      if (!reviewer) throw new CliError('--reviewer is required outside CI', 64);
      const deploymentId = required(flags, 'deployment-id');
      const url = text(flags, 'review-url');
      return {
        type: 'review.completed',
        id: eventId({ ...ci, runId: ci.runId ?? 'review' }, 'review', deploymentId, reviewer),
        data: { deploymentId, reviewer, ...(url ? { url } : {}) },
      };
    },
  },
  'checklist complete': {
    usage: 'checklist complete --release-id <id> --environment <env> --item <item> [--by <name>]',
    summary: 'a checklist item was done for a release in an environment (by defaults to the CI actor)',
    build: (flags, ci, env) => {
      const by = text(flags, 'by') ?? env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN;
      if (!by) throw new CliError('--by is required outside CI', 64);
      const releaseId = required(flags, 'release-id');
      const environment = required(flags, 'environment');
      const item = required(flags, 'item');
      return {
        type: 'checklist.item.completed',
        id: eventId({ ...ci, runId: ci.runId ?? 'checklist' }, 'checklist', releaseId, environment, item, by),
        data: { releaseId, environment, item, by },
      };
    },
  },
  'handoff ack': {
    usage: 'handoff ack (--deployment-id <id> | --release-id <id>) --environment <env> [--engineer <name>]',
    summary: 'the on-call engineer acknowledged the handoff (engineer defaults to the CI actor)',
    build: (flags, ci, env) => {
      const engineer = text(flags, 'engineer') ?? env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN;
      if (!engineer) throw new CliError('--engineer is required outside CI', 64);
      const deployment = text(flags, 'deployment-id');
      const releaseId = text(flags, 'release-id');
      if (!deployment && !releaseId) throw new CliError('give --deployment-id or --release-id', 64);
      const environment = required(flags, 'environment');
      const target = deployment ? { deploymentId: deployment } : { releaseId: releaseId as string };
      return {
        type: 'oncall.handoff.acknowledged',
        id: eventId(
          { ...ci, runId: ci.runId ?? 'handoff' },
          'handoff',
          deployment ?? `release:${releaseId}`,
          environment,
          engineer,
        ),
        data: { ...target, environment, engineer },
      };
    },
  },
  tests: {
    usage: 'tests --release-id <id> --suite <name> (--passed | --failed) [--total <n>] [--failed-count <n>]',
    summary: 'a test suite finished',
    build: (flags, ci) => {
      if ((flags.passed === true) === (flags.failed === true))
        throw new CliError('give exactly one of --passed and --failed', 64);
      const releaseId = required(flags, 'release-id');
      const suite = required(flags, 'suite');
      const total = integer(flags, 'total');
      const failedCount = integer(flags, 'failed-count');
      return {
        type: 'tests.completed',
        id: eventId(ci, 'tests', releaseId, suite),
        data: {
          releaseId,
          suite,
          passed: flags.passed === true,
          ...(total === undefined ? {} : { total }),
          ...(failedCount === undefined ? {} : { failedCount }),
        },
      };
    },
  },
};
