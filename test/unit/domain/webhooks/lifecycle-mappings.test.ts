import { describe, expect, it } from 'vitest';
import type { IncomingEvent } from '../../../../domain/ledger/ledger-event.ts';
import { mapGitHubWebhook } from '../../../../domain/webhooks/github.ts';
import { mapGitLabWebhook } from '../../../../domain/webhooks/gitlab.ts';
import type { WebhookMapping } from '../../../../domain/webhooks/webhook-event.ts';
import { delivery, type Json, withField } from '../../../support/webhooks.ts';

function only(mapping: WebhookMapping): IncomingEvent {
  if (mapping.outcome !== 'events') throw new Error(`expected events, got ${JSON.stringify(mapping)}`);
  expect(mapping.events).toHaveLength(1);
  return mapping.events[0] as IncomingEvent;
}

function reason(mapping: WebhookMapping): string {
  if (mapping.outcome !== 'ignored') throw new Error(`expected ignored, got ${JSON.stringify(mapping)}`);
  return mapping.reason;
}

const repository = {
  name: 'payments-api',
  full_name: 'acme/payments-api',
  html_url: 'https://github.com/acme/payments-api',
};

const mergedPullRequest: Json = {
  action: 'closed',
  number: 42,
  repository,
  pull_request: {
    merged: true,
    title: 'Retry card captures',
    created_at: '2026-11-30T09:00:00Z',
    merged_at: '2026-12-01T15:30:00Z',
    merge_commit_sha: 'a'.repeat(40),
    html_url: 'https://github.com/acme/payments-api/pull/42',
    user: { login: 'ada' },
    merged_by: { login: 'grace' },
    base: { ref: 'main' },
    head: { ref: 'retry-captures', sha: 'b'.repeat(40) },
  },
};

const github = (kind: string, body: Json) => mapGitHubWebhook(delivery('github', kind, body));
const gitlab = (kind: string, body: Json) => mapGitLabWebhook(delivery('gitlab', kind, body));

describe('GitHub pull_request', () => {
  it('given a pull request closed with merged: true, records change.merged with merge commit sha, base branch and created_at', () => {
    const merged = only(github('pull_request', mergedPullRequest));
    expect(merged).toMatchObject({
      source: 'https://github.com/acme/payments-api',
      id: 'pull-request/42/merged',
      type: 'change.merged',
      occurredAt: '2026-12-01T15:30:00Z',
      data: {
        changeId: 'acme/payments-api#42',
        service: 'payments-api',
        repository: 'acme/payments-api',
        sha: 'a'.repeat(40),
        mergeCommitSha: 'a'.repeat(40),
        baseBranch: 'main',
        branch: 'retry-captures',
        createdAt: '2026-11-30T09:00:00Z',
        mergedAt: '2026-12-01T15:30:00Z',
        author: 'ada',
        mergedBy: 'grace',
      },
    });
  });

  it('given a redelivery, derives the same identity and payload hash, so the ledger replays it', () => {
    const first = only(github('pull_request', mergedPullRequest));
    const again = only(
      mapGitHubWebhook({
        ...delivery('github', 'pull_request', mergedPullRequest),
        deliveryId: 'delivery-2',
      }),
    );
    expect([again.source, again.id, again.payloadHash]).toEqual([first.source, first.id, first.payloadHash]);
  });

  it('ignores a pull request closed unmerged, and other actions, with a reason', () => {
    expect(
      reason(github('pull_request', withField(mergedPullRequest, ['pull_request', 'merged'], false))),
    ).toBe('pull request #42 was closed without being merged');
    expect(reason(github('pull_request', withField(mergedPullRequest, ['action'], 'synchronize')))).toMatch(
      /'synchronize' is not recorded/,
    );
  });

  it('answers a payload without a base branch as invalid, naming the path', () => {
    const mapping = github('pull_request', withField(mergedPullRequest, ['pull_request', 'base'], undefined));
    expect(mapping).toMatchObject({ outcome: 'invalid', issues: [{ path: ['pull_request', 'base'] }] });
  });
});

const publishedRelease: Json = {
  action: 'published',
  repository,
  release: {
    id: 7,
    tag_name: 'v1.4.0',
    name: 'Payments 1.4',
    target_commitish: 'main',
    published_at: '2026-12-01T16:00:00Z',
    created_at: '2026-12-01T15:59:00Z',
    prerelease: false,
  },
};

describe('GitHub release', () => {
  it('given a published release, records release.created with the tag as version', () => {
    expect(only(github('release', publishedRelease))).toMatchObject({
      id: 'release/7/published',
      type: 'release.created',
      occurredAt: '2026-12-01T16:00:00Z',
      data: { releaseId: 'payments-api@v1.4.0', service: 'payments-api', version: 'v1.4.0', ref: 'main' },
    });
  });

  it.each(['created', 'released', 'prereleased', 'edited', 'deleted'])(
    'ignores %s with a reason',
    (action) => {
      expect(reason(github('release', withField(publishedRelease, ['action'], action)))).toMatch(
        /recorded once, when published/,
      );
    },
  );
});

const project = {
  path_with_namespace: 'acme/payments-api',
  web_url: 'https://gitlab.example.com/acme/payments-api',
};

const mergeHook: Json = {
  object_kind: 'merge_request',
  user: { username: 'grace' },
  project,
  object_attributes: {
    iid: 9,
    action: 'merge',
    state: 'merged',
    title: 'Retry captures',
    created_at: '2026-11-30 09:00:00 UTC',
    updated_at: '2026-12-01 15:30:00 +0100',
    merge_commit_sha: 'c'.repeat(40),
    target_branch: 'main',
    source_branch: 'retry',
    url: 'https://gitlab.example.com/acme/payments-api/-/merge_requests/9',
    last_commit: { id: 'd'.repeat(40) },
  },
};

