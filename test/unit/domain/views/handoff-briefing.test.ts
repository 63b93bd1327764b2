import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import { type Policy, PolicySchema, policyVersion } from '../../../../domain/policies/policy.ts';
import { handoffBriefing } from '../../../../domain/views/handoff-briefing.ts';
import { history } from '../../../support/stored-events.ts';

const prod = { service: 'api', environment: 'production' };

/**
 * Given api 1.0 running in production, 1.1 deployed and rolled back to 1.0, and 2.0 (deployment d3)
 * requested; sev1 INC-1 open, INC-0 resolved; the briefing of d3 under `policy`.
 */
function brief(
  policy: Record<string, unknown> | undefined,
  extra: (h: ReturnType<typeof history>) => void = () => {},
  raw = false,
) {
  const h = history();
  const deployed = (deploymentId: string, version: string, more: Record<string, unknown> = {}) =>
    h.at('deployment.succeeded', '2026-11-10T10:00:00Z', {
      ...prod,
      deploymentId,
      version,
      releaseId: `api-${version}`,
      ...more,
    });
  deployed('d1', '1.0');
  deployed('d2', '1.1');
  deployed('d2-rollback', '1.0', { rollbackOf: 'd2' });
  h.at('incident.opened', '2026-11-20T10:00:00Z', { ...prod, incidentId: 'INC-0', severity: 'sev2' });
  h.at('incident.opened', '2026-11-21T10:00:00Z', {
    ...prod,
    incidentId: 'INC-1',
    severity: 'sev1',
    title: 'p99 up',
  });
  const created = h.at('release.created', '2026-12-01T08:00:00Z', {
    releaseId: 'api-2.0',
    service: 'api',
    version: '2.0',
    notes: 'new pricing',
    commits: [
      { sha: 'old', timestamp: '2026-11-01T00:00:00Z' },
      { sha: 'new', timestamp: '2026-12-01T00:00:00Z', author: 'alice' },
    ],
  });
  const requested = h.at('deployment.requested', '2026-12-01T09:00:00Z', {
    ...prod,
    deploymentId: 'd3',
    releaseId: 'api-2.0',
    version: '2.0',
  });
  extra(h);
  // `rollbackTriggers` belongs to the release-health policy fields; `raw` hands the policy over unparsed.
  const parsed = policy ? (raw ? (policy as Policy) : PolicySchema.parse(policy)) : undefined;
  const of = (pred: (e: StoredEvent) => boolean) => h.events.filter(pred);
  const d = (e: StoredEvent) => e.data as Record<string, unknown>;
  return handoffBriefing({
    deploymentId: 'd3',
    deploymentEvents: of((e) => d(e).deploymentId === 'd3'),
    releaseEvents: [
      created,
      ...of((e) => d(e).releaseId === 'api-2.0' && e !== created && e !== requested),
      requested,
    ],
    serviceEvents: of(
      (e) =>
        d(e).environment === 'production' &&
        (e.type.startsWith('deployment.') || e.type === 'incident.opened'),
    ),
    resolvedIncidents: new Set(['INC-0']),
    policy: parsed ? { policy: parsed, version: policyVersion(parsed) } : undefined,
    previousCommitShas: ['old'],
  });
}

