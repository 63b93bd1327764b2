import * as z from 'zod';
import type { DeploymentEventType } from '../events/native-events.ts';
import { mapGitLabJob, mapGitLabPipelineRun, mapGitLabRelease, mapMergeRequest } from './gitlab-lifecycle.ts';
import {
  deploymentByName,
  ignored,
  lastSegment,
  parsePayload,
  type WebhookDelivery,
  type WebhookMapping,
  webhookEvent,
} from './webhook-event.ts';

/**
 * GitLab webhooks (https://docs.gitlab.com/user/project/integrations/webhook_events/) → native events.
 * Service = the project's path (`group/payments-api` → `payments-api`), version = commit sha, as for GitHub.
 * Pure.
 */

const text = z.string().trim().min(1);

/** GitLab writes `2021-04-28 21:50:00 +0200` and `2016-08-12 15:23:28 UTC`; both become RFC 3339. */
const gitlabTime = z.string().transform((value, context) => {
  const iso = toRfc3339(value);
  if (iso === undefined) {
    context.addIssue({ code: 'custom', message: 'must be a GitLab timestamp (2021-04-28 21:50:00 +0200)' });
    return z.NEVER;
  }
  return iso;
});

const ProjectSchema = z.looseObject({
  path_with_namespace: text,
  web_url: z.url(),
  default_branch: text.nullish(),
});

const DeploymentHookSchema = z.looseObject({
  status: text,
  status_changed_at: gitlabTime,
  deployment_id: z.number().int(),
  environment: text,
  environment_tier: z.string().nullish(),
  deployable_url: z.string().nullish(),
  short_sha: text,
  commit_url: z.string().nullish(),
  project: ProjectSchema,
  user: z.looseObject({ username: z.string().nullish() }).nullish(),
});

const PipelineHookSchema = z.looseObject({
  object_attributes: z.looseObject({
    id: z.number().int(),
    name: z.string().nullish(),
    ref: z.string().nullish(),
    sha: text,
    status: text,
    created_at: gitlabTime,
    finished_at: gitlabTime.nullish(),
    url: z.string().nullish(),
  }),
  project: ProjectSchema,
});

const PushHookSchema = z.looseObject({
  ref: text,
  after: text,
  commits: z.array(z.looseObject({ id: text, timestamp: z.iso.datetime({ offset: true }) })),
  total_commits_count: z.number().int().nonnegative().optional(),
  project: ProjectSchema.extend({ default_branch: text }),
});

