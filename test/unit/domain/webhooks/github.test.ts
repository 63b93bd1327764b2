import { describe, expect, it } from 'vitest';
import type { IncomingEvent } from '../../../../domain/ledger/ledger-event.ts';
import { mapGitHubWebhook } from '../../../../domain/webhooks/github.ts';
import type { WebhookMapping } from '../../../../domain/webhooks/webhook-event.ts';
import { delivery, type Json, webhookFixture, withField } from '../../../support/webhooks.ts';

const deploymentStatus = webhookFixture('github', 'deployment_status.success');
const workflowRun = webhookFixture('github', 'workflow_run.completed');
const push = webhookFixture('github', 'push.default-branch');

function event(kind: string, body: Json): IncomingEvent {
  const mapping = mapGitHubWebhook(delivery('github', kind, body));
  if (mapping.outcome !== 'events') throw new Error(`expected events, got ${JSON.stringify(mapping)}`);
  expect(mapping.events).toHaveLength(1);
  return mapping.events[0] as IncomingEvent;
}

function ignoredReason(kind: string, body: Json): string {
  const mapping: WebhookMapping = mapGitHubWebhook(delivery('github', kind, body));
  if (mapping.outcome !== 'ignored') throw new Error(`expected ignored, got ${JSON.stringify(mapping)}`);
  return mapping.reason;
}

const status = (state: string) => withField(deploymentStatus, ['deployment_status', 'state'], state);

describe('GitHub deployment_status', () => {
  it('maps the documented success status onto deployment.succeeded of the repository at the deployed sha', () => {
    const succeeded = event('deployment_status', deploymentStatus);
    expect(succeeded).toMatchObject({
      source: 'https://github.com/Codertocat/Hello-World',
      id: 'deployment/145988746/succeeded',
      type: 'deployment.succeeded',
      occurredAt: '2019-05-15T15:20:55Z',
      data: {
        deploymentId: 'github-deployment-145988746',
        environment: 'production',
        service: 'Hello-World',
        version: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
        ref: 'master',
        repository: 'Codertocat/Hello-World',
        planned: true,
      },
      original: {
        format: 'webhook',
        payload: { provider: 'github', kind: 'deployment_status', body: deploymentStatus },
      },
    });
    expect(succeeded.original.payload).toMatchObject({ deliveryId: 'delivery-1' });
  });

  it.each([
    ['waiting', 'deployment.requested'],
    ['queued', 'deployment.requested'],
    ['pending', 'deployment.requested'],
    ['in_progress', 'deployment.started'],
    ['success', 'deployment.succeeded'],
    ['failure', 'deployment.failed'],
    ['error', 'deployment.failed'],
  ])('maps state %s onto %s', (state, type) => {
    expect(event('deployment_status', status(state)).type).toBe(type);
  });

  it('ignores inactive: GitHub sets it on the previous deployment when a newer one succeeds', () => {
    expect(ignoredReason('deployment_status', status('inactive'))).toContain("'inactive'");
  });

  it('gives queued, pending and the deployment event itself one identity and payload, so they replay', () => {
    const queued = event('deployment_status', status('queued'));
    const pending = event('deployment_status', status('pending'));
    const created = event('deployment', {
      ...deploymentStatus,
      action: 'created',
      deployment_status: undefined,
    });
    for (const other of [pending, created]) {
      expect([other.source, other.id, other.payloadHash]).toEqual([
        queued.source,
        queued.id,
        queued.payloadHash,
      ]);
    }
  });

  it('gives a redelivery the same identity and payload hash whatever its delivery id', () => {
    const first = event('deployment_status', deploymentStatus);
    const again = mapGitHubWebhook({
      ...delivery('github', 'deployment_status', deploymentStatus),
      deliveryId: 'b',
    });
    expect(again).toMatchObject({
      outcome: 'events',
      events: [{ id: first.id, payloadHash: first.payloadHash }],
    });
  });

  it('keeps the status description as the failure reason', () => {
    const failed = event(
      'deployment_status',
      withField(status('failure'), ['deployment_status', 'description'], 'health check timed out'),
    );
    expect(failed.data).toMatchObject({ reason: 'health check timed out', state: 'failure' });
    expect(event('deployment_status', status('error')).data).toMatchObject({
      reason: "GitHub deployment state 'error'",
    });
  });

  it('refuses a payload without the deployed sha, naming its path', () => {
    const mapping = mapGitHubWebhook(
      delivery('github', 'deployment_status', withField(deploymentStatus, ['deployment', 'sha'], undefined)),
    );
    expect(mapping).toMatchObject({ outcome: 'invalid', issues: [{ path: ['deployment', 'sha'] }] });
  });
});

