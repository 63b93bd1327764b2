import * as z from 'zod';
import type { DeploymentEventType } from '../events/native-events.ts';
import { mapPullRequest, mapRelease, mapWorkflowJob, mapWorkflowRunFinished } from './github-lifecycle.ts';
import {
  deploymentByName,
  ignored,
  parsePayload,
  type WebhookDelivery,
  type WebhookMapping,
  webhookEvent,
} from './webhook-event.ts';

/**
 * GitHub webhooks (https://docs.github.com/webhooks/webhook-events-and-payloads) → native events.
 * Service = repository name, version = commit sha, so a deployment of a pushed commit finds the release the
 * push created (`<repo>@<sha>`) and its commits count towards lead time. Pure.
 */

const isoTime = z.iso.datetime({ offset: true });
const text = z.string().trim().min(1);

const RepositorySchema = z.looseObject({
  name: text,
  full_name: text,
  html_url: z.url(),
  default_branch: text.optional(),
});

const DeploymentSchema = z.looseObject({
  id: z.number().int(),
  sha: text,
  ref: z.string().nullish(),
  environment: text,
  created_at: isoTime,
});

const DeploymentPayloadSchema = z.looseObject({ deployment: DeploymentSchema, repository: RepositorySchema });

const DeploymentStatusPayloadSchema = DeploymentPayloadSchema.extend({
  deployment_status: z.looseObject({
    state: text,
    description: z.string().nullish(),
    log_url: z.string().nullish(),
    target_url: z.string().nullish(),
    environment_url: z.string().nullish(),
    created_at: isoTime,
  }),
});

const WorkflowRunPayloadSchema = z.looseObject({
  action: text,
  repository: RepositorySchema,
  workflow: z.looseObject({ name: z.string().nullish() }).nullish(),
  workflow_run: z.looseObject({
    id: z.number().int(),
    name: z.string().nullish(),
    run_attempt: z.number().int().positive().optional(),
    head_sha: text,
    head_branch: z.string().nullish(),
    conclusion: z.string().nullish(),
    html_url: z.string().nullish(),
    created_at: isoTime,
    updated_at: isoTime,
    run_started_at: isoTime.nullish(),
  }),
});

const PushPayloadSchema = z.looseObject({
  ref: text,
  after: text,
  deleted: z.boolean().optional(),
  commits: z.array(z.looseObject({ id: text, timestamp: isoTime })),
  head_commit: z.looseObject({ timestamp: isoTime }).nullish(),
  repository: RepositorySchema.extend({
    default_branch: text,
    // Epoch seconds in push payloads, an ISO string in others.
    pushed_at: z.union([z.number(), isoTime]).nullish(),
  }),
});

const NO_COMMIT = /^0+$/;

/** Maps one GitHub delivery; `delivery.kind` is the `X-GitHub-Event` header. */
export function mapGitHubWebhook(delivery: WebhookDelivery): WebhookMapping {
  switch (delivery.kind) {
    case 'ping':
      return ignored('ping: the hook reached the ledger and its signature is valid');
    case 'deployment':
      return mapDeployment(delivery);
    case 'deployment_status':
      return mapDeploymentStatus(delivery);
    case 'workflow_run':
      return mapWorkflowRun(delivery);
    case 'push':
      return mapPush(delivery);
    case 'pull_request':
      return mapPullRequest(delivery);
    case 'release':
      return mapRelease(delivery);
    case 'workflow_job':
      return mapWorkflowJob(delivery);
    case 'deployment_protection_rule':
      return mapProtectionRule(delivery);
    default:
      return ignored(
        `GitHub '${delivery.kind}' events are not recorded; subscribe the hook to deployment_status, workflow_run, push, pull_request or release`,
      );
  }
}

type Deployment = z.output<typeof DeploymentSchema>;
type Repository = z.output<typeof RepositorySchema>;

function deploymentFacts(deployment: Deployment, repository: Repository) {
  return {
    deploymentId: `github-deployment-${deployment.id}`,
    environment: deployment.environment,
    service: repository.name,
    version: deployment.sha,
    ref: deployment.ref,
    repository: repository.full_name,
  };
}

const ProtectionRulePayloadSchema = z.looseObject({
  environment: text,
  deployment_callback_url: z.url(),
  deployment: DeploymentSchema.pick({ id: true, sha: true }),
  repository: RepositorySchema,
  installation: z.looseObject({ id: z.number().int().positive() }),
});

/**
 * A deployment waits for the app's review: a `deployment.requested` the gate decides, carrying where to
 * answer (`githubReview`); the `github-protection-rule` reaction posts the review once it decided.
 */
