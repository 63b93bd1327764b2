import type { CheckResult } from '../events/decision-events.ts';
import { finishesDeployment } from '../events/deployment-finish.ts';
import type { Policy } from '../policies/policy.ts';
import { changeFailureRate } from './change-failure-rate.ts';
import type { GateFacts } from './gate-facts.ts';
import { checklist, onCallHandoff } from './readiness-checks.ts';
import { deployWindowCheck, freezeCheck } from './window-checks.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export type Check = (policy: Policy, facts: GateFacts, now: Date) => CheckResult | undefined;

const data = (event: { data: unknown }) => event.data as Record<string, unknown>;

/** The release has succeeded in each named environment, recorded at least `minSoakMinutes` ago. */
const successIn: Check = (policy, facts, now) => {
  if (!policy.requireSuccessIn?.length) return undefined;
  const soak = policy.minSoakMinutes ?? 0;
  const observed = policy.requireSuccessIn.map((environment) => {
    const success = facts.releaseEvents
      .filter((e) => finishesDeployment(e) && data(e).environment === environment)
      // When the ledger recorded it: the producer's `time` is a claim, and a soak must not be backdated.
      .map((e) => e.recordedAt)
      .sort()[0];
    const soakedMinutes =
      success === undefined ? null : Math.floor((now.getTime() - Date.parse(success)) / MINUTE);
    return { environment, succeededAt: success ?? null, soakedMinutes };
  });
  const missing = observed.filter((o) => o.succeededAt === null).map((o) => o.environment);
  const young = observed.filter((o) => o.soakedMinutes !== null && o.soakedMinutes < soak);
  const passed = missing.length === 0 && young.length === 0;
  const detail = passed
    ? `succeeded in ${policy.requireSuccessIn.join(', ')}${soak ? ` at least ${soak} min ago` : ''}`
    : missing.length > 0
      ? `no successful deployment of this release in ${missing.join(', ')}`
      : `soaking: ${young.map((o) => `${o.environment} ${o.soakedMinutes} of ${soak} min`).join(', ')}`;
  return {
    name: 'success-in-environments',
    passed,
    detail,
    observed: { required: policy.requireSuccessIn, minSoakMinutes: soak, environments: observed },
  };
};

/** Distinct approvers of this release for this environment. */
const approvals: Check = (policy, facts) => {
  if (!policy.requiredApprovals) return undefined;
  const approvers = [
    ...new Set(
      facts.releaseEvents
        .filter((e) => e.type === 'approval.granted' && data(e).environment === facts.request.environment)
        .map((e) => String(data(e).approver)),
    ),
  ].sort();
  const passed = approvers.length >= policy.requiredApprovals;
  return {
    name: 'approvals',
    passed,
    detail: `${approvers.length} of ${policy.requiredApprovals} required approvals for ${facts.request.environment}`,
    observed: { required: policy.requiredApprovals, approvers },
  };
};

/** The latest run of every suite passed, and at least one suite reported. */
const testsPassed: Check = (policy, facts) => {
  if (!policy.requireTestsPassed) return undefined;
  const latest = new Map<string, { passed: boolean; seq: number }>();
  const runs = new Map<number, (typeof facts.releaseEvents)[number]>();
  for (const event of [...facts.releaseEvents, ...(facts.linkedTestRuns ?? [])]) runs.set(event.seq, event);
  for (const event of [...runs.values()].sort((a, b) => a.seq - b.seq)) {
    if (event.type !== 'tests.completed') continue;
    latest.set(String(data(event).suite), { passed: data(event).passed === true, seq: event.seq });
  }
  const suites = Object.fromEntries([...latest].sort().map(([suite, run]) => [suite, run.passed]));
  const failing = Object.entries(suites)
    .filter(([, passed]) => !passed)
    .map(([suite]) => suite);
  const passed = latest.size > 0 && failing.length === 0;
  const detail =
    latest.size === 0
      ? 'no test suite has reported for this release'
      : passed
        ? `${latest.size} suite(s) passed`
        : `failing: ${failing.join(', ')}`;
  return { name: 'tests-passed', passed, detail, observed: { suites } };
};

/** No open incident of a blocking severity on the service in the target environment. */
const openIncidents: Check = (policy, facts) => {
  if (!policy.blockOnOpenIncidents?.length) return undefined;
  const blocking = new Set<string>(policy.blockOnOpenIncidents);
  const open = facts.serviceEvents
    .filter((e) => e.type === 'incident.opened' && blocking.has(String(data(e).severity)))
    .filter((e) => !facts.resolvedIncidents.has(String(data(e).incidentId)))
    .map((e) => ({
      incidentId: String(data(e).incidentId),
      severity: String(data(e).severity),
      openedAt: e.occurredAt,
    }));
  return {
    name: 'no-open-incidents',
    passed: open.length === 0,
    detail:
      open.length === 0
        ? `no open ${[...blocking].join('/')} incident`
        : `open: ${open.map((o) => `${o.incidentId} (${o.severity})`).join(', ')}`,
    observed: { severities: policy.blockOnOpenIncidents, open },
  };
};

const freeze: Check = (policy, _facts, now) => freezeCheck(policy, now);
const deployWindow: Check = (policy, _facts, now) => deployWindowCheck(policy, now);

/** The service's own recent change failure rate in this environment stays under the threshold. */
const failureRate: Check = (policy, facts, now) => {
  const limit = policy.maxChangeFailureRate;
  if (!limit) return undefined;
  const result = changeFailureRate(
    facts.serviceEvents,
    new Date(now.getTime() - limit.windowDays * DAY),
    now,
  );
  const passed = result.rate === null || result.rate <= limit.threshold;
  return {
    name: 'change-failure-rate',
    passed,
    detail:
      result.rate === null
        ? `no deployments in the last ${limit.windowDays} days`
        : `${result.failed} of ${result.total} deployments needed intervention (${(result.rate * 100).toFixed(1)}%, limit ${(limit.threshold * 100).toFixed(1)}%)`,
    observed: {
      threshold: limit.threshold,
      windowDays: limit.windowDays,
      rate: result.rate,
      failed: result.failed,
      total: result.total,
      failedDeployments: result.failedDeployments,
    },
  };
};

/** Every check, in the order decisions report them. */
export const gateChecks: readonly Check[] = [
  successIn,
  approvals,
  testsPassed,
  openIncidents,
  freeze,
  deployWindow,
  failureRate,
  checklist,
  onCallHandoff,
];
