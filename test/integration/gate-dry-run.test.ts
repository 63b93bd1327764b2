import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [
  { token: 'dryrun-admin-token-0001', tenant: 'shop', role: 'admin' },
  { token: 'dryrun-writer-token-001', tenant: 'shop', role: 'writer' },
] as const;

let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
let writer: ReturnType<typeof apiClient>;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  writer = apiClient(runtime.apiUrl, tokens[1].token);
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

const post = async (type: string, data: Record<string, unknown>) => {
  const response = await writer('POST', '/v1/events', cloudEvent(type, data));
  expect(response.status, JSON.stringify(response.json)).toBe(201);
};
const gateDecision = async (deploymentId: string) =>
  eventually(async () => {
    const events = (await admin('GET', '/v1/events?limit=1000')).json.events as {
      type: string;
      data: Record<string, unknown>;
    }[];
    return events.find((e) => e.type === 'gate.evaluated' && e.data.deploymentId === deploymentId)?.data;
  });

describe('dry-run gates on the local runtime', () => {
  it('given policy mode dry-run, when an unapproved release is requested, then the ledger records the failing verdict marked dryRun', async () => {
    await post('release.created', { releaseId: 'web-1', service: 'web', version: '1.0.0' });
    const put = await admin('PUT', '/v1/policies/web/production', { requiredApprovals: 1, mode: 'dry-run' });
    expect(put.status, JSON.stringify(put.json)).toBe(201);
    await post('deployment.requested', {
      deploymentId: 'web-dry-1',
      environment: 'production',
      releaseId: 'web-1',
    });
    const decision = await gateDecision('web-dry-1');
    expect(decision).toMatchObject({ decision: 'failed', dryRun: true, service: 'web' });
    expect(decision.checks).toEqual([expect.objectContaining({ name: 'approvals', passed: false })]);
    const view = await writer('GET', '/v1/deployments/web-dry-1');
    expect(view.json.deployment.gate).toMatchObject({ status: 'failed', dryRun: true });

    // The pipeline was answered passed and deploys: adopting a gate is not bypassing it.
    await post('deployment.started', {
      deploymentId: 'web-dry-1',
      environment: 'production',
      releaseId: 'web-1',
    });
    await post('deployment.requested', {
      deploymentId: 'web-dry-2',
      environment: 'production',
      releaseId: 'web-1',
    });
    await gateDecision('web-dry-2');
    const bypasses = await admin('GET', '/v1/audit/gate-bypasses');
    expect(bypasses.status).toBe(200);
    expect(JSON.stringify(bypasses.json)).not.toContain('web-dry-1');
  }, 120_000);

  it('given an enforcing policy, when a request asks dryRun: true, then only that decision is a dry run', async () => {
    await post('release.created', { releaseId: 'shop-1', service: 'shop', version: '1.0.0' });
    expect((await admin('PUT', '/v1/policies/shop/production', { requiredApprovals: 1 })).status).toBe(201);
    await post('deployment.requested', {
      deploymentId: 'shop-dry',
      environment: 'production',
      releaseId: 'shop-1',
      dryRun: true,
    });
    await post('deployment.requested', {
      deploymentId: 'shop-real',
      environment: 'production',
      releaseId: 'shop-1',
    });
    expect(await gateDecision('shop-dry')).toMatchObject({ decision: 'failed', dryRun: true });
    const enforced = await gateDecision('shop-real');
    expect(enforced.decision).toBe('failed');
    expect(Object.hasOwn(enforced, 'dryRun')).toBe(false);
  }, 120_000);

  it('given a policy with an unknown mode, when it is put, then it is refused at the mode field and nothing is written', async () => {
    const put = await admin('PUT', '/v1/policies/web/staging', { mode: 'shadow' });
    expect(put.status).toBe(400);
    expect(put.json).toMatchObject({ error: { code: 'validation_failed' } });
    expect(JSON.stringify(put.json)).toContain('mode');
    expect((await admin('GET', '/v1/policies/web/staging')).status).toBe(404);
  }, 60_000);
});