function mapProtectionRule(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(ProtectionRulePayloadSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { deployment, repository, environment, deployment_callback_url, installation } = payload.value;
  return webhookEvent(delivery, {
    source: repository.html_url,
    id: `deployment/${deployment.id}/protection-rule/${environment}/${deployment_callback_url}`,
    type: 'deployment.requested',
    occurredAt: undefined,
    data: {
      deploymentId: `github-deployment-${deployment.id}`,
      environment,
      service: repository.name,
      version: deployment.sha,
      repository: repository.full_name,
      githubReview: { callbackUrl: deployment_callback_url, installationId: installation.id },
    },
  });
}

/** A deployment is created: the same `deployment.requested` its first `queued`/`pending` status gives. */
function mapDeployment(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(DeploymentPayloadSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { deployment, repository } = payload.value;
  return webhookEvent(delivery, {
    source: repository.html_url,
    id: `deployment/${deployment.id}/requested`,
    type: 'deployment.requested',
    occurredAt: deployment.created_at,
    data: deploymentFacts(deployment, repository),
  });
}

const STATUS_TYPES: Readonly<Record<string, DeploymentEventType>> = {
  waiting: 'deployment.requested',
  queued: 'deployment.requested',
  pending: 'deployment.requested',
  in_progress: 'deployment.started',
  success: 'deployment.succeeded',
  failure: 'deployment.failed',
  error: 'deployment.failed',
};

/**
 * `inactive` is ignored: GitHub sets it on the previous deployment to an environment when a newer one
 * succeeds, which is not an outcome of that deployment.
 */
function mapDeploymentStatus(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(DeploymentStatusPayloadSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { deployment, deployment_status: status, repository } = payload.value;
  const type = STATUS_TYPES[status.state];
  if (!type) return ignored(`deployment state '${status.state}' is not a deployment outcome`);
  const facts = deploymentFacts(deployment, repository);
  const data =
    type === 'deployment.requested'
      ? facts
      : {
          ...facts,
          logUrl: status.log_url || status.target_url || undefined,
          environmentUrl: status.environment_url || undefined,
          ...(type === 'deployment.failed'
            ? {
                reason: status.description || `GitHub deployment state '${status.state}'`,
                state: status.state,
              }
            : {}),
        };
  return webhookEvent(delivery, {
    source: repository.html_url,
    id: `deployment/${deployment.id}/${type.slice('deployment.'.length)}`,
    type,
    occurredAt: status.created_at,
    data,
  });
}

/**
 * A workflow run is a deployment by naming convention (see `deploymentByName`). Cancelled, skipped and
 * neutral runs are ignored: they are not failed changes, and the catalogue has no cancelled outcome.
 */
function mapWorkflowRun(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(WorkflowRunPayloadSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { action, repository, workflow, workflow_run: run } = payload.value;
  const name = run.name || workflow?.name;
  const convention = deploymentByName(name);
  // Not a deployment by name: a CI run, recorded as pipeline.run.finished when it completes.
  if (!convention) return mapWorkflowRunFinished(delivery);

  let type: DeploymentEventType;
  let occurredAt: string | undefined;
  if (action === 'requested') [type, occurredAt] = ['deployment.requested', run.created_at];
  else if (action === 'in_progress')
    [type, occurredAt] = ['deployment.started', run.run_started_at ?? run.updated_at];
  else if (action === 'completed' && run.conclusion === 'success')
    [type, occurredAt] = ['deployment.succeeded', run.updated_at];
  else if (
    action === 'completed' &&
    ['failure', 'timed_out', 'startup_failure'].includes(run.conclusion ?? '')
  )
    [type, occurredAt] = ['deployment.failed', run.updated_at];
  else return ignored(`workflow run ${action} with conclusion '${run.conclusion ?? 'none'}' is not recorded`);

  const attempt = run.run_attempt ?? 1;
  return webhookEvent(delivery, {
    source: repository.html_url,
    id: `workflow-run/${run.id}/${attempt}/${type.slice('deployment.'.length)}`,
    type,
    occurredAt,
    data: {
      deploymentId: `github-run-${run.id}-${attempt}`,
      environment: convention.environment,
      service: repository.name,
      version: run.head_sha,
      ref: run.head_branch,
      repository: repository.full_name,
      workflow: name,
      url: run.html_url,
      ...(type === 'deployment.failed' ? { reason: `workflow run concluded '${run.conclusion}'` } : {}),
    },
  });
}

/**
 * A push to the default branch is a release of its head commit, listing the pushed commits for lead time.
 * One `release.created` rather than a `change.merged` per commit: lead time is measured from a release's
 * commits to its first successful deployment, and `change.merged` events are linked to no release.
 */
function mapPush(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(PushPayloadSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { ref, after, deleted, commits, head_commit: head, repository } = payload.value;
  if (deleted || NO_COMMIT.test(after)) return ignored(`${ref} was deleted`);
  if (ref !== `refs/heads/${repository.default_branch}`)
    return ignored(
      `only pushes to the default branch '${repository.default_branch}' are releases, not ${ref}`,
    );
  if (commits.length === 0) return ignored('the push carries no commits');
  const pushedAt = repository.pushed_at;
  return webhookEvent(delivery, {
    source: repository.html_url,
    id: `push/${after}`,
    type: 'release.created',
    occurredAt:
      typeof pushedAt === 'number' ? new Date(pushedAt * 1000).toISOString() : (pushedAt ?? head?.timestamp),
    data: {
      releaseId: `${repository.name}@${after}`,
      service: repository.name,
      version: after,
      commits: commits.map((commit) => ({ sha: commit.id, timestamp: commit.timestamp })),
      repository: repository.full_name,
      ref,
    },
  });
}
