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
