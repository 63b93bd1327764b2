import { describe, expect, it } from 'vitest';
import { DEFAULT_DORA_DEFINITIONS } from '../../../../domain/dora/definitions.ts';
import { cellsInWindow, computeDora, doraWindow, projectAll } from '../../../../domain/dora/dora-metrics.ts';
import { evidenceFor } from '../../../../domain/dora/evidence.ts';
import type { StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import { doraHistory, reordered } from '../../../support/dora-history.ts';

const HOUR = 3600;
const week = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z' };
const reversed = (events: readonly StoredEvent[]) => reordered(events, events.map((_, i) => i).reverse());

function evidence(events: readonly StoredEvent[], metric: Parameters<typeof evidenceFor>[0], scope = {}) {
  const store = projectAll(events, DEFAULT_DORA_DEFINITIONS);
  return evidenceFor(metric, cellsInWindow(store, doraWindow(week.from, week.to)), scope);
}

describe('lead time from CDEvents change.merged, when releases list no commits', () => {
  /** CDEvents deployments carry no release commits: `service.deployed` names an artifact version only. */
  function cdeventsOnly() {
    const h = doraHistory();
    h.merged('c1', { at: '2026-03-02T09:00:00Z' });
    h.succeeded('d1', { release: 'v1', at: '2026-03-02T10:00:00Z' }); // ships c1: 1 h
    h.merged('c2', { at: '2026-03-02T11:00:00Z', sha: 'abc123' });
    h.merged('c3', { at: '2026-03-02T12:00:00Z', repository: 'github.com/acme/api' }); // service from the repository
    h.succeeded('d2', { release: 'v2', at: '2026-03-02T14:00:00Z' }); // ships c2: 3 h, c3: 2 h
    h.succeeded('d3', { release: 'v2', env: 'prod', at: '2026-03-02T15:00:00Z' }); // first in `prod` for c1–c3
    h.merged('c4', { at: '2026-03-02T16:00:00Z' }); // never deployed: no sample
    h.merged('c5', { at: '2026-03-02T16:00:00Z', service: 'search' }); // another service
    return h;
  }

  it('takes each change to the first successful production deployment at or after its merge', () => {
    const metrics = computeDora(cdeventsOnly().events, { scope: { service: 'api' }, ...week });
    // [1 h, 2 h, 3 h]: median 2 h, nearest-rank p90 3 h.
    expect(metrics.leadTimeForChanges).toMatchObject({
      medianSeconds: 2 * HOUR,
      p90Seconds: 3 * HOUR,
      samples: 3,
    });
  });

  it('scopes an environment to its own first deployment of each change', () => {
    const prod = computeDora(cdeventsOnly().events, { scope: { environment: 'prod' }, ...week });
    // d3 at 15:00 is prod's first deployment after c1 (6 h), c2 (4 h) and c3 (3 h).
    expect(prod.leadTimeForChanges).toMatchObject({ medianSeconds: 4 * HOUR, samples: 3 });
  });

  it('names the change behind each sample in the evidence', () => {
    const items = evidence(cdeventsOnly().events, 'leadTimeForChanges', { service: 'api' });
    expect(items).toEqual([
      expect.objectContaining({
        kind: 'commit',
        sha: 'c1',
        changeId: 'c1',
        deploymentId: 'd1',
        leadSeconds: HOUR,
      }),
      expect.objectContaining({ sha: 'abc123', changeId: 'c2', deploymentId: 'd2', leadSeconds: 3 * HOUR }),
      expect.objectContaining({ sha: 'c3', changeId: 'c3', deploymentId: 'd2', leadSeconds: 2 * HOUR }),
    ]);
  });

  it('is the same whatever order the events were recorded in', () => {
    const { events } = cdeventsOnly();
    for (const scope of [{ service: 'api' }, { environment: 'prod' }, {}]) {
      expect(computeDora(reversed(events), { scope, ...week })).toEqual(
        computeDora(events, { scope, ...week }),
      );
    }
  });

  it('prefers a release’s commits: changes count only for deployments whose release lists none', () => {
    const h = doraHistory();
    h.release('r1', { commits: [['s1', '2026-03-02T08:00:00Z']] });
    h.merged('c1', { at: '2026-03-02T09:00:00Z' });
    h.succeeded('d1', { release: 'r1', at: '2026-03-02T10:00:00Z' });
    expect(computeDora(h.events, { scope: {}, ...week }).leadTimeForChanges).toMatchObject({
      medianSeconds: 2 * HOUR,
      samples: 1,
    });
  });

  it('looks back at most the configured number of days', () => {
    const h = doraHistory();
    h.merged('c1', { at: '2026-01-01T10:00:00Z' });
    h.succeeded('d1', { release: 'v1', at: '2026-03-02T10:00:00Z' }); // 60 days later
    const lead = (lookbackDays: number) =>
      computeDora(h.events, {
        scope: {},
        ...week,
        definitions: { ...DEFAULT_DORA_DEFINITIONS, lookbackDays },
      }).leadTimeForChanges;
    expect(lead(90)).toMatchObject({ medianSeconds: 60 * 24 * HOUR, samples: 1 });
    expect(lead(30)).toMatchObject({ medianSeconds: null, samples: 0 });
  });
});

describe('rollbacks that name no deployment', () => {
  it('count the previous deployment of the environment as rolled back (CDEvents service.rolledback)', () => {
    const h = doraHistory();
    h.succeeded('d1', { release: 'v1', at: '2026-03-02T10:00:00Z' });
    h.succeeded('d2', { release: 'v2', at: '2026-03-02T11:00:00Z' });
    h.succeeded('x1', { release: 'v2', env: 'prod', at: '2026-03-02T11:10:00Z' }); // another environment
    h.succeeded('d3', { release: 'v1', at: '2026-03-02T11:30:00Z', rollback: true, planned: false });
    for (const events of [h.events, reversed(h.events)]) {
      const metrics = computeDora(events, { scope: { environment: 'production' }, ...week });
      expect(metrics.deploymentFrequency).toMatchObject({ count: 3, rollbacks: 1 });
      // d2 needed intervention; d3 is a rollback and is left out of both counts.
      expect(metrics.changeFailureRate).toMatchObject({ failed: 1, total: 2 });
      expect(metrics.failedDeploymentRecoveryTime).toMatchObject({ medianSeconds: 30 * 60, samples: 1 });
      expect(metrics.deploymentReworkRate).toEqual({ rate: 1 / 3, unplanned: 1, total: 3 });
    }
    const [d2] = evidence(h.events, 'failedDeploymentRecoveryTime');
    expect(d2).toMatchObject({
      deploymentId: 'd2',
      failure: { reasons: [{ rule: 'rolled_back_inferred', ref: 'd3' }], recoveredBy: 'deployment:d3' },
    });
  });

  it('step over a failed rollback to what it tried to undo', () => {
    const h = doraHistory();
    h.succeeded('d1', { release: 'v1', at: '2026-03-02T10:00:00Z' });
    h.succeeded('d2', { release: 'v2', at: '2026-03-02T11:00:00Z' });
    h.failed('f1', { release: 'v1', at: '2026-03-02T11:10:00Z', rollback: true });
    h.succeeded('d3', { release: 'v1', at: '2026-03-02T11:40:00Z', rollback: true });
    for (const events of [h.events, reversed(h.events)]) {
      const [d2] = evidence(events, 'failedDeploymentRecoveryTime');
      expect(d2).toMatchObject({ deploymentId: 'd2', failure: { recoverySeconds: 40 * 60 } });
    }
  });

  it('count a rollback.requested as carried out by the next deployment of the requested version', () => {
    const h = doraHistory();
    h.succeeded('d1', { release: 'v1', at: '2026-03-02T10:00:00Z' });
    h.succeeded('d2', { release: 'v2', at: '2026-03-02T11:00:00Z' });
    h.rollbackRequested('d2', { at: '2026-03-02T11:05:00Z', toVersion: 'v1' });
    h.succeeded('d3', { release: 'v1', at: '2026-03-02T11:20:00Z' }); // no rollback flag, no rollbackOf
    for (const events of [h.events, reversed(h.events)]) {
      const metrics = computeDora(events, { scope: {}, ...week });
      expect(metrics.deploymentFrequency).toMatchObject({ count: 3, rollbacks: 1 });
      expect(metrics.changeFailureRate).toMatchObject({ failed: 1, total: 2 });
      expect(metrics.deploymentReworkRate).toMatchObject({ unplanned: 1, total: 3 });
      expect(metrics.failedDeploymentRecoveryTime).toMatchObject({ medianSeconds: 20 * 60 });
    }
    const items = evidence(h.events, 'deploymentReworkRate');
    expect(items.find((d) => d.kind === 'deployment' && d.deploymentId === 'd2')).toMatchObject({
      failure: { reasons: [{ rule: 'rollback_requested', ref: 'd3' }] },
    });
    expect(items.find((d) => d.kind === 'deployment' && d.deploymentId === 'd3')).toMatchObject({
      rollback: true,
      unplanned: 'rollback',
    });
  });

  it('do not count a request as carried out by a deployment that finished before it, or of another version', () => {
    const early = doraHistory();
    early.succeeded('d1', { release: 'v1', at: '2026-03-02T10:00:00Z' });
    early.succeeded('d2', { release: 'v2', at: '2026-03-02T11:00:00Z' });
    early.succeeded('d3', { release: 'v1', at: '2026-03-02T11:20:00Z' });
    early.rollbackRequested('d2', { at: '2026-03-02T11:30:00Z', toVersion: 'v1' });
    const other = doraHistory();
    other.succeeded('d1', { release: 'v1', at: '2026-03-02T10:00:00Z' });
    other.succeeded('d2', { release: 'v2', at: '2026-03-02T11:00:00Z' });
    other.rollbackRequested('d2', { at: '2026-03-02T11:05:00Z', toVersion: 'v1' });
    other.succeeded('d3', { release: 'v3', at: '2026-03-02T11:20:00Z' });
    for (const h of [early, other]) {
      expect(computeDora(h.events, { scope: {}, ...week }).changeFailureRate).toMatchObject({
        failed: 0,
        total: 3,
      });
    }
  });
});

describe('where a change.merged lead time sample starts', () => {
  /** Given three changes of one service, each carrying a different start, shipped by one deployment. */
  function threeStarts() {
    const h = doraHistory();
    h.merged('pr-1', {
      at: '2026-03-03T09:00:00Z',
      firstCommitAt: '2026-03-03T04:00:00Z',
      createdAt: '2026-03-03T06:00:00Z',
    });
    h.merged('pr-2', { at: '2026-03-03T09:00:00Z', createdAt: '2026-03-03T07:00:00Z' });
    h.merged('pr-3', { at: '2026-03-03T09:00:00Z' });
    h.succeeded('d1', { release: 'v1', at: '2026-03-03T10:00:00Z' });
    return h;
  }

  it('starts at the first commit, else the creation, else the merge, and names the rule', () => {
    // When the evidence of the deployment that shipped them is read
    const items = evidence(threeStarts().events, 'leadTimeForChanges', { service: 'api' });
    // Then each sample starts where its event allows and says which rule chose the start
    expect(items).toEqual([
      expect.objectContaining({ changeId: 'pr-1', startRule: 'change.first_commit', leadSeconds: 6 * HOUR }),
      expect.objectContaining({ changeId: 'pr-2', startRule: 'change.created', leadSeconds: 3 * HOUR }),
      expect.objectContaining({ changeId: 'pr-3', startRule: 'change.merged', leadSeconds: HOUR }),
    ]);
  });

  it('feeds those starts into the median', () => {
    const metrics = computeDora(threeStarts().events, { scope: { service: 'api' }, ...week });
    // Then [1 h, 3 h, 6 h] give a median of 3 h
    expect(metrics.leadTimeForChanges).toMatchObject({ medianSeconds: 3 * HOUR, samples: 3 });
  });

  it('ignores a start later than the merge, falling back to the next rule', () => {
    const h = doraHistory();
    h.merged('pr-9', {
      at: '2026-03-03T09:00:00Z',
      firstCommitAt: '2026-03-03T12:00:00Z',
      createdAt: '2026-03-03T08:00:00Z',
    });
    h.succeeded('d1', { release: 'v1', at: '2026-03-03T10:00:00Z' });
    const items = evidence(h.events, 'leadTimeForChanges', { service: 'api' });
    expect(items).toEqual([
      expect.objectContaining({ changeId: 'pr-9', startRule: 'change.created', leadSeconds: 2 * HOUR }),
    ]);
  });

  it('names `commit` when the sample comes from a release commit', () => {
    const h = doraHistory();
    h.release('v1', { commits: [['abc', '2026-03-03T08:00:00Z']] });
    h.succeeded('d1', { release: 'v1', at: '2026-03-03T10:00:00Z' });
    const items = evidence(h.events, 'leadTimeForChanges', { service: 'api' });
    expect(items).toEqual([expect.objectContaining({ sha: 'abc', startRule: 'commit' })]);
  });
});

describe('squash merges: a release commit that is a change’s merge commit', () => {
  /** Given a pull request squash-merged as commit `sq1`, listed by the release that ships it. */
  function squashed() {
    const h = doraHistory();
    h.merged('pr-7', { at: '2026-03-03T09:00:00Z', sha: 'sq1', firstCommitAt: '2026-03-02T09:00:00Z' });
    // The squash commit's own time is the merge: lead time from it alone would be one hour.
    h.release('v1', {
      commits: [
        ['sq1', '2026-03-03T09:00:00Z'],
        ['plain', '2026-03-03T08:00:00Z'],
      ],
    });
    h.succeeded('d1', { release: 'v1', at: '2026-03-03T10:00:00Z' });
    return h;
  }

  it('starts at the change’s first commit, names the change and its rule', () => {
    const items = evidence(squashed().events, 'leadTimeForChanges', { service: 'api' });
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          sha: 'sq1',
          changeId: 'pr-7',
          startRule: 'change.first_commit',
          leadSeconds: 25 * HOUR,
        }),
        expect.objectContaining({ sha: 'plain', startRule: 'commit', leadSeconds: 2 * HOUR }),
      ]),
    );
    expect(items).toHaveLength(2);
  });

  it('gives the same answer whatever order the events were recorded in', () => {
    const events = squashed().events;
    expect(evidence(reversed(events), 'leadTimeForChanges', { service: 'api' })).toEqual(
      evidence(events, 'leadTimeForChanges', { service: 'api' }),
    );
  });

  it('keeps the commit’s own time when the change starts no earlier', () => {
    const h = doraHistory();
    h.merged('pr-8', { at: '2026-03-03T09:00:00Z', sha: 'sq2' });
    h.release('v1', { commits: [['sq2', '2026-03-03T08:30:00Z']] });
    h.succeeded('d1', { release: 'v1', at: '2026-03-03T10:00:00Z' });
    expect(evidence(h.events, 'leadTimeForChanges', { service: 'api' })).toEqual([
      expect.objectContaining({ sha: 'sq2', startRule: 'commit', leadSeconds: 1.5 * HOUR }),
    ]);
  });

  it('ignores a change of another service with the same sha', () => {
    const h = doraHistory();
    h.merged('pr-9', {
      at: '2026-03-03T09:00:00Z',
      sha: 'sq3',
      service: 'web',
      firstCommitAt: '2026-03-01T00:00:00Z',
    });
    h.release('v1', { commits: [['sq3', '2026-03-03T09:00:00Z']] });
    h.succeeded('d1', { release: 'v1', at: '2026-03-03T10:00:00Z' });
    expect(evidence(h.events, 'leadTimeForChanges', { service: 'api' })).toEqual([
      expect.objectContaining({ sha: 'sq3', startRule: 'commit' }),
    ]);
  });
});

