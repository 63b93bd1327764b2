import { describe, expect, it } from 'vitest';
import { gateBypass } from '../../../../domain/gates/gate-bypass.ts';
import { history } from '../../../support/stored-events.ts';

const deployment = { deploymentId: 'd1', releaseId: 'r1', service: 'api', environment: 'production' };
const started = (seq: number, extra: Record<string, unknown> = {}) => ({
  type: 'deployment.started',
  seq,
  data: { ...deployment, ...extra },
});

describe('gateBypass', () => {
  it('marks a start after a failed gate', () => {
    const h = history();
    h.at('deployment.requested', '2026-11-21T10:00:00Z', deployment);
    h.at('gate.evaluated', '2026-11-21T10:00:01Z', { ...deployment, decision: 'failed' });
    expect(gateBypass({ event: started(3), history: h.events, policyRequired: true })).toEqual({
      ...deployment,
      gateStatus: 'failed',
      by: 'deployment.started',
      bySeq: 3,
    });
  });

  it('does not mark a start after a failed dry-run gate: the pipeline was told passed, nothing was enforced', () => {
    const h = history();
    h.at('deployment.requested', '2026-11-21T10:00:00Z', deployment);
    h.at('gate.evaluated', '2026-11-21T10:00:01Z', { ...deployment, decision: 'failed', dryRun: true });
    expect(gateBypass({ event: started(3), history: h.events, policyRequired: true })).toBeUndefined();
  });

  it('marks a start before the gate answered, when a policy governs it', () => {
    const h = history();
    h.at('deployment.requested', '2026-11-21T10:00:00Z', deployment);
    expect(gateBypass({ event: started(2), history: h.events, policyRequired: true })?.gateStatus).toBe(
      'pending',
    );
    expect(gateBypass({ event: started(2), history: h.events, policyRequired: false })).toBeUndefined();
  });

  it('marks a deployment never requested where a policy requires a gate', () => {
    expect(gateBypass({ event: started(1), history: [], policyRequired: true })?.gateStatus).toBe(
      'not_requested',
    );
    expect(gateBypass({ event: started(1), history: [], policyRequired: false })).toBeUndefined();
  });

  it('marks a start whose passed gate was for another environment, release or service', () => {
    for (const other of [{ environment: 'staging' }, { releaseId: 'r0' }, { service: 'web' }]) {
      const h = history();
      h.at('deployment.requested', '2026-11-21T10:00:00Z', { ...deployment, ...other });
      h.at('gate.evaluated', '2026-11-21T10:00:01Z', { ...deployment, ...other, decision: 'passed' });
      expect(gateBypass({ event: started(3), history: h.events, policyRequired: true })?.gateStatus).toBe(
        'not_requested',
      );
    }
  });

  it('gates a deployment that only says it is a rollback without naming what it rolls back', () => {
    expect(
      gateBypass({ event: started(1, { rollback: true }), history: [], policyRequired: true })?.gateStatus,
    ).toBe('not_requested');
  });

  it('does not mark a passed gate, a rollback, or the success after an already judged start', () => {
    const h = history();
    h.at('deployment.requested', '2026-11-21T10:00:00Z', deployment);
    h.at('gate.evaluated', '2026-11-21T10:00:01Z', { ...deployment, decision: 'passed' });
    expect(gateBypass({ event: started(3), history: h.events, policyRequired: true })).toBeUndefined();
    expect(
      gateBypass({ event: started(1, { rollbackOf: 'd0' }), history: [], policyRequired: true }),
    ).toBeUndefined();
    const failed = history();
    failed.at('gate.evaluated', '2026-11-21T10:00:01Z', { ...deployment, decision: 'failed' });
    failed.at('deployment.started', '2026-11-21T10:01:00Z', deployment);
    expect(
      gateBypass({
        event: { ...started(3), type: 'deployment.succeeded' },
        history: failed.events,
        policyRequired: true,
      }),
    ).toBeUndefined();
  });
});

describe('gateBypass with progressive deployments', () => {
  const step = (seq: number, weight: number) => ({
    type: 'deployment.progressed',
    seq,
    data: { ...deployment, weight, strategy: 'canary' },
  });

  it('given a failed gate, when a canary takes its first traffic, then that step is the bypass', () => {
    const h = history();
    h.at('deployment.requested', '2026-11-21T10:00:00Z', deployment);
    h.at('gate.evaluated', '2026-11-21T10:00:01Z', { ...deployment, decision: 'failed' });
    expect(gateBypass({ event: step(3, 10), history: h.events, policyRequired: true })).toMatchObject({
      gateStatus: 'failed',
      by: 'deployment.progressed',
      bySeq: 3,
    });
  });

  it('judges the deployment once: a later step or success after the first step marks nothing', () => {
    const h = history();
    h.at('deployment.requested', '2026-11-21T10:00:00Z', deployment);
    h.at('gate.evaluated', '2026-11-21T10:00:01Z', { ...deployment, decision: 'failed' });
    h.at('deployment.progressed', '2026-11-21T10:05:00Z', { ...deployment, weight: 10, strategy: 'canary' });
    expect(gateBypass({ event: step(4, 100), history: h.events, policyRequired: true })).toBeUndefined();
    expect(gateBypass({ event: started(4), history: h.events, policyRequired: true })).toBeUndefined();
  });
});
