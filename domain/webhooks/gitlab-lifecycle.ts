import * as z from 'zod';
import { toRfc3339 } from './gitlab.ts';
import {
  ignored,
  lastSegment,
  parsePayload,
  type WebhookDelivery,
  type WebhookMapping,
  webhookEvent,
} from './webhook-event.ts';

/**
 * GitLab Merge Request and Release hooks (issue 18): a merge is a `change.merged` of the project's service
 * (lead time from the merge requests teams merge); a created release is a `release.created` whose version
 * is its tag. Pure.
 */

const text = z.string().trim().min(1);

const gitlabTime = z.string().transform((value, context) => {
  const iso = toRfc3339(value);
  if (iso === undefined) {
    context.addIssue({ code: 'custom', message: 'must be a GitLab timestamp (2021-04-28 21:50:00 +0200)' });
    return z.NEVER;
  }
  return iso;
});

const ProjectSchema = z.looseObject({ path_with_namespace: text, web_url: z.url() });

const MergeRequestHookSchema = z.looseObject({
  project: ProjectSchema,
  user: z.looseObject({ username: z.string().nullish() }).nullish(),
  object_attributes: z.looseObject({
    iid: z.number().int(),
    action: z.string().nullish(),
    state: z.string().nullish(),
    title: z.string().nullish(),
    created_at: gitlabTime,
    updated_at: gitlabTime.nullish(),
    merged_at: gitlabTime.nullish(),
    merge_commit_sha: z.string().nullish(),
    target_branch: text,
    source_branch: z.string().nullish(),
    url: z.string().nullish(),
    last_commit: z.looseObject({ id: z.string().nullish() }).nullish(),
  }),
});

const ReleaseHookSchema = z.looseObject({
  id: z.number().int(),
  action: text,
  tag: text,
  name: z.string().nullish(),
  description: z.string().nullish(),
  created_at: gitlabTime,
  released_at: gitlabTime.nullish(),
  url: z.string().nullish(),
  project: ProjectSchema,
  commit: z.looseObject({ id: z.string().nullish() }).nullish(),
});

/** `group/app` merge request !1 → `group/app!1`, GitLab's own way of naming it. */
export function gitLabChangeId(path: string, iid: number): string {
  return `${path}!${iid}`;
}

/**
 * `open` is a `change.created`, `merge` a `change.merged`. GitLab's payload has no merge time in older versions; `updated_at` of the
 * merge delivery is then when it was merged. `createdAt` is the merge request's creation.
 */
