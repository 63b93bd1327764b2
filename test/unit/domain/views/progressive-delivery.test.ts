import { describe, expect, it } from 'vitest';
import { deploymentView } from '../../../../domain/views/deployment-view.ts';
import { releaseView } from '../../../../domain/views/release-view.ts';
import { history } from '../../../support/stored-events.ts';

const d1 = { deploymentId: 'd1', environment: 'production', releaseId: 'r1', service: 'api', version: '1.0' };
const step = (weight: number, n: number) => ({ ...d1, weight, step: n, strategy: 'canary' });

describe('a progressive deployment’s view', () => {
  it('shows its traffic history in order and stays started until it finishes', () => {
    const h = history();
    h.at('deployment.started', '2026-11-21T10:00:00Z', d1);
    h.at('deployment.progressed', '2026-11-21T10:05:00Z', step(10, 1));
    h.at('deployment.progressed', '2026-11-21T10:20:00Z', step(50, 2));
    const view = deploymentView('d1', h.events);
    expect(view?.status).toBe('started');
    expect(view?.traffic).toEqual([
      { weight: 10, step: 1, strategy: 'canary', at: '2026-11-21T10:05:00Z', seq: 2 },
      { weight: 50, step: 2, strategy: 'canary', at: '2026-11-21T10:20:00Z', seq: 3 },
    ]);
  });

  it('has finished when all traffic is on it, and a later report still decides', () => {
    const h = history();
    h.at('deployment.progressed', '2026-11-21T10:05:00Z', step(25, 1));
    h.at('deployment.progressed', '2026-11-21T10:30:00Z', step(100, 2));
    expect(deploymentView('d1', h.events)).toMatchObject({
      status: 'succeeded',
      finishedAt: '2026-11-21T10:30:00Z',
    });
    h.at('deployment.failed', '2026-11-21T10:40:00Z', { ...d1, reason: 'bake time alarms' });
    expect(deploymentView('d1', h.events)).toMatchObject({
      status: 'failed',
      finishedAt: '2026-11-21T10:40:00Z',
    });
  });

  it('starts a deployment whose first report is a traffic step, and never reopens a finished one', () => {
    const h = history();
    h.at('deployment.progressed', '2026-11-21T10:05:00Z', { ...step(100, 3), strategy: 'blue_green' });
    h.at('deployment.succeeded', '2026-11-21T10:06:00Z', d1);
    h.at('deployment.progressed', '2026-11-21T10:07:00Z', step(100, 4));
    const view = deploymentView('d1', h.events);
    expect(view).toMatchObject({ status: 'succeeded', startedAt: '2026-11-21T10:05:00Z' });
    expect(view?.traffic.map((t) => t.strategy)).toEqual(['blue_green', 'canary']);
  });
});

describe('a release’s view shows deployed vs released per environment', () => {
  const releaseHistory = () => {
    const h = history();
    h.at('release.created', '2026-11-21T09:00:00Z', { releaseId: 'r1', service: 'api', version: '1.0' });
    h.at('deployment.progressed', '2026-11-21T10:00:00Z', step(100, 1));
    h.at('deployment.succeeded', '2026-11-21T10:01:00Z', {
      ...d1,
      environment: 'staging',
      deploymentId: 'd0',
    });
    return h;
  };
  const deployments = (h: ReturnType<typeof history>) =>
    ['d0', 'd1'].flatMap((id) => {
      const view = deploymentView(
        id,
        h.events.filter((e) => (e.data as { deploymentId?: string }).deploymentId === id),
      );
      return view ? [view] : [];
    });

  it('is deployed but not released while its flag is below 100 %', () => {
    const h = releaseHistory();
    h.at('feature.released', '2026-11-21T11:00:00Z', {
      flag: 'checkout-v2',
      service: 'api',
      environment: 'production',
      exposure: 20,
      releaseId: 'r1',
    });
    const view = releaseView('r1', h.events, deployments(h));
    expect(view?.delivery.production).toEqual({
      deployed: true,
      deployedAt: '2026-11-21T10:00:00Z',
      released: false,
      releasedAt: null,
      flags: [{ flag: 'checkout-v2', exposure: 20, at: '2026-11-21T11:00:00Z', seq: 4 }],
    });
    expect(view?.delivery.staging).toMatchObject({ deployed: true, released: false, flags: [] });
  });

  it('is released when a flag naming its service and version reaches 100 %', () => {
    const h = releaseHistory();
    const byVersion = [
      h.at('feature.released', '2026-11-21T12:00:00Z', {
        flag: 'checkout-v2',
        service: 'api',
        environment: 'production',
        exposure: 100,
        version: '1.0',
      }),
      // Another service's version of the same name is not this release's.
      h.at('feature.released', '2026-11-21T12:00:00Z', {
        flag: 'other',
        service: 'web',
        environment: 'staging',
        exposure: 100,
        version: '1.0',
      }),
    ];
    const releaseEvents = h.events.filter((e) => e.type !== 'feature.released');
    const view = releaseView('r1', releaseEvents, deployments(h), undefined, byVersion);
    expect(view?.delivery.production).toMatchObject({
      deployed: true,
      released: true,
      releasedAt: '2026-11-21T12:00:00Z',
    });
    expect(view?.delivery.staging?.released).toBe(false);
  });
});
