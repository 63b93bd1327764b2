import { describe, expect, it } from 'vitest';
import {
  type NativeEventType,
  nativeEventSchemas,
  nativeEventTypes,
} from '../../../../domain/events/native-events.ts';

/** One valid data object per native type: the catalogue in the README, as data. */
const valid: Record<NativeEventType, Record<string, unknown>> = {
  'release.created': {
    releaseId: 'r1',
    service: 'api',
    version: '1.0',
    commits: [{ sha: 'abc', timestamp: '2026-11-20T10:00:00Z' }],
  },
  'deployment.requested': { deploymentId: 'd1', environment: 'prod', releaseId: 'r1' },
  'deployment.started': { deploymentId: 'd1', environment: 'prod', service: 'api', version: '1.0' },
  'deployment.succeeded': { deploymentId: 'd1', environment: 'prod', releaseId: 'r1', rollbackOf: 'd0' },
  'deployment.failed': { deploymentId: 'd1', environment: 'prod', releaseId: 'r1', reason: 'boom' },
  'incident.opened': { incidentId: 'i1', service: 'api', environment: 'prod', severity: 'sev2' },
  'incident.resolved': { incidentId: 'i1' },
  'approval.granted': { releaseId: 'r1', environment: 'prod', approver: 'ana' },
  'tests.completed': { releaseId: 'r1', suite: 'unit', passed: true, total: 10, failedCount: 0 },
  'change.merged': { changeId: 'c1', repository: 'acme/api', mergeCommitSha: 'abc', baseBranch: 'main' },
  'artifact.published': { artifactId: 'pkg:oci/api@1.0' },
  'review.completed': { deploymentId: 'd1', reviewer: 'rui', url: 'https://tickets.example.com/CAB-7' },
  'change.created': { changeId: 'c1', title: 'Fix', author: 'ana', createdAt: '2026-11-20T10:00:00Z' },
  'change.updated': { changeId: 'c1' },
  'change.reviewed': { changeId: 'c1', reviewer: 'bo' },
  'change.abandoned': { changeId: 'c1' },
  'branch.created': { branchId: 'feature-x', repository: 'acme/api' },
  'branch.deleted': { branchId: 'feature-x' },
  'repository.created': { repositoryId: 'acme/api', url: 'https://git/acme/api' },
  'repository.modified': { repositoryId: 'acme/api' },
  'repository.deleted': { repositoryId: 'acme/api' },
  'build.queued': { buildId: 'b1' },
  'build.started': { buildId: 'b1', chainId: 'chain-1' },
  'build.finished': { buildId: 'b1', artifactId: 'pkg:oci/api@1.0', outcome: 'success' },
  'artifact.packaged': { artifactId: 'pkg:oci/api@1.0', chainId: 'chain-1' },
  'artifact.signed': { artifactId: 'pkg:oci/api@1.0', signature: 'MEUCIQ' },
  'artifact.downloaded': { artifactId: 'pkg:oci/api@1.0', user: 'ana' },
  'artifact.deleted': { artifactId: 'pkg:oci/api@1.0' },
  'pipeline.run.queued': { pipelineRunId: 'p1', pipelineName: 'ci' },
  'pipeline.run.started': { pipelineRunId: 'p1' },
  'pipeline.run.finished': {
    pipelineRunId: 'p1',
    outcome: 'failure',
    conclusion: 'timed_out',
    durationMs: 5,
  },
  'task.run.started': { taskRunId: 't1', pipelineRunId: 'p1' },
  'task.run.finished': { taskRunId: 't1', outcome: 'success', conclusion: 'success', durationMs: 3 },
  'test.case.queued': { testCaseRunId: 'tc1' },
  'test.case.started': { testCaseRunId: 'tc1' },
  'test.case.finished': { testCaseRunId: 'tc1', outcome: 'pass' },
  'test.case.skipped': { testCaseRunId: 'tc1', reason: 'flaky' },
  'test.suite.queued': { testSuiteRunId: 'ts1' },
  'test.suite.started': { testSuiteRunId: 'ts1' },
  'test.output.published': { testOutputId: 'o1', outputType: 'report', format: 'junit' },
  'environment.created': { environmentId: 'prod', name: 'production' },
  'environment.modified': { environmentId: 'prod' },
  'environment.deleted': { environmentId: 'prod' },
  'ticket.created': { ticketId: 'T-1', summary: 'Broken' },
  'ticket.updated': { ticketId: 'T-1' },
  'ticket.closed': { ticketId: 'T-1', resolution: 'fixed' },
  'alert.fired': {
    alertId: 'fp1',
    name: 'HighErrorRate',
    service: 'api',
    environment: 'prod',
    severity: 'critical',
  },
  'alert.resolved': { alertId: 'fp1', name: 'HighErrorRate', service: 'api', environment: 'prod' },
  'deployment.progressed': {
    deploymentId: 'd1',
    environment: 'prod',
    releaseId: 'r1',
    weight: 25,
    step: 1,
    strategy: 'canary',
  },
  'feature.released': {
    flag: 'new-checkout',
    service: 'api',
    environment: 'prod',
    exposure: 100,
    version: '1.0',
  },
  'metric.observed': {
    service: 'api',
    environment: 'prod',
    metric: 'error_rate',
    value: 0.02,
    unit: 'ratio',
  },
  'cdevent.recorded': { cdeventType: 'dev.cdeventsx.mytool-resource.created.0.1.0', subjectId: 's1' },
  'checklist.item.completed': { releaseId: 'r1', environment: 'prod', item: 'smoke test', by: 'bob' },
  'oncall.handoff.acknowledged': { deploymentId: 'd1', environment: 'prod', engineer: 'carol' },
};