describe('squash merges deployed by their sha: a deployment whose release lists no commits', () => {
  const X = '4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d';
  const W = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d';

  /**
   * Given a pull request squash-merged as X at 09:00 (first commit 08:00), a deployment of an older commit
   * W finishing after the merge, and the deployment of X itself at 11:00.
   */
  function deployedBySha(deployX: Record<string, unknown> = { version: X }) {
    const h = doraHistory();
    h.merged('pr-1', { at: '2026-03-03T09:00:00Z', sha: X, firstCommitAt: '2026-03-03T08:00:00Z' });
    h.succeeded('d0', { release: `api@${W}`, version: W, at: '2026-03-03T09:30:00Z' });
    h.succeeded('d1', { release: `api@${X}`, at: '2026-03-03T11:00:00Z', ...deployX });
    return h;
  }

  it('counts the change to the deployment of its merge commit, not the first one after its merge', () => {
    const items = evidence(deployedBySha().events, 'leadTimeForChanges', { service: 'api' });
    // By time alone it would be d0's at 1.5 h; d0 deployed W, so it shipped nothing of pr-1.
    expect(items).toEqual([
      expect.objectContaining({
        sha: X,
        changeId: 'pr-1',
        deploymentId: 'd1',
        startRule: 'change.first_commit',
        matchedBy: 'version',
        leadSeconds: 3 * HOUR,
      }),
    ]);
  });

  it('matches an abbreviated sha either way round', () => {
    const short = evidence(deployedBySha({ version: X.slice(0, 7) }).events, 'leadTimeForChanges', {
      service: 'api',
    });
    expect(short).toEqual([
      expect.objectContaining({ changeId: 'pr-1', deploymentId: 'd1', matchedBy: 'version' }),
    ]);
    const h = doraHistory();
    h.merged('pr-2', { at: '2026-03-03T09:00:00Z', sha: X.slice(0, 8).toUpperCase() });
    h.succeeded('d0', { release: `api@${W}`, version: W, at: '2026-03-03T09:30:00Z' });
    h.succeeded('d1', { release: `api@${X}`, version: X, at: '2026-03-03T11:00:00Z' });
    expect(evidence(h.events, 'leadTimeForChanges', { service: 'api' })).toEqual([
      expect.objectContaining({
        changeId: 'pr-2',
        deploymentId: 'd1',
        startRule: 'change.merged',
        leadSeconds: 2 * HOUR,
      }),
    ]);
  });

  it('matches a sha fewer than 7 digits long, or a tag, never', () => {
    const h = doraHistory();
    h.merged('pr-3', { at: '2026-03-03T09:00:00Z', sha: X.slice(0, 6) });
    h.succeeded('d0', { release: 'api@v1', version: 'v1', at: '2026-03-03T09:30:00Z' });
    h.succeeded('d1', { release: `api@${X}`, version: X, at: '2026-03-03T11:00:00Z' });
    // Then pr-3 counts by time, to the first deployment after its merge
    expect(evidence(h.events, 'leadTimeForChanges', { service: 'api' })).toEqual([
      expect.objectContaining({ changeId: 'pr-3', deploymentId: 'd0', leadSeconds: 0.5 * HOUR }),
    ]);
    expect(evidence(h.events, 'leadTimeForChanges', { service: 'api' })[0]).not.toHaveProperty('matchedBy');
  });

  it('matches the revision of a Flux deployment, a purl’s vcs_url and a release’s sha as the artifact revision', () => {
    const flux = deployedBySha({ version: '1.4.0', revision: `main@sha1:${X}` });
    const purl = deployedBySha({
      version: '1.4.0',
      artifactId: `pkg:oci/api@1.4.0?vcs_url=${encodeURIComponent(`git+https://github.com/acme/api.git@${X}`)}`,
    });
    // A GitLab release of tag v1.4.0 cut from commit X, deployed by its tag: the commit is on the release.
    const release = doraHistory();
    release.merged('pr-1', { at: '2026-03-03T09:00:00Z', sha: X, firstCommitAt: '2026-03-03T08:00:00Z' });
    release.succeeded('d0', { release: `api@${W}`, version: W, at: '2026-03-03T09:30:00Z' });
    release.release('api@v1.4.0', { version: 'v1.4.0', extra: { sha: X } });
    release.succeeded('d1', { release: 'api@v1.4.0', at: '2026-03-03T11:00:00Z' });
    for (const h of [flux, purl, release]) {
      for (const events of [h.events, reversed(h.events)]) {
        expect(evidence(events, 'leadTimeForChanges', { service: 'api' })).toEqual([
          expect.objectContaining({
            changeId: 'pr-1',
            deploymentId: 'd1',
            startRule: 'change.first_commit',
            matchedBy: 'artifactRevision',
            leadSeconds: 3 * HOUR,
          }),
        ]);
      }
    }
  });

  it('gives the same answer whatever order the events were recorded in', () => {
    const { events } = deployedBySha();
    for (const scope of [{ service: 'api' }, { environment: 'production' }, {}]) {
      expect(computeDora(reversed(events), { scope, ...week })).toEqual(
        computeDora(events, { scope, ...week }),
      );
    }
  });

  it('takes each environment to its own first deployment of the merge commit', () => {
    const h = deployedBySha();
    h.succeeded('d2', { release: `api@${X}`, version: X, env: 'prod', at: '2026-03-03T13:00:00Z' });
    h.succeeded('d3', { release: `api@${X}`, version: X, at: '2026-03-03T14:00:00Z' }); // a redeploy: nothing new
    expect(evidence(h.events, 'leadTimeForChanges', { service: 'api' })).toEqual([
      expect.objectContaining({ changeId: 'pr-1', deploymentId: 'd1', leadSeconds: 3 * HOUR }),
    ]);
    expect(evidence(h.events, 'leadTimeForChanges', { environment: 'prod' })).toEqual([
      expect.objectContaining({
        changeId: 'pr-1',
        deploymentId: 'd2',
        matchedBy: 'version',
        leadSeconds: 5 * HOUR,
      }),
    ]);
  });

  it('falls back to time when no successful deployment ships the merge commit', () => {
    const h = doraHistory();
    h.merged('pr-1', { at: '2026-03-03T09:00:00Z', sha: X, firstCommitAt: '2026-03-03T08:00:00Z' });
    h.succeeded('d0', { release: `api@${W}`, version: W, at: '2026-03-03T09:30:00Z' });
    h.failed('d1', { release: `api@${X}`, version: X, at: '2026-03-03T11:00:00Z' });
    const items = evidence(h.events, 'leadTimeForChanges', { service: 'api' });
    expect(items).toEqual([
      expect.objectContaining({
        changeId: 'pr-1',
        deploymentId: 'd0',
        startRule: 'change.first_commit',
        leadSeconds: 1.5 * HOUR,
      }),
    ]);
    expect(items[0]).not.toHaveProperty('matchedBy');
  });

  it('still counts by time the other changes the deployment shipped', () => {
    const h = doraHistory();
    h.merged('pr-0', { at: '2026-03-03T10:00:00Z' }); // no sha: only time can place it
    h.merged('pr-1', { at: '2026-03-03T10:30:00Z', sha: X });
    h.succeeded('d1', { release: `api@${X}`, version: X, at: '2026-03-03T11:00:00Z' });
    expect(evidence(h.events, 'leadTimeForChanges', { service: 'api' })).toEqual([
      expect.objectContaining({ changeId: 'pr-0', deploymentId: 'd1', leadSeconds: HOUR }),
      expect.objectContaining({
        changeId: 'pr-1',
        deploymentId: 'd1',
        matchedBy: 'version',
        leadSeconds: 0.5 * HOUR,
      }),
    ]);
  });

  it('never matches a change of another service with the same merge commit', () => {
    const h = doraHistory();
    h.merged('web-1', { at: '2026-03-03T09:00:00Z', sha: X, service: 'web' });
    h.succeeded('d1', { release: `api@${X}`, version: X, at: '2026-03-03T11:00:00Z' });
    h.succeeded('w1', { release: `web@${W}`, service: 'web', version: W, at: '2026-03-03T10:00:00Z' });
    const items = evidence(h.events, 'leadTimeForChanges');
    // Then web-1 counts by time to web's own deployment, and api's deployment of X ships nothing
    expect(items).toEqual([
      expect.objectContaining({ changeId: 'web-1', deploymentId: 'w1', leadSeconds: HOUR }),
    ]);
    expect(items[0]).not.toHaveProperty('matchedBy');
  });

  it('leaves a release that lists its commits to the commit rule', () => {
    const h = doraHistory();
    h.merged('pr-1', { at: '2026-03-03T09:00:00Z', sha: X, firstCommitAt: '2026-03-03T08:00:00Z' });
    h.release('r1', { version: X, commits: [['other', '2026-03-03T07:00:00Z']] });
    h.succeeded('d1', { release: 'r1', at: '2026-03-03T11:00:00Z' });
    expect(evidence(h.events, 'leadTimeForChanges', { service: 'api' })).toEqual([
      expect.objectContaining({ sha: 'other', startRule: 'commit', leadSeconds: 4 * HOUR }),
    ]);
  });
});