describe('the on-call handoff briefing', () => {
  it('given the history, then it names what changed, what is open and where a rollback goes', () => {
    const briefing = brief({
      autoRollback: { enabled: true, severities: ['sev1'] },
      onCall: {
        requireHandoff: true,
        runbooks: ['https://wiki.example.com/api'],
        dashboards: ['https://grafana.example.com/d/api'],
        escalation: 'page #api-oncall',
        rollbackProcedure: 'argocd app rollback api',
      },
    });
    expect(briefing).toMatchObject({
      deploymentId: 'd3',
      service: 'api',
      version: '2.0',
      status: 'requested',
      whatChanged: {
        commits: [{ sha: 'old' }, { sha: 'new' }],
        changes: [{ sha: 'new', author: 'alice' }],
        notes: 'new pricing',
        // d2 was rolled back: what runs is 1.0, from the rollback deployment.
        previous: { deploymentId: 'd2-rollback', version: '1.0', releaseId: 'api-1.0' },
      },
      openIncidents: [{ incidentId: 'INC-1', severity: 'sev1', title: 'p99 up' }],
      rollback: {
        triggers: [],
        autoRollback: { enabled: true, severities: ['sev1'], windowMinutes: 60, alarms: [] },
        procedure: 'argocd app rollback api',
        target: { deploymentId: 'd2-rollback', version: '1.0' },
      },
      runbooks: ['https://wiki.example.com/api'],
      dashboards: ['https://grafana.example.com/d/api'],
      escalation: 'page #api-oncall',
      handoff: { required: true, acknowledged: false, acknowledgements: [] },
      policyVersion: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('given acknowledgements of the deployment and of its release elsewhere, then only those covering it count', () => {
    const briefing = brief({ onCall: { requireHandoff: true } }, (h) => {
      h.at('oncall.handoff.acknowledged', '2026-12-01T09:05:00Z', {
        deploymentId: 'd3',
        environment: 'production',
        engineer: 'olga',
      });
      h.at('oncall.handoff.acknowledged', '2026-12-01T09:06:00Z', {
        releaseId: 'api-2.0',
        environment: 'staging',
        engineer: 'sam',
      });
      h.at('oncall.handoff.acknowledged', '2026-12-01T09:07:00Z', {
        releaseId: 'api-2.0',
        environment: 'production',
        engineer: 'piet',
      });
    });
    expect(briefing?.handoff).toEqual({
      required: true,
      acknowledged: true,
      acknowledgements: [
        { engineer: 'olga', scope: 'deployment', at: '2026-12-01T09:05:00Z', seq: expect.any(Number) },
        { engineer: 'piet', scope: 'release', at: '2026-12-01T09:07:00Z', seq: expect.any(Number) },
      ],
    });
  });

  it('given a policy with rollback triggers, then they are shown as the policy states them; without a policy, nothing is', () => {
    const triggers = [{ name: 'errors', metric: 'error_rate', above: 0.05, forMinutes: 5, baselineDays: 7 }];
    const none = brief(undefined);
    expect(none?.rollback).toMatchObject({ triggers: [], autoRollback: null, procedure: null });
    expect(none).toMatchObject({ runbooks: [], dashboards: [], escalation: null, policyVersion: null });
    expect(brief({ rollbackTriggers: triggers }, undefined, true)?.rollback.triggers).toEqual(triggers);
  });

  it('given a handoff acknowledged before the deployment was requested, then what ran before is judged from the request', () => {
    const h = history();
    const ack = h.at('oncall.handoff.acknowledged', '2026-12-01T08:00:00Z', {
      deploymentId: 'd9',
      environment: 'production',
      engineer: 'olga',
    });
    const d1 = h.at('deployment.succeeded', '2026-12-01T08:30:00Z', {
      ...prod,
      deploymentId: 'd1',
      version: '1.0',
    });
    const requested = h.at('deployment.requested', '2026-12-01T09:00:00Z', {
      ...prod,
      deploymentId: 'd9',
      version: '2.0',
    });
    const briefing = handoffBriefing({
      deploymentId: 'd9',
      deploymentEvents: [ack, requested],
      releaseEvents: [],
      serviceEvents: [d1, requested],
      resolvedIncidents: new Set(),
      policy: undefined,
    });
    expect(briefing?.whatChanged.previous).toMatchObject({ deploymentId: 'd1', version: '1.0' });
    expect(briefing?.handoff).toMatchObject({ required: false, acknowledged: true });
  });

  it('given no events for the deployment, then there is no briefing', () => {
    expect(
      handoffBriefing({
        deploymentId: 'ghost',
        deploymentEvents: [],
        releaseEvents: [],
        serviceEvents: [],
        resolvedIncidents: new Set(),
        policy: undefined,
      }),
    ).toBeUndefined();
  });
});
