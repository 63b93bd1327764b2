import * as z from 'zod';
import {
  ignored,
  parsePayload,
  type WebhookDelivery,
  type WebhookMapping,
  webhookEvent,
} from './webhook-event.ts';

/**
 * GitHub `pull_request` and `release` deliveries (issue 18): a merged pull request is a `change.merged`
 * of the repository's service, so lead time can start from the changes teams actually merge; a published
 * release is a `release.created` whose version is its tag. Pure.
 */

const isoTime = z.iso.datetime({ offset: true });
const text = z.string().trim().min(1);

const RepositorySchema = z.looseObject({ name: text, full_name: text, html_url: z.url() });

const PullRequestPayloadSchema = z.looseObject({
  action: text,
  number: z.number().int(),
  repository: RepositorySchema,
  pull_request: z.looseObject({
    merged: z.boolean().nullish(),
    created_at: isoTime,
    merged_at: isoTime.nullish(),
    merge_commit_sha: z.string().nullish(),
    html_url: z.string().nullish(),
    title: z.string().nullish(),
    user: z.looseObject({ login: z.string().nullish() }).nullish(),
    merged_by: z.looseObject({ login: z.string().nullish() }).nullish(),
    base: z.looseObject({ ref: text }),
    head: z.looseObject({ ref: z.string().nullish(), sha: z.string().nullish() }),
  }),
});

const ReleasePayloadSchema = z.looseObject({
  action: text,
  repository: RepositorySchema,
  release: z.looseObject({
    id: z.number().int(),
    tag_name: text,
    name: z.string().nullish(),
    body: z.string().nullish(),
    draft: z.boolean().nullish(),
    prerelease: z.boolean().nullish(),
    target_commitish: z.string().nullish(),
    html_url: z.string().nullish(),
    created_at: isoTime.nullish(),
    published_at: isoTime.nullish(),
  }),
});

/** `Codertocat/Hello-World` pull request 2 → `Codertocat/Hello-World#2`: unique across repositories. */
export function gitHubChangeId(fullName: string, number: number): string {
  return `${fullName}#${number}`;
}

/**
 * Opening a pull request is a `change.created`; closing it with `merged: true` a `change.merged`; closing
 * it unmerged abandons it, which lead time ignores.
 * `createdAt` is the pull request's creation: the start of lead time when no first commit time is known.
 */
