import { describe, expect, it } from 'vitest';
import { changeFailureRate } from '../../../../domain/gates/change-failure-rate.ts';
import { history } from '../../../support/stored-events.ts';

const d1 = { deploymentId: 'd1', environment: 'production', service: 'api', releaseId: 'r1' };
const from = new Date('2026-03-01T00:00:00Z');
const to = new Date('2026-03-03T00:00:00Z');

describe('the gate’s change failure rate with progressive deployments', () => {
  it('counts a deployment that reached weight 100 once, even when it also succeeded', () => {
    const h = history();
    h.at('deployment.progressed', '2026-03-02T09:00:00Z', { ...d1, weight: 50, strategy: 'canary' });
    h.at('deployment.progressed', '2026-03-02T10:00:00Z', { ...d1, weight: 100, strategy: 'canary' });
    h.at('deployment.succeeded', '2026-03-02T10:05:00Z', d1);
    h.at('incident.opened', '2026-03-02T11:00:00Z', {
      incidentId: 'i1',
      service: 'api',
      environment: 'production',
      severity: 'sev2',
    });
    expect(changeFailureRate(h.events, from, to)).toMatchObject({ rate: 1, failed: 1, total: 1 });
  });

  it('does not count a canary still below 100 %', () => {
    const h = history();
    h.at('deployment.progressed', '2026-03-02T09:00:00Z', { ...d1, weight: 50, strategy: 'canary' });
    expect(changeFailureRate(h.events, from, to)).toMatchObject({ rate: null, total: 0 });
  });
});
