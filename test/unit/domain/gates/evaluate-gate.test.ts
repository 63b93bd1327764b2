import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../../domain/gates/evaluate-gate.ts';
import type { GateFacts } from '../../../../domain/gates/gate-facts.ts';
import type { StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import { type Policy, PolicySchema, policyVersion } from '../../../../domain/policies/policy.ts';
import { history } from '../../../support/stored-events.ts';

const release = { releaseId: 'api-2', service: 'api', version: '2.0' };

const releaseCreated = history().at('release.created', '2026-11-01T00:00:00Z', release);

/** given(events…).when(request at instant, policy).then(decision); the release exists unless told. */
function gate(
  policy: Policy | undefined,
  events: StoredEvent[],
  at: string,
  resolved: string[] = [],
  known = [releaseCreated],
) {
  const facts: GateFacts = {
    request: {
      deploymentId: 'd-prod',
      releaseId: 'api-2',
      service: 'api',
      environment: 'production',
      seq: 1000,
      recordedAt: at,
    },
    policy: policy
      ? { policy: PolicySchema.parse(policy), version: policyVersion(PolicySchema.parse(policy)) }
      : undefined,
    // The release's history and the service's production history, as the gate function reads them.
    releaseEvents: [...known, ...events.filter((e) => e.type !== 'incident.opened')],
    serviceEvents: events.filter((e) => (e.data as { environment?: string }).environment === 'production'),
    resolvedIncidents: new Set(resolved),
  };
  return evaluateGate(facts);
}
const check = (decision: ReturnType<typeof evaluateGate>, name: string) =>
  decision.checks.find((c) => c.name === name);

describe('evaluateGate', () => {
  it('passes with an empty check list when no policy exists', () => {
    const decision = gate(undefined, [], '2026-11-21T10:00:00Z');
    expect(decision).toMatchObject({ decision: 'passed', checks: [], policyVersion: null, requestSeq: 1000 });
  });

  it('fails with a release_unknown check when the release was not recorded before the request', () => {
    const approved = history();
    approved.at('approval.granted', '2026-11-21T09:00:00Z', {
      ...release,
      environment: 'production',
      approver: 'a',
    });
    for (const policy of [undefined, { requiredApprovals: 1 }]) {
      const decision = gate(policy, approved.events, '2026-11-21T10:00:00Z', [], []);
      expect(decision.decision).toBe('failed');
      expect(decision.checks[0]).toEqual({
        name: 'release_unknown',
        passed: false,
        detail: 'release api-2 was not in the ledger when the deployment was requested',
        observed: { releaseId: 'api-2' },
      });
    }
  });

  it('soaks from when the ledger recorded the success, whatever time the producer gave', () => {
    const h = history();
    const success = h.at('deployment.succeeded', '2026-11-20T00:00:00Z', {
      ...release,
      deploymentId: 'd-s',
      environment: 'staging',
    });
    const recordedLate = { ...success, recordedAt: '2026-11-21T09:50:00Z' };
    const decision = gate(
      { requireSuccessIn: ['staging'], minSoakMinutes: 60 },
      [recordedLate],
      '2026-11-21T10:00:00Z',
    );
    expect(check(decision, 'success-in-environments')).toMatchObject({
      passed: false,
      detail: 'soaking: staging 10 of 60 min',
    });
  });

  it('names the policy version it used', () => {
    const policy = { requiredApprovals: 1 };
    expect(gate(policy, [], '2026-11-21T10:00:00Z').policyVersion).toBe(policyVersion(policy));
  });

  describe('success in earlier environments, with soak time', () => {
    const policy = { requireSuccessIn: ['staging'], minSoakMinutes: 60 };
    it('fails when the release never succeeded in staging', () => {
      const h = history();
      h.at('deployment.failed', '2026-11-21T08:00:00Z', {
        ...release,
        deploymentId: 'd-s',
        environment: 'staging',
      });
      const decision = gate(policy, h.events, '2026-11-21T10:00:00Z');
      expect(decision.decision).toBe('failed');
      expect(check(decision, 'success-in-environments')).toMatchObject({
        passed: false,
        detail: 'no successful deployment of this release in staging',
        observed: { environments: [{ environment: 'staging', succeededAt: null, soakedMinutes: null }] },
      });
    });
    it('counts a progressive deployment in staging that took all traffic as a success', () => {
      const h = history();
      const step = { ...release, deploymentId: 'd-s', environment: 'staging', strategy: 'canary' };
      h.at('deployment.progressed', '2026-11-21T08:00:00Z', { ...step, weight: 50 });
      const half = gate(policy, h.events, '2026-11-21T10:00:00Z');
      expect(check(half, 'success-in-environments')?.passed).toBe(false);
      h.at('deployment.progressed', '2026-11-21T08:30:00Z', { ...step, weight: 100 });
      expect(check(gate(policy, h.events, '2026-11-21T10:00:00Z'), 'success-in-environments')).toMatchObject({
        passed: true,
        observed: { environments: [{ environment: 'staging', soakedMinutes: expect.any(Number) }] },
      });
    });
    it('fails while soaking and passes once soaked, reporting the minutes it saw', () => {
      const h = history();
      h.at('deployment.succeeded', '2026-11-21T09:30:00Z', {
        ...release,
        deploymentId: 'd-s',
        environment: 'staging',
      });
      expect(check(gate(policy, h.events, '2026-11-21T10:00:00Z'), 'success-in-environments')).toMatchObject({
        passed: false,
        detail: 'soaking: staging 30 of 60 min',
      });
      expect(check(gate(policy, h.events, '2026-11-21T10:31:00Z'), 'success-in-environments')).toMatchObject({
        passed: true,
        observed: { environments: [{ environment: 'staging', soakedMinutes: 61 }] },
      });
    });
  });

  it('counts distinct approvers for this environment only', () => {
    const h = history();
    h.at('approval.granted', '2026-11-21T09:00:00Z', {
      releaseId: 'api-2',
      environment: 'production',
      approver: 'ana',
    });
    h.at('approval.granted', '2026-11-21T09:01:00Z', {
      releaseId: 'api-2',
      environment: 'production',
      approver: 'ana',
    });
    h.at('approval.granted', '2026-11-21T09:02:00Z', {
      releaseId: 'api-2',
      environment: 'staging',
      approver: 'bo',
    });
    const one = gate({ requiredApprovals: 2 }, h.events, '2026-11-21T10:00:00Z');
    expect(check(one, 'approvals')).toMatchObject({
      passed: false,
      observed: { required: 2, approvers: ['ana'] },
    });
    h.at('approval.granted', '2026-11-21T09:03:00Z', {
      releaseId: 'api-2',
      environment: 'production',
      approver: 'cy',
    });
    expect(check(gate({ requiredApprovals: 2 }, h.events, '2026-11-21T10:00:00Z'), 'approvals')?.passed).toBe(
      true,
    );
  });

  it('requires the latest run of every suite to pass, and at least one suite', () => {
    const policy = { requireTestsPassed: true };
    expect(check(gate(policy, [], '2026-11-21T10:00:00Z'), 'tests-passed')).toMatchObject({
      passed: false,
      detail: 'no test suite has reported for this release',
    });
    const h = history();
    h.at('tests.completed', '2026-11-21T09:00:00Z', { releaseId: 'api-2', suite: 'e2e', passed: false });
    h.at('tests.completed', '2026-11-21T09:00:00Z', { releaseId: 'api-2', suite: 'unit', passed: true });
    expect(check(gate(policy, h.events, '2026-11-21T10:00:00Z'), 'tests-passed')).toMatchObject({
      passed: false,
      observed: { suites: { e2e: false, unit: true } },
    });
    h.at('tests.completed', '2026-11-21T09:30:00Z', { releaseId: 'api-2', suite: 'e2e', passed: true });
    expect(check(gate(policy, h.events, '2026-11-21T10:00:00Z'), 'tests-passed')?.passed).toBe(true);
  });

  it('fails while a sev1 incident is open on the service in that environment', () => {
    const h = history();
    h.at('incident.opened', '2026-11-21T09:00:00Z', {
      incidentId: 'i-1',
      service: 'api',
      environment: 'production',
      severity: 'sev1',
    });
    h.at('incident.opened', '2026-11-21T09:00:00Z', {
      incidentId: 'i-2',
      service: 'api',
      environment: 'production',
      severity: 'sev3',
    });
    const policy = { blockOnOpenIncidents: ['sev1', 'sev2'] as const };
    const blocked = gate(
      { blockOnOpenIncidents: [...policy.blockOnOpenIncidents] },
      h.events,
      '2026-11-21T10:00:00Z',
    );
    expect(check(blocked, 'no-open-incidents')).toMatchObject({
      passed: false,
      observed: { open: [{ incidentId: 'i-1', severity: 'sev1' }] },
    });
    const resolved = gate({ blockOnOpenIncidents: ['sev1', 'sev2'] }, h.events, '2026-11-21T10:00:00Z', [
      'i-1',
    ]);
    expect(check(resolved, 'no-open-incidents')?.passed).toBe(true);
  });

  it('fails inside a freeze window and passes outside it', () => {
    const policy = {
      freezeWindows: [{ start: '2026-12-20T00:00:00Z', end: '2027-01-02T00:00:00Z', reason: 'holidays' }],
    };
    expect(check(gate(policy, [], '2026-12-24T12:00:00Z'), 'freeze-windows')).toMatchObject({
      passed: false,
      detail: 'frozen from 2026-12-20T00:00:00Z to 2027-01-02T00:00:00Z: holidays',
    });
    expect(check(gate(policy, [], '2027-01-02T00:00:00Z'), 'freeze-windows')?.passed).toBe(true);
  });

  describe('recurring deploy windows in a time zone', () => {
    const berlinOfficeHours = {
      deployWindows: [
        { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', timeZone: 'Europe/Berlin' },
      ],
    };
    it('judges by the local wall clock in winter (UTC+1)', () => {
      // Monday 2026-11-23 08:30 UTC is 09:30 in Berlin; 16:30 UTC is 17:30.
      expect(
        check(gate(berlinOfficeHours as Policy, [], '2026-11-23T08:30:00Z'), 'deploy-windows'),
      ).toMatchObject({
        passed: true,
        detail: 'inside mon/tue/wed/thu/fri 09:00-17:00 (Mon 09:30 Europe/Berlin)',
      });
      expect(
        check(gate(berlinOfficeHours as Policy, [], '2026-11-23T16:30:00Z'), 'deploy-windows')?.passed,
      ).toBe(false);
    });
    it('stays right across the spring DST change (UTC+1 → UTC+2 on 2026-03-29)', () => {
      // Friday 2026-03-27 07:30 UTC = 08:30 CET (closed); Monday 2026-03-30 07:30 UTC = 09:30 CEST (open).
      expect(
        check(gate(berlinOfficeHours as Policy, [], '2026-03-27T07:30:00Z'), 'deploy-windows')?.passed,
      ).toBe(false);
      expect(
        check(gate(berlinOfficeHours as Policy, [], '2026-03-30T07:30:00Z'), 'deploy-windows')?.passed,
      ).toBe(true);
      // 15:30 UTC is 16:30 CEST (open) on the Monday after the change, but 16:30 UTC would be 18:30 (closed).
      expect(
        check(gate(berlinOfficeHours as Policy, [], '2026-03-30T14:30:00Z'), 'deploy-windows')?.passed,
      ).toBe(true);
      expect(
        check(gate(berlinOfficeHours as Policy, [], '2026-03-30T15:30:00Z'), 'deploy-windows')?.passed,
      ).toBe(false);
    });
    it('fails at the weekend whatever the hour', () => {
      expect(
        check(gate(berlinOfficeHours as Policy, [], '2026-11-21T10:00:00Z'), 'deploy-windows'),
      ).toMatchObject({
        passed: false,
        detail: 'outside every deploy window (Sat 11:00 Europe/Berlin)',
      });
    });
  });

  it('fails when the service’s recent change failure rate in the environment is over the threshold', () => {
    const h = history();
    const prod = (id: string) => ({ ...release, deploymentId: id, environment: 'production' });
    h.at('deployment.succeeded', '2026-11-10T10:00:00Z', prod('p1'));
    h.at('deployment.failed', '2026-11-11T10:00:00Z', prod('p2'));
    h.at('deployment.succeeded', '2026-11-12T10:00:00Z', prod('p3'));
    h.at('incident.opened', '2026-11-12T12:00:00Z', {
      incidentId: 'i',
      service: 'api',
      environment: 'production',
      severity: 'sev3',
    });
    h.at('deployment.succeeded', '2026-11-13T10:00:00Z', { ...prod('p4'), rollbackOf: 'p3' });
    h.at('deployment.succeeded', '2026-10-01T10:00:00Z', prod('old'));
    const decision = gate(
      { maxChangeFailureRate: { threshold: 0.5, windowDays: 30 } },
      h.events,
      '2026-11-21T10:00:00Z',
    );
    expect(check(decision, 'change-failure-rate')).toMatchObject({
      passed: false,
      observed: {
        rate: 2 / 3,
        failed: 2,
        total: 3,
        failedDeployments: [
          { deploymentId: 'p2', rule: 'failed' },
          { deploymentId: 'p3', rule: 'rolled_back' },
        ],
      },
    });
    expect(
      check(
        gate({ maxChangeFailureRate: { threshold: 0.7, windowDays: 30 } }, h.events, '2026-11-21T10:00:00Z'),
        'change-failure-rate',
      )?.passed,
    ).toBe(true);
  });

  it('reports every check with what it observed, and fails if any check fails', () => {
    const decision = gate(
      { requiredApprovals: 1, requireTestsPassed: true, blockOnOpenIncidents: ['sev1'] },
      [],
      '2026-11-21T10:00:00Z',
    );
    expect(decision.checks.map((c) => [c.name, c.passed])).toEqual([
      ['approvals', false],
      ['tests-passed', false],
      ['no-open-incidents', true],
    ]);
    expect(decision.checks.every((c) => c.observed !== undefined && c.detail.length > 0)).toBe(true);
    expect(decision.decision).toBe('failed');
  });
});

describe('PolicySchema', () => {
  it('refuses unknown fields and bad values with their paths', () => {
    const parsed = PolicySchema.safeParse({
      requiredAprovals: 2,
      deployWindows: [{ days: ['monday'], from: '9:00', to: '17:00', timeZone: 'Mars/Olympus' }],
      freezeWindows: [{ start: '2026-12-02T00:00:00Z', end: '2026-12-01T00:00:00Z' }],
    });
    expect(parsed.error?.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        [],
        ['deployWindows', 0, 'days', 0],
        ['deployWindows', 0, 'from'],
        ['deployWindows', 0, 'timeZone'],
        ['freezeWindows', 0, 'end'],
      ]),
    );
  });

  it('gives equal policies the same version whatever their key order', () => {
    expect(policyVersion({ requiredApprovals: 1, requireTestsPassed: true })).toBe(
      policyVersion({ requireTestsPassed: true, requiredApprovals: 1 }),
    );
  });
});
