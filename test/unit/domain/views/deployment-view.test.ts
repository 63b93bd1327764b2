import { describe, expect, it } from 'vitest';
import type { LedgerEventType, StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import { deploymentView } from '../../../../domain/views/deployment-view.ts';
import { deploymentIdsOf, releaseView } from '../../../../domain/views/release-view.ts';
import { history } from '../../../support/stored-events.ts';

// Each call is the next seq; the default time moves on a minute per event.
const events = history();
const stored = (type: LedgerEventType, data: Record<string, unknown>, occurredAt?: string): StoredEvent =>
  events.at(type, occurredAt ?? `2026-11-21T10:${String(events.events.length).padStart(2, '0')}:00Z`, data);
const d1 = { deploymentId: 'd1', environment: 'production', releaseId: 'r1', service: 'api', version: '1.0' };

describe('a deployment’s view', () => {
  it('moves requested → started → succeeded with the time of each step', () => {
    const view = deploymentView('d1', [
      stored('deployment.requested', d1, '2026-11-21T10:00:00Z'),
      stored('deployment.started', d1, '2026-11-21T10:01:00Z'),
      stored('deployment.succeeded', d1, '2026-11-21T10:05:00Z'),
    ]);
    expect(view).toMatchObject({
      status: 'succeeded',
      releaseId: 'r1',
      version: '1.0',
      environment: 'production',
      requestedAt: '2026-11-21T10:00:00Z',
      startedAt: '2026-11-21T10:01:00Z',
      finishedAt: '2026-11-21T10:05:00Z',
    });
  });

  it('records a failure with its reason', () => {
    const view = deploymentView('d1', [stored('deployment.failed', { ...d1, reason: 'health check' })]);
    expect(view).toMatchObject({ status: 'failed', reason: 'health check' });
  });

  it('becomes rolled_back when a later deployment succeeds with rollbackOf pointing at it', () => {
    const view = deploymentView('d1', [
      stored('deployment.succeeded', d1),
      stored('incident.opened', {
        incidentId: 'i1',
        service: 'api',
        environment: 'production',
        severity: 'sev1',
        deploymentId: 'd1',
      }),
      stored('deployment.succeeded', { ...d1, deploymentId: 'd2', version: '0.9', rollbackOf: 'd1' }),
    ]);
    expect(view).toMatchObject({ status: 'rolled_back', rolledBackBy: 'd2', incidents: ['i1'] });
  });

  it('is undefined for a deployment the ledger has never seen', () => {
    expect(deploymentView('nope', [])).toBeUndefined();
  });
});

describe('a release’s view', () => {
  it('shows commits, approvals, the latest run of each suite and deployments per environment', () => {
    const events = [
      stored('release.created', {
        releaseId: 'r1',
        service: 'api',
        version: '1.0',
        commits: [{ sha: 'abc', timestamp: '2026-11-20T10:00:00Z' }],
      }),
      stored('tests.completed', { releaseId: 'r1', suite: 'unit', passed: false }),
      stored('tests.completed', { releaseId: 'r1', suite: 'unit', passed: true }),
      stored('approval.granted', { releaseId: 'r1', environment: 'production', approver: 'ana' }),
      stored('deployment.succeeded', { ...d1, environment: 'staging', deploymentId: 'd0' }),
      stored('deployment.succeeded', d1),
    ];
    expect(deploymentIdsOf(events)).toEqual(['d0', 'd1']);
    const deployments = ['d0', 'd1'].map((id) =>
      deploymentView(
        id,
        events.filter((e) => e.data.deploymentId === id),
      ),
    );
    const view = releaseView(
      'r1',
      events,
      deployments.filter((d) => d !== undefined),
    );
    expect(view).toMatchObject({ service: 'api', version: '1.0', commits: [{ sha: 'abc' }] });
    expect(view?.tests).toEqual([expect.objectContaining({ suite: 'unit', passed: true })]);
    expect(view?.approvals).toEqual([
      expect.objectContaining({ environment: 'production', approver: 'ana' }),
    ]);
    expect(Object.keys(view?.environments ?? {})).toEqual(['staging', 'production']);
    expect(view?.environments.production?.status).toBe('succeeded');
  });
});
