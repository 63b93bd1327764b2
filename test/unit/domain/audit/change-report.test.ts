import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ChangeItem,
  changeItem,
  populationOf,
  sampleOf,
} from '../../../../domain/audit/change-report.ts';
import { windowRange } from '../../../../domain/audit/population.ts';
import type { LedgerEventType, StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import { history } from '../../../support/stored-events.ts';

const release = { releaseId: 'api-1.4.0', service: 'api', version: '1.4.0' };
const dep = { deploymentId: 'd1', environment: 'production', releaseId: 'api-1.4.0' };
const T0 = '2026-11-21T10:00:00.000Z';
const plus = (hours: number) => new Date(Date.parse(T0) + hours * 3_600_000).toISOString();

type Step = [LedgerEventType, Record<string, unknown>, string?];

/**
 * Given the ledger's events (each at T0 unless it names a time), when the report judges d1, then the
 * item says... Deployment and release streams are the events that name d1 and the release.
 */
function given(...steps: Step[]) {
  const h = history();
  for (const [type, data, at] of steps) h.at(type, at ?? T0, data);
  const events = h.events;
  return {
    events,
    whenJudged(deploymentId = 'd1', range = { fromSeq: 1, toSeq: events.length }): ChangeItem | undefined {
      const deploymentEvents = events.filter(
        (e: StoredEvent) => e.data.deploymentId === deploymentId || e.data.rollbackOf === deploymentId,
      );
      const releaseEvents = events.filter((e: StoredEvent) => e.data.releaseId === release.releaseId);
      return changeItem({ deploymentId, environment: 'production', range, deploymentEvents, releaseEvents });
    },
  };
}

const created = (author?: unknown): Step => [
  'release.created',
  { ...release, commits: [{ sha: 'abc', timestamp: T0, ...(author ? { author } : {}) }] },
];
const approved = (approver: string, environment = 'production'): Step => [
  'approval.granted',
  { releaseId: release.releaseId, environment, approver },
];
const started = (extra: Record<string, unknown> = {}, at?: string): Step => [
  'deployment.started',
  { ...dep, ...extra },
  at,
];

describe('separation of duties', () => {
  it('is ok when an approver is not the commit author', () => {
    const item = given(created('ana'), approved('bruno'), started()).whenJudged();
    expect(item?.separationOfDuties).toBe('ok');
    expect(item?.authors).toEqual(['ana']);
    expect(item?.approvals.map((a) => a.approver)).toEqual(['bruno']);
  });

  it('is approver_is_author when the only approver wrote the change (login, email or name, any case)', () => {
    const author = { name: 'Ana Lima', email: 'ana@example.com', login: 'ana-l' };
    for (const approver of ['ana-l', 'ANA@example.com', ' Ana Lima ']) {
      expect(given(created(author), approved(approver), started()).whenJudged()?.separationOfDuties).toBe(
        'approver_is_author',
      );
    }
  });

  it('is ok when one of several approvers is independent', () => {
    expect(
      given(created('ana'), approved('ana'), approved('carla'), started()).whenJudged()?.separationOfDuties,
    ).toBe('ok');
  });

  it('is no_approval without an approval for this environment before the change', () => {
    expect(
      given(created('ana'), approved('bruno', 'staging'), started()).whenJudged()?.separationOfDuties,
    ).toBe('no_approval');
    // An approval recorded after the deployment started does not approve it.
    expect(given(created('ana'), started(), approved('bruno')).whenJudged()?.separationOfDuties).toBe(
      'no_approval',
    );
  });

  it('is no_author_known when approved but no commit names an author', () => {
    const item = given(created(), approved('bruno'), started()).whenJudged();
    expect(item?.separationOfDuties).toBe('no_author_known');
    expect(item?.authors).toEqual([]);
  });
});

describe('gate decision', () => {
  const evaluated = (decision: 'passed' | 'failed'): Step => [
    'gate.evaluated',
    { ...dep, service: 'api', decision, policyVersion: 'pv-3', checks: [], requestSeq: 1, evaluatedAt: T0 },
  ];
  it('is passed with the policy version of the evaluation before the change', () => {
    expect(given(['deployment.requested', dep], evaluated('passed'), started()).whenJudged()?.gate).toEqual({
      decision: 'passed',
      policyVersion: 'pv-3',
      seq: 2,
    });
  });

  it('is failed when the last evaluation failed and no bypass is recorded yet', () => {
    expect(
      given(['deployment.requested', dep], evaluated('passed'), evaluated('failed'), started()).whenJudged()
        ?.gate.decision,
    ).toBe('failed');
  });

  it('is bypassed when the ledger recorded gate.bypassed, which also makes it an emergency', () => {
    const item = given(['deployment.requested', dep], evaluated('failed'), started(), [
      'gate.bypassed',
      { ...dep, gateStatus: 'failed', by: 'deployment.started', bySeq: 3 },
    ]).whenJudged();
    expect(item?.gate).toEqual({ decision: 'bypassed', policyVersion: 'pv-3', seq: 4 });
    expect(item?.emergency).toBe(true);
    expect(item?.emergencyReasons).toEqual(['gate_bypassed']);
  });

  it('is not_required when no gate was asked or decided', () => {
    const item = given(started()).whenJudged();
    expect(item?.gate).toEqual({ decision: 'not_required', policyVersion: null, seq: null });
    expect(item?.emergency).toBe(false);
    expect(item?.review.status).toBe('not_required');
  });
});

describe('emergency review', () => {
  const reviewed = (at: string): Step => [
    'review.completed',
    { deploymentId: 'd1', reviewer: 'rui', url: 'https://cab.example.com/7' },
    at,
  ];
  it('is within_24h when a review follows a declared emergency by at most 24 h', () => {
    const item = given(started({ emergency: true }), reviewed(plus(24))).whenJudged();
    expect(item?.emergency).toBe(true);
    expect(item?.emergencyReasons).toEqual(['declared']);
    expect(item?.review).toEqual({
      status: 'within_24h',
      reviewer: 'rui',
      url: 'https://cab.example.com/7',
      at: plus(24),
      seq: 2,
    });
    expect(item?.evidence).toEqual([1, 2]);
  });

  it('is late when the first review comes after 24 h', () => {
    expect(given(started({ emergency: true }), reviewed(plus(24.001))).whenJudged()?.review.status).toBe(
      'late',
    );
  });

  it('is missing when an emergency has no review, or only one recorded before it', () => {
    expect(given(started({ emergency: true })).whenJudged()?.review.status).toBe('missing');
    expect(given(reviewed(T0), started({ emergency: true }, plus(1))).whenJudged()?.review.status).toBe(
      'missing',
    );
  });
});

describe('the rest of an item', () => {
  it('names service, version, release, actors, tests, incidents and the rollback, with its evidence', () => {
    const { whenJudged, events } = given(
      created('ana'),
      ['tests.completed', { releaseId: release.releaseId, suite: 'unit', passed: false }],
      ['tests.completed', { releaseId: release.releaseId, suite: 'unit', passed: true }],
      ['tests.completed', { releaseId: release.releaseId, suite: 'e2e', passed: true }],
      ['deployment.requested', { ...dep, requestedBy: { login: 'ci-bot' } }],
      started({ service: 'api', version: '1.4.0' }),
      ['deployment.succeeded', { ...dep, service: 'api', version: '1.4.0', deployedBy: 'dora' }],
      [
        'incident.opened',
        {
          incidentId: 'inc-9',
          service: 'api',
          environment: 'production',
          severity: 'sev2',
          deploymentId: 'd1',
        },
      ],
      [
        'deployment.succeeded',
        { deploymentId: 'd2', environment: 'production', releaseId: 'r0', rollbackOf: 'd1' },
      ],
    );
    const item = whenJudged();
    expect(item).toMatchObject({
      deploymentId: 'd1',
      seq: 6,
      service: 'api',
      version: '1.4.0',
      releaseId: 'api-1.4.0',
      outcome: 'succeeded',
      testsOutcome: 'passed',
      tests: [
        { suite: 'unit', passed: true, seq: 3 },
        { suite: 'e2e', passed: true, seq: 4 },
      ],
      actors: [
        { type: 'deployment.requested', source: 'test', actor: 'ci-bot', seq: 5 },
        { type: 'deployment.started', source: 'test', actor: null, seq: 6 },
        { type: 'deployment.succeeded', source: 'test', actor: 'dora', seq: 7 },
      ],
      incidents: [{ incidentId: 'inc-9', severity: 'sev2', seq: 8 }],
      rollback: { rolledBackBy: 'd2', requested: null, rollbackOf: null },
    });
    // The superseded unit run (seq 2) was not used; everything else about d1 was.
    expect(item?.evidence).toEqual([1, 3, 4, 5, 6, 7, 8, 9]);
    expect(events).toHaveLength(9);
  });

  it('is no change when its start lies outside the range, or in another environment', () => {
    expect(given(started()).whenJudged('d1', { fromSeq: 2, toSeq: 5 })).toBeUndefined();
    expect(given(started({ environment: 'staging' })).whenJudged()).toBeUndefined();
  });
});

describe('population and sample', () => {
  it('counts each deployment once, at its first start or success in the environment', () => {
    const { events } = given(
      ['deployment.requested', { ...dep, deploymentId: 'd0' }],
      started({ deploymentId: 'd1' }),
      ['deployment.succeeded', { ...dep, deploymentId: 'd1' }],
      ['deployment.succeeded', { ...dep, deploymentId: 'd2' }],
      started({ deploymentId: 'd3', environment: 'staging' }),
    );
    expect(populationOf(events, 'production')).toEqual([
      { deploymentId: 'd1', seq: 2 },
      { deploymentId: 'd2', seq: 4 },
    ]);
  });

  it('draws the members with the smallest SHA-256(seed \\n id), reproducibly, in seq order', () => {
    const members = Array.from({ length: 200 }, (_, i) => ({ deploymentId: `d${i}`, seq: i + 1 }));
    const sample = sampleOf(members, 25, 'audit-2026');
    const byHand = members
      .map((m) => ({
        m,
        key: createHash('sha256')
          .update(`audit-2026\nd${m.seq - 1}`)
          .digest('hex'),
      }))
      .sort((a, b) => a.key.localeCompare(b.key))
      .slice(0, 25)
      .map(({ m }) => m)
      .sort((a, b) => a.seq - b.seq);
    expect(sample).toEqual(byHand);
    expect(sampleOf([...members].reverse(), 25, 'audit-2026')).toEqual(sample);
    expect(sampleOf(members, 25, 'another seed')).not.toEqual(sample);
    expect(sampleOf(members.slice(0, 10), 25, 's')).toHaveLength(10);
  });

  it('finds the seq range of a window by binary search over recordedAt', async () => {
    const times = [
      '2026-11-01T00:00:00Z',
      '2026-11-02T00:00:00Z',
      '2026-11-02T00:00:00Z',
      '2026-11-05T00:00:00Z',
    ];
    const at = async (seq: number) => times[seq - 1] ?? '';
    expect(await windowRange({ from: '2026-11-02T00:00:00Z', to: '2026-11-05T00:00:00Z' }, 4, at)).toEqual({
      fromSeq: 2,
      toSeq: 3,
    });
    expect(await windowRange({ from: '2026-10-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }, 4, at)).toEqual({
      fromSeq: 1,
      toSeq: 4,
    });
    const empty = await windowRange({ from: '2026-11-03T00:00:00Z', to: '2026-11-04T00:00:00Z' }, 4, at);
    expect(empty.toSeq).toBeLessThan(empty.fromSeq);
  });
});

describe('progressive deployments in the population', () => {
  it('given a canary that only reports traffic steps, it is a change at its first step and succeeds at 100 %', () => {
    const steps = given(
      created(),
      ['deployment.progressed', { ...dep, weight: 10, strategy: 'canary' }, plus(1)],
      ['deployment.progressed', { ...dep, weight: 100, strategy: 'canary' }, plus(2)],
    );
    expect(populationOf(steps.events, 'production')).toEqual([{ deploymentId: 'd1', seq: 2 }]);
    expect(steps.whenJudged()).toMatchObject({ deploymentId: 'd1', seq: 2, outcome: 'succeeded' });
  });

  it('a canary still at 50 % has started, not succeeded', () => {
    const steps = given(created(), ['deployment.progressed', { ...dep, weight: 50, strategy: 'canary' }]);
    expect(steps.whenJudged()).toMatchObject({ outcome: 'started' });
  });
});