const FULL_SHA_IN_URL = /\/commit\/([0-9a-f]{40})(?:[/?#]|$)/;
const NO_COMMIT = /^0+$/;

/** Maps one GitLab delivery; `delivery.kind` is the `X-Gitlab-Event` header. */
export function mapGitLabWebhook(delivery: WebhookDelivery): WebhookMapping {
  switch (delivery.kind) {
    case 'Deployment Hook':
      return mapDeployment(delivery);
    case 'Pipeline Hook':
      return mapPipeline(delivery);
    case 'Push Hook':
      return mapPush(delivery);
    case 'Merge Request Hook':
      return mapMergeRequest(delivery);
    case 'Release Hook':
      return mapGitLabRelease(delivery);
    case 'Job Hook':
      return mapGitLabJob(delivery);
    default:
      return ignored(
        `GitLab '${delivery.kind}' events are not recorded; enable deployment, pipeline, job, push, merge request or release events`,
      );
  }
}

const DEPLOYMENT_TYPES: Readonly<Record<string, DeploymentEventType>> = {
  created: 'deployment.requested',
  running: 'deployment.started',
  success: 'deployment.succeeded',
  failed: 'deployment.failed',
};

/**
 * `canceled` (and `skipped`, `blocked`) is ignored: not a failed change, and the catalogue has no
 * cancelled outcome. The payload carries only a short sha; the full one is read from `commit_url`, so the
 * version matches the release a push created.
 */
function mapDeployment(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(DeploymentHookSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const hook = payload.value;
  const type = DEPLOYMENT_TYPES[hook.status];
  if (!type) return ignored(`deployment status '${hook.status}' is not recorded`);
  const sha = FULL_SHA_IN_URL.exec(hook.commit_url ?? '')?.[1] ?? hook.short_sha;
  return webhookEvent(delivery, {
    source: hook.project.web_url,
    id: `deployment/${hook.deployment_id}/${type.slice('deployment.'.length)}`,
    type,
    occurredAt: hook.status_changed_at,
    data: {
      deploymentId: `gitlab-deployment-${hook.deployment_id}`,
      environment: hook.environment,
      service: lastSegment(hook.project.path_with_namespace),
      version: sha,
      repository: hook.project.path_with_namespace,
      environmentTier: hook.environment_tier,
      url: hook.deployable_url,
      user: hook.user?.username,
      ...(type === 'deployment.failed' ? { reason: 'GitLab deployment failed' } : {}),
    },
  });
}

const PIPELINE_TYPES: Readonly<Record<string, DeploymentEventType>> = {
  pending: 'deployment.requested',
  running: 'deployment.started',
  success: 'deployment.succeeded',
  failed: 'deployment.failed',
};

/**
 * A pipeline is a deployment by the same naming convention as a GitHub workflow (`workflow:name`). Every
 * other pipeline, and a deploy pipeline in a state no deployment event has (`canceled`, `skipped`), is a CI
 * run: `pipeline.run.*`. One delivery is one event, as for GitHub's `workflow_run`.
 */
function mapPipeline(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(PipelineHookSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { object_attributes: pipeline, project } = payload.value;
  const convention = deploymentByName(pipeline.name);
  const type = PIPELINE_TYPES[pipeline.status];
  if (!convention || !type) return mapGitLabPipelineRun(delivery);
  const finished = type === 'deployment.succeeded' || type === 'deployment.failed';
  return webhookEvent(delivery, {
    source: project.web_url,
    id: `pipeline/${pipeline.id}/${type.slice('deployment.'.length)}`,
    type,
    // A pipeline records when it was created and finished, not when it started running.
    occurredAt:
      type === 'deployment.requested'
        ? pipeline.created_at
        : finished
          ? (pipeline.finished_at ?? undefined)
          : undefined,
    data: {
      deploymentId: `gitlab-pipeline-${pipeline.id}`,
      environment: convention.environment,
      service: lastSegment(project.path_with_namespace),
      version: pipeline.sha,
      ref: pipeline.ref,
      repository: project.path_with_namespace,
      pipeline: pipeline.name,
      url: pipeline.url,
      ...(type === 'deployment.failed' ? { reason: 'GitLab pipeline failed' } : {}),
    },
  });
}

/**
 * A push to the default branch is a release of its head commit, as for GitHub. GitLab lists at most the
 * newest 20 commits of a push (`total_commits_count` says how many there were); lead time uses those listed.
 */
function mapPush(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(PushHookSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { ref, after, commits, total_commits_count: total, project } = payload.value;
  if (NO_COMMIT.test(after)) return ignored(`${ref} was deleted`);
  if (ref !== `refs/heads/${project.default_branch}`)
    return ignored(`only pushes to the default branch '${project.default_branch}' are releases, not ${ref}`);
  if (commits.length === 0) return ignored('the push carries no commits');
  const service = lastSegment(project.path_with_namespace);
  return webhookEvent(delivery, {
    source: project.web_url,
    id: `push/${after}`,
    type: 'release.created',
    // A push hook has no push time; the head commit's time is the closest the payload states.
    occurredAt: commits.find((commit) => commit.id === after)?.timestamp,
    data: {
      releaseId: `${service}@${after}`,
      service,
      version: after,
      commits: commits.map((commit) => ({ sha: commit.id, timestamp: commit.timestamp })),
      repository: project.path_with_namespace,
      ref,
      totalCommits: total,
    },
  });
}

const GITLAB_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(UTC|Z|[+-]\d{2}:?\d{2})$/;

/** `2021-04-28 21:50:00 +0200` → `2021-04-28T21:50:00+02:00`; RFC 3339 input passes through. */
export function toRfc3339(value: string): string | undefined {
  const match = GITLAB_TIME.exec(value.trim());
  if (!match) return undefined;
  const [, date, time, zone = ''] = match;
  const offset =
    zone === 'UTC' || zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const iso = `${date}T${time}${offset}`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}
