import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [
  { token: 'handoff-admin-token-0001', tenant: 'shop', role: 'admin' },
  { token: 'handoff-writer-token-001', tenant: 'shop', role: 'writer' },
  { token: 'handoff-reader-token-001', tenant: 'shop', role: 'reader' },
] as const;

let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
let writer: ReturnType<typeof apiClient>;
let reader: ReturnType<typeof apiClient>;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  writer = apiClient(runtime.apiUrl, tokens[1].token);
  reader = apiClient(runtime.apiUrl, tokens[2].token);
});

afterAll(async () => {
  await runtime?.stop();
});

const post = async (type: string, data: Record<string, unknown>) => {
  const response = await writer('POST', '/v1/events', cloudEvent(type, data));
  expect(response.status, JSON.stringify(response.json)).toBe(201);
  return response.json.event as { seq: number; stream: string };
};
/** Asks the gate for `deploymentId` (again) and waits for the decision on this request. */
const decide = async (deploymentId: string) => {
  const { seq } = await post('deployment.requested', {
    deploymentId,
    environment: 'production',
    releaseId: 'cart-2',
  });
  return eventually(async () => {
    const gate = (await reader('GET', `/v1/deployments/${deploymentId}`)).json.deployment?.gate;
    return gate?.status === 'pending' ? undefined : gate;
  }).then((gate) => ({ ...gate, requestSeq: seq }));
};
const check = (
  gate: { checks: { name: string; passed: boolean; detail: string; observed: unknown }[] },
  name: string,
) =>
  gate.checks.find((c) => c.name === name) as {
    passed: boolean;
    detail: string;
    observed: { missing: { item: string }[] };
  };

const policy = {
  checklist: [{ item: 'smoke test' }, { item: 'feature flags reviewed', distinctFromAuthor: true }],
  onCall: {
    requireHandoff: true,
    runbooks: ['https://wiki.example.com/cart/runbook'],
    dashboards: ['https://grafana.example.com/d/cart'],
    escalation: 'page #cart-oncall, then the payments lead',
    rollbackProcedure: 'release-ledger deploy succeed --rollback-of <id> after helm rollback cart',
  },
  autoRollback: { enabled: true, severities: ['sev1'], windowMinutes: 30, alarms: [] },
};

describe('checklists and the on-call handoff as gate checks', () => {
  it('given a policy, when items, acknowledgements and requests arrive, then the gate and the briefing follow the ledger', async () => {
    // Given cart 1 running in production and cart 2 by alice, and a sev2 incident still open on cart
    await post('release.created', {
      releaseId: 'cart-1',
      service: 'cart',
      version: '1.0',
      commits: [{ sha: 'c0ffee01', timestamp: '2026-11-01T10:00:00Z', author: 'alice' }],
    });
    await post('deployment.succeeded', {
      deploymentId: 'cart-1-prod',
      environment: 'production',
      releaseId: 'cart-1',
    });
    await post('release.created', {
      releaseId: 'cart-2',
      service: 'cart',
      version: '2.0',
      commits: [
        { sha: 'c0ffee01', timestamp: '2026-11-01T10:00:00Z', author: 'alice' },
        { sha: 'c0ffee02', timestamp: '2026-12-01T10:00:00Z', author: 'alice', message: 'Split the basket' },
      ],
    });
    await post('incident.opened', {
      incidentId: 'INC-7',
      service: 'cart',
      environment: 'production',
      severity: 'sev2',
      title: 'slow checkout',
    });
    expect((await admin('PUT', '/v1/policies/cart/production', policy)).status).toBe(201);

    // When nothing is done, then both checks fail and say what is missing
    const first = await decide('cart-2-prod');
    expect(first.status).toBe('failed');
    expect(check(first, 'checklist').observed.missing.map((m: { item: string }) => m.item)).toEqual([
      'smoke test',
      'feature flags reviewed',
    ]);
    expect(check(first, 'onCallHandoff').passed).toBe(false);

    // When alice (the author) does both items, then only the one that asks for someone else is missing
    await post('checklist.item.completed', {
      releaseId: 'cart-2',
      environment: 'production',
      item: 'smoke test',
      by: 'alice',
    });
    await post('checklist.item.completed', {
      releaseId: 'cart-2',
      environment: 'production',
      item: 'feature flags reviewed',
      by: 'alice',
    });
    const second = await decide('cart-2-prod');
    expect(check(second, 'checklist').observed.missing).toEqual([
      { item: 'feature flags reviewed', reason: 'completed_by_author', completedBy: ['alice'] },
    ]);

    // When bob reviews the flags and the on-call engineer acknowledges the deployment, then the gate passes
    await post('checklist.item.completed', {
      releaseId: 'cart-2',
      environment: 'production',
      item: 'feature flags reviewed',
      by: 'bob',
    });
    const ack = await post('oncall.handoff.acknowledged', {
      deploymentId: 'cart-2-prod',
      environment: 'production',
      engineer: 'olga',
    });
    expect(ack.stream).toBe('deployment/cart-2-prod');
    const third = await decide('cart-2-prod');
    expect(third.status).toBe('passed');
    expect(check(third, 'onCallHandoff')).toMatchObject({ passed: true, detail: 'handed off to olga' });

    // Then the briefing (readers and writers) tells the on-call engineer what they took on
    const briefing = await reader('GET', '/v1/deployments/cart-2-prod/handoff');
    expect(briefing.status).toBe(200);
    expect(briefing.json.handoff).toMatchObject({
      deploymentId: 'cart-2-prod',
      service: 'cart',
      version: '2.0',
      environment: 'production',
      whatChanged: {
        commits: [{ sha: 'c0ffee01' }, { sha: 'c0ffee02' }],
        changes: [{ sha: 'c0ffee02', message: 'Split the basket' }],
        previous: { deploymentId: 'cart-1-prod', version: '1.0', releaseId: 'cart-1' },
      },
      openIncidents: [{ incidentId: 'INC-7', severity: 'sev2', title: 'slow checkout' }],
      rollback: {
        triggers: [],
        autoRollback: policy.autoRollback,
        procedure: policy.onCall.rollbackProcedure,
        target: { deploymentId: 'cart-1-prod', version: '1.0' },
      },
      runbooks: policy.onCall.runbooks,
      dashboards: policy.onCall.dashboards,
      escalation: policy.onCall.escalation,
      handoff: {
        required: true,
        acknowledged: true,
        acknowledgements: [{ engineer: 'olga', scope: 'deployment', seq: ack.seq }],
      },
    });
    expect((await writer('GET', '/v1/deployments/cart-2-prod/handoff')).status).toBe(200);
    expect((await reader('GET', '/v1/deployments/nope/handoff')).json.error.code).toBe('not_found');
  });

  it('given an acknowledgement of the release in the environment, then a new deployment of it needs no other', async () => {
    await post('oncall.handoff.acknowledged', {
      releaseId: 'cart-2',
      environment: 'production',
      engineer: 'piet',
    });
    const gate = await decide('cart-2-prod-retry');
    expect(check(gate, 'onCallHandoff')).toMatchObject({
      passed: true,
      observed: { acknowledgements: [{ engineer: 'piet', scope: 'release' }] },
    });
    expect(gate.status).toBe('passed');
  });

  it('refuses an acknowledgement naming no deployment or release with 400 and the field', async () => {
    const response = await writer(
      'POST',
      '/v1/events',
      cloudEvent('oncall.handoff.acknowledged', { environment: 'production', engineer: 'x' }),
    );
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.json.error)).toContain('deploymentId');
  });
});
