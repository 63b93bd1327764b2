import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import { linkedTestRuns, linkKeysOf } from '../../../../domain/views/release-links.ts';

const event = (seq: number, type: string, data: Record<string, unknown>) =>
  ({ seq, type, data, occurredAt: '2026-11-21T10:00:00Z' }) as unknown as StoredEvent;

describe('test runs linked to a release', () => {
  const deployed = event(1, 'deployment.succeeded', {
    releaseId: 'r1',
    chainId: 'c1',
    artifactId: 'pkg:oci/api@1',
  });
  const explicit = event(2, 'tests.completed', { releaseId: 'r1', suite: 'unit', passed: true });
  const chained = event(3, 'tests.completed', {
    testSuiteRunId: 's3',
    chainId: 'c1',
    suite: 'e2e',
    passed: true,
  });
  const other = event(4, 'tests.completed', { releaseId: 'r2', chainId: 'c1', suite: 'x', passed: false });
  const byArtifact = event(5, 'tests.completed', {
    testSuiteRunId: 's5',
    artifactId: 'pkg:oci/api@1',
    suite: 'smoke',
    passed: false,
  });

  it('collects chain and artifact ids from deployment, build and artifact events only', () => {
    expect(linkKeysOf([deployed, chained], [{ chainId: 'c2' }])).toEqual({
      chains: ['c1', 'c2'],
      artifacts: ['pkg:oci/api@1'],
    });
  });

  it('names the rule of each run, in order, once, and never takes another release’s run', () => {
    const runs = linkedTestRuns(
      'r1',
      [deployed, explicit],
      [deployed, chained, other],
      [byArtifact, chained],
    );
    expect(runs.map((r) => [r.event.seq, r.linkedBy])).toEqual([
      [2, 'explicit'],
      [3, 'chain'],
      [5, 'artifact'],
    ]);
  });
});
