import { describe, expect, it } from 'vitest';
import { daysBetween } from '../../../../domain/dora/calendar.ts';
import { DEFAULT_DORA_DEFINITIONS } from '../../../../domain/dora/definitions.ts';
import { computeDora, doraWindow, projectAll } from '../../../../domain/dora/dora-metrics.ts';
import { projectEvents } from '../../../../domain/dora/projection.ts';
import { MemoryProjectionStore } from '../../../../domain/dora/projection-store.ts';
import {
  releaseCellsInWindow,
  releaseEvidenceFor,
  releaseNumbers,
  releaseScopeRollups,
} from '../../../../domain/dora/release-metrics.ts';
import type { DoraScope } from '../../../../domain/dora/rollups.ts';
import type { StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import { history } from '../../../support/stored-events.ts';

const day = { from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z' };

/** Given these ledger events, the release numbers and evidence of a scope over the day. */
function released(events: readonly StoredEvent[], scope: DoraScope = {}) {
  const store = projectAll(events, DEFAULT_DORA_DEFINITIONS);
  const window = doraWindow(day.from, day.to);
  const cells = releaseCellsInWindow(store, window);
  return {
    ...releaseNumbers(
      daysBetween(window.firstDay, window.lastDay),
      releaseScopeRollups(store, scope, window),
    ),
    releases: releaseEvidenceFor('releaseFrequency', cells, scope),
    commits: releaseEvidenceFor('leadTimeToRelease', cells, scope),
  };
}

function releaseOfApi140() {
  const h = history();
  h.at('release.created', '2026-03-01T12:00:00Z', {
    releaseId: 'api-1.4.0',
    service: 'api',
    version: '1.4.0',
    team: 'payments',
    commits: [
      { sha: 'c1', timestamp: '2026-03-02T06:00:00Z' },
      { sha: 'c2', timestamp: '2026-03-02T08:00:00Z' },
    ],
  });
  return h;
}

const flag = (data: Record<string, unknown>) => ({
  flag: 'new-checkout',
  service: 'api',
  environment: 'production',
  ...data,
});

describe('deployment.progressed counts a deployment for DORA when it takes all traffic', () => {
  const progressed = (weight: number) => ({
    deploymentId: 'd1',
    environment: 'production',
    service: 'api',
    releaseId: 'api-1.4.0',
    weight,
    strategy: 'canary',
  });

  it('does not count a canary that never reached 100 %', () => {
    const h = releaseOfApi140();
    h.at('deployment.progressed', '2026-03-02T09:00:00Z', progressed(10));
    h.at('deployment.progressed', '2026-03-02T09:30:00Z', progressed(50));
    expect(computeDora(h.events, { scope: {}, ...day }).deploymentFrequency.count).toBe(0);
  });

  it('counts it at weight 100 without a deployment.succeeded', () => {
    const h = releaseOfApi140();
    h.at('deployment.progressed', '2026-03-02T09:00:00Z', progressed(10));
    h.at('deployment.progressed', '2026-03-02T10:00:00Z', progressed(100));
    const metrics = computeDora(h.events, { scope: {}, ...day });
    expect(metrics.deploymentFrequency.count).toBe(1);
    // Lead time runs to the moment all traffic moved: c1 at 06:00 → 4 h, c2 at 08:00 → 2 h.
    expect(metrics.leadTimeForChanges).toMatchObject({ medianSeconds: 3 * 3600, samples: 2 });
  });

  it('counts it once when a deployment.succeeded follows weight 100', () => {
    const h = releaseOfApi140();
    h.at('deployment.progressed', '2026-03-02T10:00:00Z', progressed(100));
    h.at('deployment.succeeded', '2026-03-02T10:05:00Z', {
      deploymentId: 'd1',
      environment: 'production',
      service: 'api',
      releaseId: 'api-1.4.0',
    });
    const metrics = computeDora(h.events, { scope: {}, ...day });
    expect(metrics.deploymentFrequency.count).toBe(1);
    expect(metrics.leadTimeForChanges.samples).toBe(2);
  });
});

describe('a release is released to users when a flag naming it reaches 100 %', () => {
  it('is not released while its flag is below 100 %', () => {
    const h = releaseOfApi140();
    h.at('feature.released', '2026-03-02T12:00:00Z', flag({ releaseId: 'api-1.4.0', exposure: 50 }));
    expect(released(h.events).releaseFrequency.count).toBe(0);
  });

  it('is released by a flag naming its releaseId', () => {
    const h = releaseOfApi140();
    h.at('feature.released', '2026-03-02T12:00:00Z', flag({ releaseId: 'api-1.4.0', exposure: 25 }));
    h.at('feature.released', '2026-03-02T16:00:00Z', flag({ releaseId: 'api-1.4.0', exposure: 100 }));
    const answer = released(h.events);
    expect(answer.releaseFrequency).toMatchObject({ count: 1, releaseDays: 1 });
    expect(answer.releases).toEqual([
      expect.objectContaining({
        kind: 'release',
        releaseId: 'api-1.4.0',
        version: '1.4.0',
        team: 'payments',
        releasedAt: '2026-03-02T16:00:00.000Z',
        namedBy: 'releaseId',
      }),
    ]);
  });

  it('is released by a flag naming its service and version', () => {
    const h = releaseOfApi140();
    h.at('feature.released', '2026-03-02T16:00:00Z', flag({ version: '1.4.0', exposure: 100 }));
    const answer = released(h.events, { team: 'payments' });
    expect(answer.releaseFrequency.count).toBe(1);
    expect(answer.releases[0]).toMatchObject({ releaseId: 'api-1.4.0', namedBy: 'service_version' });
  });

  it('counts a release once when flags name it both ways, at the earlier full exposure', () => {
    const h = releaseOfApi140();
    h.at('feature.released', '2026-03-02T17:00:00Z', flag({ releaseId: 'api-1.4.0', exposure: 100 }));
    h.at('feature.released', '2026-03-02T16:00:00Z', flag({ version: '1.4.0', exposure: 100, flag: 'b' }));
    const answer = released(h.events);
    expect(answer.releaseFrequency.count).toBe(1);
    expect(answer.releases[0]).toMatchObject({ flag: 'b', releasedAt: '2026-03-02T16:00:00.000Z' });
  });

  it('ignores exposure outside production', () => {
    const h = releaseOfApi140();
    h.at(
      'feature.released',
      '2026-03-02T16:00:00Z',
      flag({ releaseId: 'api-1.4.0', exposure: 100, environment: 'staging' }),
    );
    expect(released(h.events).releaseFrequency.count).toBe(0);
  });

  it('measures lead time to release from each commit to exposure 100 (hand-computed)', () => {
    const h = releaseOfApi140();
    // c1 06:00 → 16:00 is 10 h, c2 08:00 → 16:00 is 8 h: median 9 h, nearest-rank p90 10 h.
    h.at('feature.released', '2026-03-02T16:00:00Z', flag({ releaseId: 'api-1.4.0', exposure: 100 }));
    const answer = released(h.events, { service: 'api', environment: 'production' });
    expect(answer.leadTimeToRelease).toEqual({
      medianSeconds: 9 * 3600,
      p90Seconds: 10 * 3600,
      samples: 2,
      tier: 'elite',
    });
    expect(
      answer.commits.map((c) => [c.kind, c.kind === 'commit' && c.sha, c.kind === 'commit' && c.leadSeconds]),
    ).toEqual([
      ['commit', 'c1', 36_000],
      ['commit', 'c2', 28_800],
    ]);
  });

  it('gives the same documents whatever order the events are projected in', () => {
    const h = releaseOfApi140();
    h.at('feature.released', '2026-03-02T17:00:00Z', flag({ releaseId: 'api-1.4.0', exposure: 100 }));
    h.at('feature.released', '2026-03-02T16:00:00Z', flag({ version: '1.4.0', exposure: 100, flag: 'b' }));
    h.at('feature.released', '2026-03-02T15:00:00Z', flag({ version: '2.0.0', exposure: 100, flag: 'c' }));
    const inOrder = new MemoryProjectionStore();
    projectEvents(inOrder, h.events, DEFAULT_DORA_DEFINITIONS);
    const reversed = new MemoryProjectionStore();
    for (const event of [...h.events].reverse()) projectEvents(reversed, [event], DEFAULT_DORA_DEFINITIONS);
    for (const kind of ['rcell', 'rscope'] as const) {
      expect(reversed.entries(kind)).toEqual(inOrder.entries(kind));
    }
    expect(inOrder.entries('rcell').length).toBeGreaterThan(0);
  });
});
