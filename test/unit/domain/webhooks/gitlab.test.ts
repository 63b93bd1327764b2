import { describe, expect, it } from 'vitest';
import type { IncomingEvent } from '../../../../domain/ledger/ledger-event.ts';
import { mapGitLabWebhook, toRfc3339 } from '../../../../domain/webhooks/gitlab.ts';
import { delivery, type Json, webhookFixture, withField } from '../../../support/webhooks.ts';

const deployment = webhookFixture('gitlab', 'deployment-hook.success');
const pipeline = webhookFixture('gitlab', 'pipeline-hook.success');
const push = webhookFixture('gitlab', 'push-hook');

function event(kind: string, body: Json): IncomingEvent {
  const mapping = mapGitLabWebhook(delivery('gitlab', kind, body));
  if (mapping.outcome !== 'events') throw new Error(`expected events, got ${JSON.stringify(mapping)}`);
  expect(mapping.events).toHaveLength(1);
  return mapping.events[0] as IncomingEvent;
}

function ignoredReason(kind: string, body: Json): string {
  const mapping = mapGitLabWebhook(delivery('gitlab', kind, body));
  if (mapping.outcome !== 'ignored') throw new Error(`expected ignored, got ${JSON.stringify(mapping)}`);
  return mapping.reason;
}

describe('GitLab Deployment Hook', () => {
  it('maps the documented success onto deployment.succeeded at the full sha from commit_url', () => {
    expect(event('Deployment Hook', deployment)).toMatchObject({
      source: 'http://10.126.0.2:3000/root/test-deployment-webhooks',
      id: 'deployment/15/succeeded',
      type: 'deployment.succeeded',
      occurredAt: '2021-04-28T21:50:00+02:00',
      data: {
        deploymentId: 'gitlab-deployment-15',
        environment: 'staging',
        service: 'test-deployment-webhooks',
        version: '279484c09fbe69ededfced8c1bb6e6d24616b468',
        repository: 'root/test-deployment-webhooks',
        environmentTier: 'staging',
        url: 'http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796',
        user: 'root',
      },
      original: {
        format: 'webhook',
        payload: { provider: 'gitlab', kind: 'Deployment Hook', body: deployment },
      },
    });
  });

  it.each([
    ['created', 'deployment.requested'],
    ['running', 'deployment.started'],
    ['failed', 'deployment.failed'],
  ])('maps status %s onto %s', (status, type) => {
    expect(event('Deployment Hook', withField(deployment, ['status'], status)).type).toBe(type);
  });

  it('ignores canceled deployments: not a failed change', () => {
    expect(ignoredReason('Deployment Hook', withField(deployment, ['status'], 'canceled'))).toContain(
      'canceled',
    );
  });

  it('falls back to the short sha when there is no commit URL (deployments made through the API)', () => {
    expect(event('Deployment Hook', withField(deployment, ['commit_url'], null)).data).toMatchObject({
      version: '279484c0',
    });
  });

  it('refuses an unreadable status_changed_at, naming its path', () => {
    const mapping = mapGitLabWebhook(
      delivery('gitlab', 'Deployment Hook', withField(deployment, ['status_changed_at'], 'last tuesday')),
    );
    expect(mapping).toMatchObject({ outcome: 'invalid', issues: [{ path: ['status_changed_at'] }] });
  });
});

describe('GitLab Pipeline Hook', () => {
  const named = (name: string, body: Json = pipeline) => withField(body, ['object_attributes', 'name'], name);

  it('records the documented pipeline ("Pipeline for branch: master", not a deployment) as pipeline.run.finished', () => {
    expect(event('Pipeline Hook', pipeline)).toMatchObject({
      source: 'http://192.168.64.1:3005/gitlab-org/gitlab-test',
      id: 'pipeline/31/finished',
      type: 'pipeline.run.finished',
      occurredAt: '2016-08-12T15:26:29Z',
      data: {
        pipelineRunId: 'gitlab-pipeline-31',
        pipelineName: 'Pipeline for branch: master',
        service: 'gitlab-test',
        outcome: 'success',
        conclusion: 'success',
        durationMs: 63_000,
        url: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/31',
      },
    });
  });

  it.each([
    ['failed', 'pipeline.run.finished', 'pipeline/31/finished', 'failure'],
    ['canceled', 'pipeline.run.finished', 'pipeline/31/finished', 'cancelled'],
    ['skipped', 'pipeline.run.finished', 'pipeline/31/finished', 'skipped'],
    ['running', 'pipeline.run.started', 'pipeline/31/started', undefined],
    ['pending', 'pipeline.run.queued', 'pipeline/31/queued', undefined],
    ['created', 'pipeline.run.queued', 'pipeline/31/queued', undefined],
  ])('maps a CI pipeline with status %s onto %s', (status, type, id, outcome) => {
    const mapped = event('Pipeline Hook', withField(pipeline, ['object_attributes', 'status'], status));
    expect([mapped.type, mapped.id, mapped.data.outcome]).toEqual([type, id, outcome]);
  });

  it('gives created and pending one queued event, so the second delivery replays the first', () => {
    const [created, pending] = ['created', 'pending'].map((status) =>
      event('Pipeline Hook', withField(pipeline, ['object_attributes', 'status'], status)),
    );
    expect(pending?.payloadHash).toBe(created?.payloadHash);
  });

  it('records a pipeline named "Deploy to production" as a deployment of its sha', () => {
    expect(event('Pipeline Hook', named('Deploy to production'))).toMatchObject({
      source: 'http://192.168.64.1:3005/gitlab-org/gitlab-test',
      id: 'pipeline/31/succeeded',
      type: 'deployment.succeeded',
      occurredAt: '2016-08-12T15:26:29Z',
      data: {
        deploymentId: 'gitlab-pipeline-31',
        environment: 'production',
        service: 'gitlab-test',
        version: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
        ref: 'master',
        url: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/31',
      },
    });
  });

  it.each([
    ['pending', 'deployment.requested', '2016-08-12T15:23:28Z'],
    ['running', 'deployment.started', undefined],
    ['failed', 'deployment.failed', '2016-08-12T15:26:29Z'],
  ])('maps status %s onto %s', (status, type, occurredAt) => {
    const mapped = event(
      'Pipeline Hook',
      withField(named('deploy-staging'), ['object_attributes', 'status'], status),
    );
    expect([mapped.type, mapped.occurredAt, mapped.data.environment]).toEqual([type, occurredAt, 'staging']);
  });

  it('records canceled and skipped deploy pipelines as CI runs only: no deployment outcome fits', () => {
    for (const [status, outcome] of [
      ['canceled', 'cancelled'],
      ['skipped', 'skipped'],
    ]) {
      const mapped = event(
        'Pipeline Hook',
        withField(named('Deploy'), ['object_attributes', 'status'], status),
      );
      expect([mapped.type, mapped.data.outcome]).toEqual(['pipeline.run.finished', outcome]);
    }
  });

  it('ignores manual pipelines, waiting for a person', () => {
    const body = withField(named('Deploy'), ['object_attributes', 'status'], 'manual');
    expect(ignoredReason('Pipeline Hook', body)).toContain("'manual' is not recorded");
  });
});