/** The fields each type requires (releaseId stands for "releaseId or service + version"). */
const required: Record<NativeEventType, string[]> = {
  'release.created': ['releaseId', 'service', 'version'],
  'deployment.requested': ['deploymentId', 'environment', 'releaseId'],
  'deployment.started': ['deploymentId', 'environment', 'releaseId'],
  'deployment.succeeded': ['deploymentId', 'environment', 'releaseId'],
  'deployment.failed': ['deploymentId', 'environment', 'releaseId'],
  'incident.opened': ['incidentId', 'service', 'environment', 'severity'],
  'incident.resolved': ['incidentId'],
  'approval.granted': ['releaseId', 'environment', 'approver'],
  'tests.completed': ['releaseId', 'suite', 'passed'],
  'change.merged': ['changeId'],
  'artifact.published': ['artifactId'],
  'review.completed': ['deploymentId', 'reviewer'],
  'checklist.item.completed': ['releaseId', 'environment', 'item', 'by'],
  'oncall.handoff.acknowledged': ['deploymentId', 'environment', 'engineer'],
  'change.created': ['changeId'],
  'change.updated': ['changeId'],
  'change.reviewed': ['changeId'],
  'change.abandoned': ['changeId'],
  'branch.created': ['branchId'],
  'branch.deleted': ['branchId'],
  'repository.created': ['repositoryId'],
  'repository.modified': ['repositoryId'],
  'repository.deleted': ['repositoryId'],
  'build.queued': ['buildId'],
  'build.started': ['buildId'],
  'build.finished': ['buildId'],
  'artifact.packaged': ['artifactId'],
  'artifact.signed': ['artifactId'],
  'artifact.downloaded': ['artifactId'],
  'artifact.deleted': ['artifactId'],
  'pipeline.run.queued': ['pipelineRunId'],
  'pipeline.run.started': ['pipelineRunId'],
  'pipeline.run.finished': ['pipelineRunId'],
  'task.run.started': ['taskRunId'],
  'task.run.finished': ['taskRunId'],
  'test.case.queued': ['testCaseRunId'],
  'test.case.started': ['testCaseRunId'],
  'test.case.finished': ['testCaseRunId'],
  'test.case.skipped': ['testCaseRunId'],
  'test.suite.queued': ['testSuiteRunId'],
  'test.suite.started': ['testSuiteRunId'],
  'test.output.published': ['testOutputId'],
  'environment.created': ['environmentId'],
  'environment.modified': ['environmentId'],
  'environment.deleted': ['environmentId'],
  'ticket.created': ['ticketId'],
  'ticket.updated': ['ticketId'],
  'ticket.closed': ['ticketId'],
  'cdevent.recorded': ['cdeventType', 'subjectId'],
  'alert.fired': ['alertId', 'name', 'service', 'environment'],
  'alert.resolved': ['alertId', 'name', 'service', 'environment'],
  'metric.observed': ['service', 'environment', 'metric', 'value'],
  'deployment.progressed': ['deploymentId', 'environment', 'weight', 'strategy'],
  'feature.released': ['flag', 'service', 'environment', 'exposure'],
};

describe('native event schemas', () => {
  it.each(nativeEventTypes)('%s accepts its documented data and keeps extra fields', (type) => {
    const parsed = nativeEventSchemas[type].safeParse({ ...valid[type], pipelineUrl: 'https://ci/1' });
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ ...valid[type], pipelineUrl: 'https://ci/1' });
  });

  it.each(nativeEventTypes.flatMap((type) => required[type].map((field) => [type, field] as const)))(
    '%s names the missing field %s',
    (type, field) => {
      const data: Record<string, unknown> = { ...valid[type] };
      delete data[field];
      if (field === 'releaseId') {
        delete data.service;
        delete data.version;
      }
      const parsed = nativeEventSchemas[type].safeParse(data);
      expect(parsed.error?.issues.map((i) => i.path)).toContainEqual([field]);
    },
  );

  it('defaults planned to true on a successful deployment', () => {
    expect(nativeEventSchemas['deployment.succeeded'].parse(valid['deployment.succeeded']).planned).toBe(
      true,
    );
  });

  it('accepts a deployment by service and version instead of releaseId, but not by service alone', () => {
    const schema = nativeEventSchemas['deployment.requested'];
    expect(
      schema.safeParse({ deploymentId: 'd', environment: 'e', service: 's', version: 'v' }).success,
    ).toBe(true);
    expect(schema.safeParse({ deploymentId: 'd', environment: 'e', service: 's' }).success).toBe(false);
  });

  it('refuses wrong types and unknown severities', () => {
    expect(
      nativeEventSchemas['incident.opened'].safeParse({ ...valid['incident.opened'], severity: 'critical' })
        .success,
    ).toBe(false);
    expect(
      nativeEventSchemas['tests.completed'].safeParse({ ...valid['tests.completed'], passed: 'true' })
        .success,
    ).toBe(false);
    expect(
      nativeEventSchemas['release.created'].safeParse({
        ...valid['release.created'],
        commits: [{ sha: 'a', timestamp: 'yesterday' }],
      }).error?.issues[0]?.path,
    ).toEqual(['commits', 0, 'timestamp']);
  });
});