describe('GitHub workflow_run', () => {
  const named = (name: string, body: Json = workflowRun) => withField(body, ['workflow_run', 'name'], name);

  it('records the documented completed run of a workflow named "test" as pipeline.run.finished, not a deployment', () => {
    expect(event('workflow_run', workflowRun)).toMatchObject({
      id: 'workflow-run/289782451/1/finished',
      type: 'pipeline.run.finished',
      data: {
        pipelineRunId: 'github-run-289782451-1',
        pipelineName: 'test',
        outcome: 'success',
        conclusion: 'success',
      },
    });
    expect(ignoredReason('workflow_run', withField(workflowRun, ['action'], 'requested'))).toContain(
      'recorded when completed',
    );
  });

  it('records a completed run of "Deploy to staging" as a succeeded deployment of the head sha', () => {
    expect(event('workflow_run', named('Deploy to staging'))).toMatchObject({
      source: 'https://github.com/octo-org/octo-repo',
      id: 'workflow-run/289782451/1/succeeded',
      type: 'deployment.succeeded',
      occurredAt: '2020-10-05T16:33:49Z',
      data: {
        deploymentId: 'github-run-289782451-1',
        environment: 'staging',
        service: 'octo-repo',
        version: '3484a3fb816e0859fd6e1cea078d76385ff50625',
        ref: 'master',
        workflow: 'Deploy to staging',
        url: 'https://github.com/octo-org/octo-repo/actions/runs/289782451',
      },
    });
  });

  it('makes each re-run attempt its own deployment', () => {
    const rerun = withField(named('Deploy'), ['workflow_run', 'run_attempt'], 2);
    expect(event('workflow_run', rerun).data).toMatchObject({
      deploymentId: 'github-run-289782451-2',
      environment: 'production',
    });
  });

  it.each([
    ['requested', null, 'deployment.requested'],
    ['in_progress', null, 'deployment.started'],
    ['completed', 'failure', 'deployment.failed'],
    ['completed', 'timed_out', 'deployment.failed'],
  ])('maps action %s (conclusion %s) onto %s', (action, conclusion, type) => {
    const body = withField(
      withField(named('deploy'), ['action'], action),
      ['workflow_run', 'conclusion'],
      conclusion,
    );
    expect(event('workflow_run', body).type).toBe(type);
  });

  it('ignores cancelled and skipped runs: they are not failed changes', () => {
    for (const conclusion of ['cancelled', 'skipped', 'neutral']) {
      const body = withField(named('Deploy'), ['workflow_run', 'conclusion'], conclusion);
      expect(ignoredReason('workflow_run', body)).toContain(conclusion);
    }
  });
});

describe('GitHub push', () => {
  it('records a push to the default branch as a release of the head commit listing its commits', () => {
    expect(event('push', push)).toMatchObject({
      source: 'https://github.com/Codertocat/Hello-World',
      id: 'push/6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      type: 'release.created',
      occurredAt: '2019-05-15T15:20:57.000Z',
      data: {
        releaseId: 'Hello-World@6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        service: 'Hello-World',
        version: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        commits: [{ sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246', timestamp: '2019-05-15T15:19:25Z' }],
        repository: 'Codertocat/Hello-World',
        ref: 'refs/heads/master',
      },
    });
  });

  it('ignores deleted refs, other branches and pushes without commits', () => {
    expect(ignoredReason('push', webhookFixture('github', 'push.tag-deleted'))).toContain('deleted');
    expect(ignoredReason('push', withField(push, ['ref'], 'refs/heads/feature'))).toContain(
      "default branch 'master'",
    );
    expect(ignoredReason('push', withField(push, ['commits'], []))).toContain('no commits');
  });

  it('refuses a commit without a valid timestamp, naming its path', () => {
    const mapping = mapGitHubWebhook(
      delivery('github', 'push', withField(push, ['commits', 0, 'timestamp'], 'yesterday')),
    );
    expect(mapping).toMatchObject({ outcome: 'invalid', issues: [{ path: ['commits', 0, 'timestamp'] }] });
  });
});

describe('other GitHub events', () => {
  it('answers ping and unsubscribed kinds as ignored with a reason', () => {
    expect(ignoredReason('ping', { zen: 'Keep it logically awesome.', hook_id: 1 })).toContain('ping');
    expect(ignoredReason('issues', {})).toContain("'issues' events are not recorded");
  });
});