describe('GitLab Job Hook', () => {
  const job = webhookFixture('gitlab', 'job-hook.success');
  const withStatus = (status: string) => withField(job, ['build_status'], status);

  it('maps the go-gitlab success job onto task.run.finished of its pipeline, with duration', () => {
    expect(event('Job Hook', job)).toMatchObject({
      source: 'https://gitlab.com/jsmithy2/release-tools-fake',
      id: 'job/3580121225/success',
      type: 'task.run.finished',
      occurredAt: '2023-01-10T13:50:54Z',
      data: {
        taskRunId: 'gitlab-job-3580121225',
        taskName: 'auto_deploy:start',
        pipelineRunId: 'gitlab-pipeline-743121198',
        service: 'release-tools-fake',
        outcome: 'success',
        conclusion: 'success',
        durationMs: 49_504,
        url: 'https://gitlab.com/jsmithy2/release-tools-fake/-/jobs/3580121225',
      },
    });
  });

  it.each([
    ['failed', 'task.run.finished', 'failure'],
    ['canceled', 'task.run.finished', 'cancelled'],
    ['skipped', 'task.run.finished', 'skipped'],
    ['running', 'task.run.started', undefined],
  ])('maps job status %s onto %s keyed on job id + status', (status, type, outcome) => {
    const mapped = event('Job Hook', withStatus(status));
    expect([mapped.type, mapped.id, mapped.data.outcome]).toEqual([
      type,
      `job/3580121225/${status}`,
      outcome,
    ]);
  });

  it('prefers the project object newer GitLab sends over repository.homepage', () => {
    const body = withField(job, ['project'], {
      path_with_namespace: 'acme/payments-api',
      web_url: 'https://gitlab.example.com/acme/payments-api',
    });
    expect(event('Job Hook', body)).toMatchObject({
      source: 'https://gitlab.example.com/acme/payments-api',
      data: { service: 'payments-api' },
    });
  });

  it('answers 202 for jobs that have not started', () => {
    for (const status of ['created', 'pending', 'manual'])
      expect(ignoredReason('Job Hook', withStatus(status))).toContain(`'${status}' is not recorded`);
  });
});

describe('GitLab Push Hook', () => {
  it('records a push to the default branch as a release listing the commits the hook carries', () => {
    expect(event('Push Hook', push)).toMatchObject({
      source: 'http://example.com/mike/diaspora',
      id: 'push/da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      type: 'release.created',
      occurredAt: '2012-01-03T23:36:29+02:00',
      data: {
        releaseId: 'diaspora@da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        service: 'diaspora',
        version: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        commits: [
          { sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', timestamp: '2011-12-12T14:27:31+02:00' },
          { sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', timestamp: '2012-01-03T23:36:29+02:00' },
        ],
        totalCommits: 4,
      },
    });
  });

  it('ignores other branches and deleted branches', () => {
    expect(ignoredReason('Push Hook', withField(push, ['ref'], 'refs/heads/feature'))).toContain(
      'default branch',
    );
    expect(ignoredReason('Push Hook', withField(push, ['after'], '0'.repeat(40)))).toContain('deleted');
  });

  it('ignores event kinds it does not record', () => {
    expect(ignoredReason('Issue Hook', {})).toContain("'Issue Hook' events are not recorded");
  });
});

describe('GitLab timestamps', () => {
  it.each([
    ['2021-04-28 21:50:00 +0200', '2021-04-28T21:50:00+02:00'],
    ['2016-08-12 15:23:28 UTC', '2016-08-12T15:23:28Z'],
    ['2021-02-23T02:41:37Z', '2021-02-23T02:41:37Z'],
    ['2021-04-28 21:50:00 -05:30', '2021-04-28T21:50:00-05:30'],
  ])('reads %s as %s', (input, output) => {
    expect(toRfc3339(input)).toBe(output);
  });

  it.each(['', 'yesterday', '2021-13-45 99:99:99 UTC'])('refuses %j', (input) => {
    expect(toRfc3339(input)).toBeUndefined();
  });
});
