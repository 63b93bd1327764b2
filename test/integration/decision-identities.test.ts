import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../functions/adapters/clients.ts';
import type { EventBridgeEvent } from '../../infra/local/event-bus.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';
import { incoming } from '../support/incoming-events.ts';

const tokens = [
  { token: 'identities-admin-token-1', tenant: 'shop', role: 'admin' },
  { token: 'identities-writer-token1', tenant: 'shop', role: 'writer' },
] as const;

let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
let writer: ReturnType<typeof apiClient>;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  writer = apiClient(runtime.apiUrl, tokens[1].token);
});

afterAll(async () => {
  await runtime?.stop();
});

interface LedgerEventJson {
  seq: number;
  type: string;
  source: string;
  id: string;
  data: Record<string, unknown>;
}

const post = async (type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const response = await writer('POST', '/v1/events', cloudEvent(type, data, extra));
  expect(response.status, JSON.stringify(response.json)).toBe(201);
  return response.json.event as { seq: number };
};
const ledger = async () => (await admin('GET', '/v1/events?limit=1000')).json.events as LedgerEventJson[];
const deployment = async (id: string) => (await admin('GET', `/v1/deployments/${id}`)).json.deployment;
const decisionsFor = async (type: string, deploymentId: string) =>
  (await ledger()).filter((e) => e.type === type && e.data.deploymentId === deploymentId);
/** The bus event the relay publishes for a stored entry (the stored event is a superset of its detail). */
const busEventOf = (stored: LedgerEventJson): EventBridgeEvent => ({
  version: '0',
  id: `trigger-${stored.seq}`,
  'detail-type': stored.type,
  source: 'release-ledger',
  account: '000000000000',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [],
  detail: stored,
});
const storedAt = async (seq: number) => (await ledger()).find((e) => e.seq === seq) as LedgerEventJson;

describe("the ledger's decision identities cannot be pre-claimed", () => {
  it('refuses a client event under the ledger source, so a deployment started unguarded is still marked', async () => {
    // Given a policy that gates pay in production
    expect(
      (await admin('PUT', '/v1/policies/pay/production', { requireSuccessIn: ['staging'] })).status,
    ).toBe(201);
    await post('release.created', { releaseId: 'pay-1', service: 'pay', version: '1' });
    // When a writer tries to claim the bypass decision of a deployment before starting it
    const claim = await writer(
      'POST',
      '/v1/events',
      cloudEvent(
        'tests.completed',
        { releaseId: 'pay-1', suite: 'unit', passed: true },
        { source: 'release-ledger', id: 'gate-bypass:evil-1' },
      ),
    );
    // Then the claim is refused on its source, and the unguarded start is marked as a bypass
    expect(claim.status).toBe(400);
    expect(claim.json.error.issues.map((i: { path: unknown[] }) => i.path)).toEqual([['source']]);
    await post('deployment.started', {
      deploymentId: 'evil-1',
      environment: 'production',
      releaseId: 'pay-1',
    });
    const view = await eventually(async () => {
      const d = await deployment('evil-1');
      return d?.gateBypassed ? d : undefined;
    });
    expect(view.gateBypassed).toBe(true);
  });

  it('refuses a pre-posted rollback identity, so a sev1 incident still requests a rollback', async () => {
    // Given auto-rollback for cart and two successful deployments
    const policy = { autoRollback: { enabled: true, severities: ['sev1'], windowMinutes: 60 } };
    expect((await admin('PUT', '/v1/policies/cart/production', policy)).status).toBe(201);
    await post('deployment.succeeded', {
      deploymentId: 'cart-good',
      environment: 'production',
      service: 'cart',
      version: '1.0',
    });
    await post('deployment.succeeded', {
      deploymentId: 'evil-2',
      environment: 'production',
      service: 'cart',
      version: '1.1',
    });
    // When a writer tries to claim the rollback decision of the newer one in binary mode
    const claim = await writer(
      'POST',
      '/v1/events',
      JSON.stringify({ releaseId: 'cart@1.1', suite: 'unit', passed: true }),
      {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'rollback:evil-2',
        'ce-source': 'release-ledger',
        'ce-type': 'tests.completed',
      },
    );
    expect(claim.status).toBe(400);
    expect(claim.json.error.issues.map((i: { path: unknown[] }) => i.path)).toEqual([['source']]);
    // Then a sev1 incident requests the rollback
    const incident = await post('incident.opened', {
      incidentId: 'cart-inc-1',
      service: 'cart',
      environment: 'production',
      severity: 'sev1',
    });
    const requested = await eventually(async () => {
      const found = await decisionsFor('rollback.requested', 'evil-2');
      return found.length > 0 ? found : undefined;
    });
    expect(requested[0]?.data).toMatchObject({ toDeploymentId: 'cart-good', toVersion: '1.0' });

    // And a second incident, a different decision for the identity the ledger itself decided, is dropped
    // quietly: the stored decision is the ledger's own rollback.requested.
    const second = await post('incident.opened', {
      incidentId: 'cart-inc-2',
      service: 'cart',
      environment: 'production',
      severity: 'sev1',
    });
    await runtime.bus.idle();
    for (const seq of [incident.seq, second.seq]) {
      await expect(
        runtime.invoke('requestRollback', busEventOf(await storedAt(seq))),
      ).resolves.toBeUndefined();
    }
    expect(await decisionsFor('rollback.requested', 'evil-2')).toHaveLength(1);
  });

  it('fails loudly on an identity a client claimed before the source was reserved, and the ledger still verifies', async () => {
    // Given a ledger that holds a client event under the ledger's source, stored before ingest refused it
    await adapters().eventStore.appendEvents('shop', [
      incoming(
        'tests.completed',
        { releaseId: 'pay-1', suite: 'unit', passed: true },
        { source: 'release-ledger', id: 'gate-bypass:legacy-1' },
      ),
    ]);
    const started = await post('deployment.started', {
      deploymentId: 'legacy-1',
      environment: 'production',
      releaseId: 'pay-1',
    });
    await runtime.bus.idle();
    // When the bypass check runs for that deployment
    const run = runtime.invoke('checkGateBypass', busEventOf(await storedAt(started.seq)));
    // Then it fails as an integrity error instead of taking the client's event for its decision
    await expect(run).rejects.toMatchObject({ code: 'decision_integrity' });
    expect(await decisionsFor('gate.bypassed', 'legacy-1')).toEqual([]);
    // And the ledger, history unchanged, still verifies
    const verified = await admin('GET', '/v1/audit/verify');
    expect(verified.json).toMatchObject({ ok: true });
  });
});

