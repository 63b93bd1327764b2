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
  'change.merged': { changeId: 'c1', repository: 'acme/api' },
  'artifact.published': { artifactId: 'pkg:oci/api@1.0' },
  'review.completed': { deploymentId: 'd1', reviewer: 'rui', url: 'https://tickets.example.com/CAB-7' },
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