export function mapPullRequest(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(PullRequestPayloadSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { action, number, repository, pull_request: pr } = payload.value;
  if (action === 'opened') return mapPullRequestOpened(delivery);
  if (action !== 'closed' || pr.merged !== true)
    return ignored(
      action === 'closed'
        ? `pull request #${number} was closed without being merged`
        : `pull_request '${action}' is not recorded; only opened and merged pull requests are`,
    );
  const changeId = gitHubChangeId(repository.full_name, number);
  return webhookEvent(delivery, {
    source: repository.html_url,
    id: `pull-request/${number}/merged`,
    type: 'change.merged',
    occurredAt: pr.merged_at ?? undefined,
    data: {
      changeId,
      service: repository.name,
      repository: repository.full_name,
      sha: pr.merge_commit_sha || undefined,
      mergeCommitSha: pr.merge_commit_sha || undefined,
      baseBranch: pr.base.ref,
      branch: pr.head.ref || undefined,
      createdAt: pr.created_at,
      mergedAt: pr.merged_at ?? undefined,
      author: pr.user?.login || undefined,
      mergedBy: pr.merged_by?.login || undefined,
      title: pr.title || undefined,
      url: pr.html_url || undefined,
    },
  });
}

/**
 * `published` is the one action that makes a release public (`released` and `prereleased` follow it for
 * the same release; `created` also fires for drafts). Its tag is the version.
 */
export function mapRelease(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(ReleasePayloadSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { action, repository, release } = payload.value;
  if (action !== 'published')
    return ignored(`release '${action}' is not recorded; a release is recorded once, when published`);
  return webhookEvent(delivery, {
    source: repository.html_url,
    id: `release/${release.id}/published`,
    type: 'release.created',
    occurredAt: release.published_at ?? release.created_at ?? undefined,
    data: {
      releaseId: `${repository.name}@${release.tag_name}`,
      service: repository.name,
      version: release.tag_name,
      repository: repository.full_name,
      ref: release.target_commitish || undefined,
      title: release.name || undefined,
      notes: release.body ? release.body.slice(0, 65_536) : undefined,
      prerelease: release.prerelease ?? undefined,
      url: release.html_url || undefined,
    },
  });
}

/** A GitHub conclusion → the run outcome of the catalogue; others (`action_required`, `stale`) stay raw only. */
const OUTCOMES: Readonly<Record<string, 'success' | 'failure' | 'cancelled' | 'skipped'>> = {
  success: 'success',
  failure: 'failure',
  timed_out: 'failure',
  startup_failure: 'failure',
  cancelled: 'cancelled',
  skipped: 'skipped',
  neutral: 'skipped',
};

function durationMs(start: string | null | undefined, end: string | null | undefined): number | undefined {
  if (!start || !end) return undefined;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

const WorkflowRunSchema = z.looseObject({
  action: text,
  repository: RepositorySchema,
  workflow: z.looseObject({ name: z.string().nullish() }).nullish(),
  workflow_run: z.looseObject({
    id: z.number().int(),
    name: z.string().nullish(),
    run_attempt: z.number().int().positive().optional(),
    conclusion: z.string().nullish(),
    html_url: z.string().nullish(),
    updated_at: isoTime,
    run_started_at: isoTime.nullish(),
  }),
});

/** A completed workflow run that is not a deployment by name: `pipeline.run.finished`. */
export function mapWorkflowRunFinished(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(WorkflowRunSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { action, repository, workflow, workflow_run: run } = payload.value;
  if (action !== 'completed')
    return ignored(`workflow run '${action}' is not recorded; a CI run is recorded when completed`);
  const attempt = run.run_attempt ?? 1;
  return webhookEvent(delivery, {
    source: repository.html_url,
    id: `workflow-run/${run.id}/${attempt}/finished`,
    type: 'pipeline.run.finished',
    occurredAt: run.updated_at,
    data: {
      pipelineRunId: `github-run-${run.id}-${attempt}`,
      pipelineName: run.name || workflow?.name || undefined,
      service: repository.name,
      outcome: OUTCOMES[run.conclusion ?? ''],
      conclusion: run.conclusion || undefined,
      durationMs: durationMs(run.run_started_at, run.updated_at),
      url: run.html_url || undefined,
    },
  });
}

const WorkflowJobSchema = z.looseObject({
  action: text,
  repository: RepositorySchema,
  workflow_job: z.looseObject({
    id: z.number().int(),
    run_id: z.number().int(),
    run_attempt: z.number().int().positive().optional(),
    name: z.string().nullish(),
    conclusion: z.string().nullish(),
    started_at: isoTime.nullish(),
    completed_at: isoTime.nullish(),
    html_url: z.string().nullish(),
  }),
});

/** A completed workflow job: `task.run.finished` of its run. */
export function mapWorkflowJob(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(WorkflowJobSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { action, repository, workflow_job: job } = payload.value;
  if (action !== 'completed')
    return ignored(`workflow job '${action}' is not recorded; a job is recorded when completed`);
  const attempt = job.run_attempt ?? 1;
  return webhookEvent(delivery, {
    source: repository.html_url,
    id: `workflow-job/${job.id}/finished`,
    type: 'task.run.finished',
    occurredAt: job.completed_at ?? undefined,
    data: {
      taskRunId: `github-job-${job.id}`,
      taskName: job.name || undefined,
      pipelineRunId: `github-run-${job.run_id}-${attempt}`,
      service: repository.name,
      outcome: OUTCOMES[job.conclusion ?? ''],
      conclusion: job.conclusion || undefined,
      durationMs: durationMs(job.started_at, job.completed_at),
      url: job.html_url || undefined,
    },
  });
}

/** An opened pull request: `change.created`. */
export function mapPullRequestOpened(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(PullRequestPayloadSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { number, repository, pull_request: pr } = payload.value;
  return webhookEvent(delivery, {
    source: repository.html_url,
    id: `pull-request/${number}/created`,
    type: 'change.created',
    occurredAt: pr.created_at,
    data: {
      changeId: gitHubChangeId(repository.full_name, number),
      service: repository.name,
      repository: repository.full_name,
      title: pr.title || undefined,
      author: pr.user?.login || undefined,
      branch: pr.head.ref || undefined,
      baseBranch: pr.base.ref,
      url: pr.html_url || undefined,
      createdAt: pr.created_at,
    },
  });
}