describe('GitLab Merge Request Hook', () => {
  it('given action merge, records change.merged with the merge commit, target branch and creation time', () => {
    expect(only(gitlab('Merge Request Hook', mergeHook))).toMatchObject({
      source: 'https://gitlab.example.com/acme/payments-api',
      id: 'merge-request/9/merged',
      type: 'change.merged',
      occurredAt: '2026-12-01T15:30:00+01:00',
      data: {
        changeId: 'acme/payments-api!9',
        service: 'payments-api',
        sha: 'c'.repeat(40),
        mergeCommitSha: 'c'.repeat(40),
        baseBranch: 'main',
        createdAt: '2026-11-30T09:00:00Z',
        mergedAt: '2026-12-01T15:30:00+01:00',
        mergedBy: 'grace',
      },
    });
  });

  it('uses the last commit as sha when GitLab sends no merge commit (fast-forward merge)', () => {
    const fastForward = withField(mergeHook, ['object_attributes', 'merge_commit_sha'], null);
    const data = only(gitlab('Merge Request Hook', fastForward)).data as Json;
    expect([data.sha, data.mergeCommitSha]).toEqual(['d'.repeat(40), undefined]);
  });

  it.each(['update', 'close', 'approved'])('ignores action %s with a reason', (action) => {
    expect(
      reason(gitlab('Merge Request Hook', withField(mergeHook, ['object_attributes', 'action'], action))),
    ).toBe(`merge request action '${action}' is not recorded; only open and merge are`);
  });
});

const releaseHook: Json = {
  id: 11,
  object_kind: 'release',
  action: 'create',
  tag: 'v2.0.0',
  name: 'v2',
  created_at: '2026-12-01 10:00:00 UTC',
  released_at: '2026-12-01 10:05:00 UTC',
  project,
  commit: { id: 'e'.repeat(40) },
};

describe('GitLab Merge Request Hook open', () => {
  it('given action open, records change.created of the merge request', () => {
    const opened = withField(mergeHook, ['object_attributes', 'action'], 'open');
    expect(only(gitlab('Merge Request Hook', opened))).toMatchObject({
      id: 'merge-request/9/created',
      type: 'change.created',
      occurredAt: '2026-11-30T09:00:00Z',
      data: {
        changeId: 'acme/payments-api!9',
        branch: 'retry',
        baseBranch: 'main',
        createdAt: '2026-11-30T09:00:00Z',
      },
    });
  });
});

describe('GitLab Release Hook', () => {
  it('given action create, records release.created with the tag as version', () => {
    expect(only(gitlab('Release Hook', releaseHook))).toMatchObject({
      id: 'release/11/created',
      type: 'release.created',
      occurredAt: '2026-12-01T10:05:00Z',
      data: {
        releaseId: 'payments-api@v2.0.0',
        service: 'payments-api',
        version: 'v2.0.0',
        sha: 'e'.repeat(40),
      },
    });
  });

  it('ignores update with a reason', () => {
    expect(reason(gitlab('Release Hook', withField(releaseHook, ['action'], 'update')))).toMatch(
      /when created/,
    );
  });
});

describe('GitHub pull_request opened and workflow_job', () => {
  it('given an opened pull request, records change.created with title, author, branches and creation time', () => {
    const opened = withField(mergedPullRequest, ['action'], 'opened');
    expect(only(github('pull_request', opened))).toMatchObject({
      id: 'pull-request/42/created',
      type: 'change.created',
      occurredAt: '2026-11-30T09:00:00Z',
      data: {
        changeId: 'acme/payments-api#42',
        title: 'Retry card captures',
        author: 'ada',
        branch: 'retry-captures',
        baseBranch: 'main',
        createdAt: '2026-11-30T09:00:00Z',
      },
    });
  });

  const job: Json = {
    action: 'completed',
    repository,
    workflow_job: {
      id: 5,
      run_id: 77,
      run_attempt: 2,
      name: 'unit tests',
      conclusion: 'timed_out',
      started_at: '2026-12-01T10:00:00Z',
      completed_at: '2026-12-01T10:03:30Z',
      html_url: 'https://github.com/acme/payments-api/actions/runs/77/job/5',
    },
  };

  it('given a completed job, records task.run.finished of its run with outcome, raw conclusion and duration', () => {
    expect(only(github('workflow_job', job))).toMatchObject({
      id: 'workflow-job/5/finished',
      type: 'task.run.finished',
      occurredAt: '2026-12-01T10:03:30Z',
      data: {
        taskRunId: 'github-job-5',
        taskName: 'unit tests',
        pipelineRunId: 'github-run-77-2',
        outcome: 'failure',
        conclusion: 'timed_out',
        durationMs: 210_000,
      },
    });
  });

  it.each([
    ['success', 'success'],
    ['failure', 'failure'],
    ['cancelled', 'cancelled'],
    ['skipped', 'skipped'],
  ])('maps conclusion %s onto outcome %s', (conclusion, outcome) => {
    const data = only(github('workflow_job', withField(job, ['workflow_job', 'conclusion'], conclusion)))
      .data as Json;
    expect(data.outcome).toBe(outcome);
  });

  it('ignores queued and in-progress jobs with a reason', () => {
    expect(reason(github('workflow_job', withField(job, ['action'], 'queued')))).toMatch(
      /recorded when completed/,
    );
  });
});