export function mapMergeRequest(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(MergeRequestHookSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { project, user, object_attributes: mr } = payload.value;
  if (mr.action === 'open')
    return webhookEvent(delivery, {
      source: project.web_url,
      id: `merge-request/${mr.iid}/created`,
      type: 'change.created',
      occurredAt: mr.created_at,
      data: {
        changeId: gitLabChangeId(project.path_with_namespace, mr.iid),
        service: lastSegment(project.path_with_namespace),
        repository: project.path_with_namespace,
        title: mr.title || undefined,
        author: user?.username || undefined,
        branch: mr.source_branch || undefined,
        baseBranch: mr.target_branch,
        url: mr.url || undefined,
        createdAt: mr.created_at,
      },
    });
  if (mr.action !== 'merge')
    return ignored(`merge request action '${mr.action ?? 'none'}' is not recorded; only open and merge are`);
  const mergedAt = mr.merged_at ?? mr.updated_at ?? undefined;
  const sha = mr.merge_commit_sha || mr.last_commit?.id || undefined;
  return webhookEvent(delivery, {
    source: project.web_url,
    id: `merge-request/${mr.iid}/merged`,
    type: 'change.merged',
    occurredAt: mergedAt,
    data: {
      changeId: gitLabChangeId(project.path_with_namespace, mr.iid),
      service: lastSegment(project.path_with_namespace),
      repository: project.path_with_namespace,
      sha,
      mergeCommitSha: mr.merge_commit_sha || undefined,
      baseBranch: mr.target_branch,
      branch: mr.source_branch || undefined,
      createdAt: mr.created_at,
      mergedAt,
      mergedBy: user?.username || undefined,
      title: mr.title || undefined,
      url: mr.url || undefined,
    },
  });
}

/** `create` is recorded once per release; `update` and `delete` change nothing the ledger keeps. */
export function mapGitLabRelease(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(ReleaseHookSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const hook = payload.value;
  if (hook.action !== 'create')
    return ignored(`release '${hook.action}' is not recorded; a release is recorded once, when created`);
  const service = lastSegment(hook.project.path_with_namespace);
  return webhookEvent(delivery, {
    source: hook.project.web_url,
    id: `release/${hook.id}/created`,
    type: 'release.created',
    occurredAt: hook.released_at ?? hook.created_at,
    data: {
      releaseId: `${service}@${hook.tag}`,
      service,
      version: hook.tag,
      repository: hook.project.path_with_namespace,
      sha: hook.commit?.id || undefined,
      title: hook.name || undefined,
      notes: hook.description ? hook.description.slice(0, 65_536) : undefined,
      url: hook.url || undefined,
    },
  });
}

/** A GitLab pipeline or job status → the run outcome of the catalogue. */
const OUTCOMES: Readonly<Record<string, 'success' | 'failure' | 'cancelled' | 'skipped'>> = {
  success: 'success',
  failed: 'failure',
  canceled: 'cancelled',
  skipped: 'skipped',
};

/** Waiting states of a GitLab pipeline (`manual` waits for a person and is not recorded). */
const QUEUED = new Set(['created', 'waiting_for_resource', 'preparing', 'pending', 'scheduled']);

const seconds = z.number().nonnegative().nullish();
const toMs = (value: number | null | undefined) => (value == null ? undefined : Math.round(value * 1000));

const PipelineRunSchema = z.looseObject({
  object_attributes: z.looseObject({
    id: z.number().int(),
    name: z.string().nullish(),
    status: text,
    created_at: gitlabTime,
    finished_at: gitlabTime.nullish(),
    duration: seconds,
    url: z.string().nullish(),
  }),
  project: ProjectSchema,
});

/**
 * Any GitLab pipeline as a CI run (issue 18): waiting → `pipeline.run.queued`, `running` →
 * `pipeline.run.started`, `success`/`failed`/`canceled`/`skipped` → `pipeline.run.finished` with outcome,
 * raw status as conclusion and GitLab's `duration` (seconds of running) in ms. Keyed on pipeline id + phase,
 * so `created` then `pending` replay one queued event.
 */
export function mapGitLabPipelineRun(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(PipelineRunSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { object_attributes: pipeline, project } = payload.value;
  const run = {
    pipelineRunId: `gitlab-pipeline-${pipeline.id}`,
    pipelineName: pipeline.name || undefined,
    service: lastSegment(project.path_with_namespace),
    url: pipeline.url || undefined,
  };
  const outcome = OUTCOMES[pipeline.status];
  if (outcome)
    return webhookEvent(delivery, {
      source: project.web_url,
      id: `pipeline/${pipeline.id}/finished`,
      type: 'pipeline.run.finished',
      occurredAt: pipeline.finished_at ?? undefined,
      data: { ...run, outcome, conclusion: pipeline.status, durationMs: toMs(pipeline.duration) },
    });
  if (pipeline.status === 'running')
    return webhookEvent(delivery, {
      source: project.web_url,
      id: `pipeline/${pipeline.id}/started`,
      type: 'pipeline.run.started',
      // A pipeline records when it was created and finished, not when it started running.
      occurredAt: undefined,
      data: run,
    });
  if (QUEUED.has(pipeline.status))
    return webhookEvent(delivery, {
      source: project.web_url,
      id: `pipeline/${pipeline.id}/queued`,
      type: 'pipeline.run.queued',
      occurredAt: pipeline.created_at,
      data: run,
    });
  return ignored(`pipeline status '${pipeline.status}' is not recorded`);
}

const JobHookSchema = z.looseObject({
  build_id: z.number().int(),
  build_name: z.string().nullish(),
  build_stage: z.string().nullish(),
  build_status: text,
  build_started_at: gitlabTime.nullish(),
  build_finished_at: gitlabTime.nullish(),
  build_duration: seconds,
  pipeline_id: z.number().int(),
  ref: z.string().nullish(),
  sha: z.string().nullish(),
  // Newer GitLab sends `project`; every version sends `repository.homepage` (the project's URL).
  project: z.looseObject({ path_with_namespace: text, web_url: z.url() }).nullish(),
  repository: z.looseObject({ homepage: z.url() }),
});

/**
 * A GitLab Job Hook (`object_kind: build`): `running` → `task.run.started`, `success`/`failed`/`canceled`/
 * `skipped` → `task.run.finished` of pipelineRunId `gitlab-pipeline-<pipeline_id>`, with outcome, raw status
 * and `build_duration` in ms. Keyed on job id + status (a retried job is a new job id). Other states
 * (`created`, `pending`, `manual`) → 202.
 */
export function mapGitLabJob(delivery: WebhookDelivery): WebhookMapping {
  const payload = parsePayload(JobHookSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const job = payload.value;
  const outcome = OUTCOMES[job.build_status];
  if (!outcome && job.build_status !== 'running')
    return ignored(
      `job status '${job.build_status}' is not recorded; a job is recorded when running and finished`,
    );
  const source = job.project?.web_url ?? job.repository.homepage;
  const path = job.project?.path_with_namespace ?? new URL(source).pathname;
  const task = {
    taskRunId: `gitlab-job-${job.build_id}`,
    taskName: job.build_name || undefined,
    pipelineRunId: `gitlab-pipeline-${job.pipeline_id}`,
    service: lastSegment(path),
    url: `${source.replace(/\/$/, '')}/-/jobs/${job.build_id}`,
    stage: job.build_stage || undefined,
  };
  if (!outcome)
    return webhookEvent(delivery, {
      source,
      id: `job/${job.build_id}/${job.build_status}`,
      type: 'task.run.started',
      occurredAt: job.build_started_at ?? undefined,
      data: task,
    });
  return webhookEvent(delivery, {
    source,
    id: `job/${job.build_id}/${job.build_status}`,
    type: 'task.run.finished',
    occurredAt: job.build_finished_at ?? undefined,
    data: { ...task, outcome, conclusion: job.build_status, durationMs: toMs(job.build_duration) },
  });
}
