import { describe, expect, it } from 'vitest';
import { GateEvaluatedSchema } from '../../../../domain/events/decision-events.ts';
import { nativeEventSchemas } from '../../../../domain/events/native-events.ts';
import { evaluateGate } from '../../../../domain/gates/evaluate-gate.ts';
import type { GateFacts } from '../../../../domain/gates/gate-facts.ts';
import type { StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import { type Policy, PolicySchema, policyVersion } from '../../../../domain/policies/policy.ts';
import { history } from '../../../support/stored-events.ts';

const AT = '2026-12-01T10:00:00Z';

/** A ledger history: the release `web-3` of alice's and bob's commits, then whatever the test adds. */
function ledger() {
  const h = history();
  h.at('release.created', '2026-12-01T08:00:00Z', {
    releaseId: 'web-3',
    service: 'web',
    version: '3.0',
    commits: [
      { sha: 'a1', timestamp: '2026-11-30T10:00:00Z', author: 'alice@example.com' },
      { sha: 'b2', timestamp: '2026-11-30T11:00:00Z', author: { name: 'Bob', login: 'bob' } },
    ],
  });
  const completed = (item: string, by: string, environment = 'production') =>
    h.at('checklist.item.completed', '2026-12-01T09:00:00Z', { releaseId: 'web-3', environment, item, by });
  const acknowledged = (fields: Record<string, unknown>) =>
    h.at('oncall.handoff.acknowledged', '2026-12-01T09:30:00Z', { environment: 'production', ...fields });
  return { ...h, completed, acknowledged };
}

/** when the gate judges deployment `web-3-prod` of `web-3` to production under `policy`. */
function gate(
  policy: Policy,
  releaseEvents: readonly StoredEvent[],
  deploymentEvents: readonly StoredEvent[] = [],
) {
  const parsed = PolicySchema.parse(policy);
  const facts: GateFacts = {
    request: {
      deploymentId: 'web-3-prod',
      releaseId: 'web-3',
      service: 'web',
      environment: 'production',
      seq: 1000,
      recordedAt: AT,
    },
    policy: { policy: parsed, version: policyVersion(parsed) },
    releaseEvents,
    deploymentEvents,
    serviceEvents: [],
    resolvedIncidents: new Set(),
  };
  const decision = evaluateGate(facts);
  expect(GateEvaluatedSchema.parse(decision)).toEqual(decision);
  return decision;
}
const named = (decision: ReturnType<typeof gate>, name: string) =>
  decision.checks.find((c) => c.name === name);

const missingOf = (check: { observed: unknown } | undefined) =>
  (check?.observed as { missing?: unknown } | undefined)?.missing;

const checklistPolicy: Policy = {
  checklist: [{ item: 'smoke test' }, { item: 'release notes reviewed', distinctFromAuthor: true }],
};

describe('gate check: checklist', () => {
  it('given no item completed, when the gate judges, then it fails and observed lists every missing item', () => {
    const h = ledger();
    h.completed('smoke test', 'carol', 'staging');
    const decision = gate(checklistPolicy, h.events);
    expect(decision.decision).toBe('failed');
    expect(named(decision, 'checklist')).toEqual({
      name: 'checklist',
      passed: false,
      detail: 'missing for production: smoke test; release notes reviewed',
      observed: {
        environment: 'production',
        items: [
          { item: 'smoke test', distinctFromAuthor: false, completedBy: [], completed: false },
          { item: 'release notes reviewed', distinctFromAuthor: true, completedBy: [], completed: false },
        ],
        missing: [
          { item: 'smoke test', reason: 'not_completed', completedBy: [] },
          { item: 'release notes reviewed', reason: 'not_completed', completedBy: [] },
        ],
      },
    });
  });

  it('given an item that asks for a distinct completer completed only by commit authors, then that item is missing', () => {
    const h = ledger();
    h.completed('smoke test', 'alice@example.com');
    // Bob's login, in another case: identities compare case-insensitively, as in the change report.
    h.completed('release notes reviewed', ' BOB ');
    const check = named(gate(checklistPolicy, h.events), 'checklist');
    expect(check?.passed).toBe(false);
    expect(check?.detail).toBe(
      'missing for production: release notes reviewed (only by a commit author: BOB)',
    );
    expect(missingOf(check)).toEqual([
      { item: 'release notes reviewed', reason: 'completed_by_author', completedBy: ['BOB'] },
    ]);
  });

  it('given every item completed, the distinct one by someone who wrote none of the commits, then it passes', () => {
    const h = ledger();
    h.completed('smoke test', 'alice@example.com');
    h.completed('release notes reviewed', 'bob');
    h.completed('release notes reviewed', 'dana');
    const decision = gate(checklistPolicy, h.events);
    expect(decision.decision).toBe('passed');
    expect(named(decision, 'checklist')).toMatchObject({
      passed: true,
      detail: '2 checklist item(s) completed for production',
      observed: { missing: [] },
    });
  });

  it('given a release whose commits name no author, then a distinct completer cannot be shown', () => {
    const h = history();
    h.at('release.created', '2026-12-01T08:00:00Z', { releaseId: 'web-3', service: 'web', version: '3.0' });
    h.at('checklist.item.completed', '2026-12-01T09:00:00Z', {
      releaseId: 'web-3',
      environment: 'production',
      item: 'release notes reviewed',
      by: 'dana',
    });
    const check = named(
      gate({ checklist: [{ item: 'release notes reviewed', distinctFromAuthor: true }] }, h.events),
      'checklist',
    );
    expect(check?.passed).toBe(false);
    expect(missingOf(check)).toEqual([
      { item: 'release notes reviewed', reason: 'no_author_known', completedBy: ['dana'] },
    ]);
  });

  it('given a checklist naming an item twice, when the policy is parsed, then it is refused at that item', () => {
    const parsed = PolicySchema.safeParse({ checklist: [{ item: 'a' }, { item: 'a' }] });
    expect(parsed.error?.issues.map((i) => i.path)).toEqual([['checklist', 1, 'item']]);
  });
});

describe('gate check: onCallHandoff', () => {
  const policy: Policy = { onCall: { requireHandoff: true, escalation: 'page #web-oncall' } };

  it('given no acknowledgement, then it fails naming the deployment and the release', () => {
    const h = ledger();
    h.acknowledged({ deploymentId: 'web-2-prod', engineer: 'erin' });
    h.acknowledged({ releaseId: 'web-3', environment: 'staging', engineer: 'erin' });
    const check = named(gate(policy, h.events), 'onCallHandoff');
    expect(check).toEqual({
      name: 'onCallHandoff',
      passed: false,
      detail: 'no on-call handoff acknowledged for deployment web-3-prod or release web-3 in production',
      observed: {
        deploymentId: 'web-3-prod',
        releaseId: 'web-3',
        environment: 'production',
        acknowledgements: [],
      },
    });
  });

  it('given an acknowledgement of the deployment (in its stream), then it passes with who and when', () => {
    const release = ledger();
    const ack = release.acknowledged({ deploymentId: 'web-3-prod', engineer: 'frank' });
    const decision = gate(policy, release.events.slice(0, 1), [ack]);
    expect(decision.decision).toBe('passed');
    expect(named(decision, 'onCallHandoff')).toMatchObject({
      passed: true,
      detail: 'handed off to frank',
      observed: {
        acknowledgements: [{ engineer: 'frank', scope: 'deployment', at: ack.recordedAt, seq: ack.seq }],
      },
    });
  });

  it('given an acknowledgement of the release in the environment, then every deployment of it there passes', () => {
    const h = ledger();
    h.acknowledged({ releaseId: 'web-3', engineer: 'gina' });
    expect(named(gate(policy, h.events), 'onCallHandoff')).toMatchObject({
      passed: true,
      observed: { acknowledgements: [{ engineer: 'gina', scope: 'release' }] },
    });
  });

  it('given a policy that does not require a handoff, then there is no onCallHandoff check', () => {
    const decision = gate({ onCall: { runbooks: ['https://wiki.example.com/web'] } }, ledger().events);
    expect(decision.checks).toEqual([]);
  });

  it('refuses an acknowledgement naming neither a deployment nor a release, and non-http runbooks', () => {
    const ack = nativeEventSchemas['oncall.handoff.acknowledged'].safeParse({
      environment: 'production',
      engineer: 'frank',
    });
    expect(ack.error?.issues.map((i) => i.path)).toEqual([['deploymentId']]);
    expect(
      PolicySchema.safeParse({ onCall: { runbooks: ['javascript:alert(1)'] } }).error?.issues[0]?.path,
    ).toEqual(['onCall', 'runbooks', 0]);
  });
});