describe('policy changes', () => {
  it('puts back an earlier policy each time it is applied, answering from what was recorded', async () => {
    const a = { requiredApprovals: 1 };
    const b = { requiredApprovals: 2 };
    const answers = [];
    for (const policy of [a, b, a, b]) {
      answers.push((await admin('PUT', '/v1/policies/search/production', policy)).json);
    }
    expect(answers.map((answer) => answer.changed)).toEqual([true, true, true, true]);
    const inForce = await admin('GET', '/v1/policies/search/production');
    expect(inForce.json).toMatchObject({ policy: b, policyVersion: answers[3].policyVersion });

    const again = await admin('PUT', '/v1/policies/search/production', b);
    expect(again).toMatchObject({ status: 200, json: { changed: false } });
    const updates = (await ledger()).filter(
      (e) => e.type === 'policy.updated' && e.data.service === 'search',
    );
    expect(updates.map((e) => (e.data.policy as { requiredApprovals: number }).requiredApprovals)).toEqual([
      1, 2, 1, 2,
    ]);
  });
});

describe('reactions act only on what the ledger holds', () => {
  it('refuses bus events whose tenant, seq, type, data or hash disagree with the stored entry', async () => {
    // Given web with a policy and two successful deployments, the newer one ungated
    const policy = { requireSuccessIn: ['staging'], autoRollback: { enabled: true, severities: ['sev1'] } };
    expect((await admin('PUT', '/v1/policies/web/production', policy)).status).toBe(201);
    await post('deployment.succeeded', {
      deploymentId: 'web-1',
      environment: 'production',
      service: 'web',
      version: '1',
    });
    const requestedAt = await post('deployment.requested', {
      deploymentId: 'web-2',
      environment: 'production',
      service: 'web',
      version: '2',
    });
    const succeeded = await post('deployment.succeeded', {
      deploymentId: 'web-2',
      environment: 'production',
      service: 'web',
      version: '2',
    });
    await eventually(async () =>
      (await decisionsFor('gate.bypassed', 'web-2')).length > 0 ? true : undefined,
    );
    await runtime.bus.idle();
    const request = await storedAt(requestedAt.seq);
    const success = await storedAt(succeeded.seq);
    const before = await ledger();

    // When forged events reach each reaction
    const forgeries: [Parameters<LocalRuntime['invoke']>[0], EventBridgeEvent][] = [
      // the data of a real request swapped for another deployment's
      ['evaluateGate', busEventOf({ ...request, data: { ...request.data, deploymentId: 'forged-1' } })],
      // an incident that is not in the ledger, pointing at the seq of a deployment
      [
        'requestRollback',
        busEventOf({
          ...success,
          type: 'incident.opened',
          data: { incidentId: 'forged-inc', service: 'web', environment: 'production', severity: 'sev1' },
        }),
      ],
      // a start that never happened, under the seq and hash of a real success
      [
        'checkGateBypass',
        busEventOf({
          ...success,
          type: 'deployment.started',
          data: { ...success.data, deploymentId: 'forged-2' },
        }),
      ],
      // a real entry claimed for another tenant
      ['evaluateGate', busEventOf({ ...request, tenant: 'other' } as LedgerEventJson)],
      // a real entry with another hash
      ['evaluateGate', busEventOf({ ...request, hash: '0'.repeat(64) } as LedgerEventJson)],
    ];
    for (const [name, forged] of forgeries) await runtime.invoke(name, forged);

    // Then none of them recorded a decision, in this tenant or the one named
    expect(await ledger()).toEqual(before);
    expect((await adapters().eventStore.readLedger('other', 0, 10)).events).toEqual([]);
  });
});
