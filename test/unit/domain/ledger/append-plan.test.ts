import { describe, expect, it } from 'vitest';
import {
  checkDuplicates,
  idempotencyKey,
  implicitReleaseId,
  planAppend,
  releaseKey,
  resolveReleases,
} from '../../../../domain/ledger/append-plan.ts';
import { chainHash, eventHash, GENESIS_HASH } from '../../../../domain/ledger/hash-chain.ts';
import { incoming } from '../../../support/incoming-events.ts';

const NOW = '2026-11-21T10:00:00.000Z';
const empty = { ledgerHead: undefined, streamVersions: new Map() };

describe('planAppend', () => {
  it('places the first events of a tenant at seq 1.. chained from genesis', () => {
    const release = incoming('release.created', { releaseId: 'r1', service: 'api', version: '1.0' });
    const plan = planAppend('acme', [release], empty, NOW);
    const [entry] = plan.entries;
    expect(entry?.envelope).toMatchObject({
      tenant: 'acme',
      seq: 1,
      stream: 'release/r1',
      version: 1,
      links: [],
    });
    expect(entry?.eventHash).toBe(eventHash(entry?.body ?? ''));
    expect(entry?.chainHash).toBe(chainHash(GENESIS_HASH, 1, entry?.eventHash ?? ''));
    expect(plan.ledgerHead).toEqual({ expected: undefined, next: { seq: 1, chainHash: entry?.chainHash } });
    expect(plan.streamHeads).toEqual([{ stream: 'release/r1', expectedVersion: 0, nextVersion: 1 }]);
  });

  it('continues the chain and every stream from the state it was planned on', () => {
    const deployment = incoming('deployment.succeeded', {
      deploymentId: 'd2',
      environment: 'prod',
      releaseId: 'r1',
      rollbackOf: 'd1',
    });
    const state = {
      ledgerHead: { seq: 41, chainHash: 'a'.repeat(64) },
      streamVersions: new Map([
        ['release/r1', 3],
        ['deployment/d1', 2],
      ] as const),
    };
    const plan = planAppend('acme', [deployment], state, NOW);
    expect(plan.entries[0]?.envelope).toMatchObject({
      seq: 42,
      stream: 'deployment/d2',
      version: 1,
      links: [
        { stream: 'release/r1', version: 4 },
        { stream: 'deployment/d1', version: 3 },
      ],
    });
    expect(plan.entries[0]?.chainHash).toBe(chainHash('a'.repeat(64), 42, plan.entries[0]?.eventHash ?? ''));
    expect(plan.streamHeads).toEqual([
      { stream: 'deployment/d2', expectedVersion: 0, nextVersion: 1 },
      { stream: 'release/r1', expectedVersion: 3, nextVersion: 4 },
      { stream: 'deployment/d1', expectedVersion: 2, nextVersion: 3 },
    ]);
  });

  it('gives a batch on one stream consecutive versions and one head change', () => {
    const events = [1, 2, 3].map((n) =>
      incoming('tests.completed', { releaseId: 'r1', suite: `s${n}`, passed: true }),
    );
    const plan = planAppend('acme', events, empty, NOW);
    expect(plan.entries.map((e) => [e.envelope.seq, e.envelope.version])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(plan.streamHeads).toEqual([{ stream: 'release/r1', expectedVersion: 0, nextVersion: 3 }]);
  });

  it('stamps occurredAt with the recording time when the producer gave none', () => {
    const [withTime, withoutTime] = planAppend(
      'acme',
      [
        incoming('incident.resolved', { incidentId: 'i' }, { occurredAt: '2026-11-20T09:00:00Z' }),
        incoming('incident.resolved', { incidentId: 'j' }),
      ],
      empty,
      NOW,
    ).entries;
    expect(withTime?.envelope).toMatchObject({ occurredAt: '2026-11-20T09:00:00Z', recordedAt: NOW });
    expect(withoutTime?.envelope).toMatchObject({ occurredAt: NOW, recordedAt: NOW });
  });
});

describe('checkDuplicates', () => {
  const event = incoming('incident.resolved', { incidentId: 'i' }, { id: 'x' });
  const stored = {
    id: 'x',
    source: 'ci://test',
    type: 'incident.resolved' as const,
    seq: 9,
    stream: 'incident/i' as const,
    version: 1,
    hash: 'h',
    eventHash: 'e',
    recordedAt: NOW,
  };

  it('replays an identical payload and flags a different one', () => {
    const records = new Map([
      [idempotencyKey(event.source, event.id), { payloadHash: event.payloadHash, result: stored }],
    ]);
    expect(checkDuplicates([event], records)).toEqual({
      fresh: [],
      replayed: new Map([[0, stored]]),
      conflicts: [],
    });
    const changed = incoming('incident.resolved', { incidentId: 'other' }, { id: 'x' });
    expect(checkDuplicates([changed], records).conflicts).toEqual([0]);
  });

  it('keys identity on (source, id) without separator ambiguity', () => {
    expect(idempotencyKey('a|b', 'c')).not.toBe(idempotencyKey('a', 'b|c'));
  });
});

describe('resolveReleases', () => {
  const noReleases = { byId: new Map(), byServiceVersion: new Map() };

  it('creates a release implicitly for a deployment of an unknown service version', () => {
    const deployment = incoming('deployment.started', {
      deploymentId: 'd',
      environment: 'prod',
      service: 'api',
      version: '2.0',
    });
    const resolved = resolveReleases([deployment], noReleases);
    expect(resolved.implicit).toHaveLength(1);
    expect(resolved.implicit[0]).toMatchObject({
      type: 'release.created',
      source: 'release-ledger',
      id: 'implicit-release:api@2.0',
      data: { releaseId: 'api@2.0', service: 'api', version: '2.0', implicit: true },
    });
    expect(resolved.events[0]?.data).toMatchObject({ releaseId: 'api@2.0' });
  });

  it('fills in service and version for a deployment naming a known release', () => {
    const catalog = {
      byId: new Map([['r1', { releaseId: 'r1', service: 'api', version: '1.0' }]]),
      byServiceVersion: new Map([[releaseKey('api', '1.0'), 'r1']]),
    };
    const byId = incoming('deployment.requested', {
      deploymentId: 'd',
      environment: 'prod',
      releaseId: 'r1',
    });
    const byVersion = incoming('deployment.requested', {
      deploymentId: 'e',
      environment: 'prod',
      service: 'api',
      version: '1.0',
    });
    const resolved = resolveReleases([byId, byVersion], catalog);
    expect(resolved.implicit).toEqual([]);
    expect(resolved.events.map((e) => e.data)).toEqual([
      { deploymentId: 'd', environment: 'prod', releaseId: 'r1', service: 'api', version: '1.0' },
      { deploymentId: 'e', environment: 'prod', releaseId: 'r1', service: 'api', version: '1.0' },
    ]);
  });

  it('resolves a deployment against a release created earlier in the same batch', () => {
    const release = incoming('release.created', { releaseId: 'r9', service: 'web', version: '3' });
    const deployment = incoming('deployment.started', {
      deploymentId: 'd',
      environment: 'qa',
      service: 'web',
      version: '3',
    });
    const resolved = resolveReleases([release, deployment], noReleases);
    expect(resolved.implicit).toEqual([]);
    expect(resolved.events[1]?.data).toMatchObject({ releaseId: 'r9' });
    expect(resolved.newReleases.map((r) => r.releaseId)).toEqual(['r9']);
  });
});

describe('implicitReleaseId', () => {
  it('keeps service@version for plain names and escapes @ and % so pairs never share an id', () => {
    expect(implicitReleaseId('api', '1.0')).toBe('api@1.0');
    expect(implicitReleaseId('a@b', 'c')).not.toBe(implicitReleaseId('a', 'b@c'));
    expect(implicitReleaseId('a%40b', 'c')).not.toBe(implicitReleaseId('a@b', 'c'));
  });
});

describe('resolveReleases refuses what contradicts the ledger', () => {
  const noReleases = { byId: new Map(), byServiceVersion: new Map() };
  const deployment = (type: 'deployment.requested' | 'deployment.succeeded', data: Record<string, unknown>) =>
    incoming(type, { service: 'api', version: '1', ...data });

  it('refuses a deployment that moves to another environment within one batch, and nothing else', () => {
    const staging = deployment('deployment.requested', { deploymentId: 'd', environment: 'staging' });
    const production = deployment('deployment.requested', { deploymentId: 'd', environment: 'production' });
    const resolved = resolveReleases([staging, production], noReleases);
    expect(resolved.refusals).toEqual([
      expect.objectContaining({ event: production, kind: 'invalid', path: ['data', 'environment'] }),
    ]);
  });

  it('accepts a rollback of a success earlier in the same batch, and records both deployments', () => {
    const good = deployment('deployment.succeeded', { deploymentId: 'd1', environment: 'prod' });
    const rollback = deployment('deployment.succeeded', {
      deploymentId: 'd2',
      environment: 'prod',
      rollbackOf: 'd1',
    });
    const resolved = resolveReleases([good, rollback], noReleases);
    expect(resolved.refusals).toEqual([]);
    expect([...resolved.deployments.keys()]).toEqual(['d1', 'd2']);
    expect(resolved.deployments.get('d1')).toEqual({
      releaseId: 'api@1',
      service: 'api',
      environment: 'prod',
      succeeded: true,
    });
  });

  it('accepts a rollback of a canary that took all traffic, not of one still at part of it', () => {
    for (const [weight, refusals] of [
      [100, 0],
      [50, 1],
    ] as const) {
      const canary = incoming('deployment.progressed', {
        service: 'api',
        version: '1',
        deploymentId: 'd1',
        environment: 'prod',
        weight,
        strategy: 'canary',
      });
      const rollback = deployment('deployment.succeeded', {
        deploymentId: 'd2',
        environment: 'prod',
        rollbackOf: 'd1',
      });
      expect(resolveReleases([canary, rollback], noReleases).refusals).toHaveLength(refusals);
    }
  });

  it('refuses a rollback of the deployment itself, or of one known only to have been requested', () => {
    const requested = new Map([
      ['d0', { releaseId: 'api@1', service: 'api', environment: 'prod', succeeded: false }],
    ]);
    for (const rollbackOf of ['d1', 'd0']) {
      const rollback = deployment('deployment.succeeded', {
        deploymentId: 'd1',
        environment: 'prod',
        rollbackOf,
      });
      expect(resolveReleases([rollback], noReleases, requested).refusals).toEqual([
        expect.objectContaining({ path: ['data', 'rollbackOf'] }),
      ]);
    }
  });
});
