import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [
  { token: 'closed-admin-token-0001', tenant: 'closed', role: 'admin' },
  { token: 'closed-writer-token-001', tenant: 'closed', role: 'writer' },
] as const;

let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
let writer: ReturnType<typeof apiClient>;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  writer = apiClient(runtime.apiUrl, tokens[1].token);
  const policy = { requireSuccessIn: ['staging'], minSoakMinutes: 30 };
  expect((await admin('PUT', '/v1/policies/api/production', policy)).status).toBe(201);
  expect((await admin('PUT', '/v1/policies/api/staging', { requiredApprovals: 1 })).status).toBe(201);
});

afterAll(async () => {
  await runtime?.stop();
});

const send = (type: string, data: Record<string, unknown>) =>
  writer('POST', '/v1/events', cloudEvent(type, data));
const post = async (type: string, data: Record<string, unknown>) => {
  const response = await send(type, data);
  expect(response.status, JSON.stringify(response.json)).toBe(201);
};
const refusedAt = async (type: string, data: Record<string, unknown>) => {
  const response = await send(type, data);
  expect(response.status, JSON.stringify(response.json)).toBe(400);
  return response.json.error.issues.map((issue: { path: unknown[] }) => issue.path);
};
const decidedGate = (deploymentId: string) =>
  eventually(async () => {
    const view = (await admin('GET', `/v1/deployments/${deploymentId}`)).json.deployment;
    return view?.gate.status === 'pending' ? undefined : view.gate;
  });
const ledger = async () =>
  (await admin('GET', '/v1/events?limit=1000')).json.events as {
    type: string;
    data: Record<string, unknown>;
  }[];

describe('a gate never passes what it cannot judge', () => {
  it('fails the gate of a deployment whose release the ledger does not know', async () => {
    await post('deployment.requested', {
      deploymentId: 'ghost-1',
      environment: 'production',
      releaseId: 'never-created',
    });
    const gate = await decidedGate('ghost-1');
    expect(gate.status).toBe('failed');
    expect(gate.checks).toEqual([
      expect.objectContaining({
        name: 'release_unknown',
        passed: false,
        observed: { releaseId: 'never-created' },
      }),
    ]);
  });

  it('refuses a deployment whose service or version contradicts its release', async () => {
    await post('release.created', { releaseId: 'api-7', service: 'api', version: '7' });
    expect(
      await refusedAt('deployment.requested', {
        deploymentId: 'liar-1',
        environment: 'production',
        releaseId: 'api-7',
        service: 'unpoliced',
      }),
    ).toEqual([['data', 'service']]);
    expect(
      await refusedAt('deployment.started', {
        deploymentId: 'liar-2',
        environment: 'production',
        releaseId: 'api-7',
        version: '8',
      }),
    ).toEqual([['data', 'version']]);
    expect((await ledger()).filter((e) => String(e.data.deploymentId).startsWith('liar-'))).toEqual([]);
    // Nor can the release itself be re-created as another service's.
    const recreated = await send('release.created', {
      releaseId: 'api-7',
      service: 'unpoliced',
      version: '7',
    });
    expect(recreated.status).toBe(409);
    expect(recreated.json.error).toMatchObject({
      code: 'release_id_taken',
      issues: [{ path: ['data', 'releaseId'] }],
    });
  });

  it('refuses a deployment event that contradicts the deployment’s earlier events', async () => {
    await post('release.created', { releaseId: 'api-8', service: 'api', version: '8' });
    await post('release.created', { releaseId: 'api-9', service: 'api', version: '9' });
    await post('approval.granted', { releaseId: 'api-8', environment: 'staging', approver: 'ana' });
    await post('deployment.requested', {
      deploymentId: 'reuse-1',
      environment: 'staging',
      releaseId: 'api-8',
    });
    expect((await decidedGate('reuse-1')).status).toBe('passed');
    // The staging gate passed; the same deployment id must not carry a production start on it.
    expect(
      await refusedAt('deployment.started', {
        deploymentId: 'reuse-1',
        environment: 'production',
        releaseId: 'api-8',
      }),
    ).toEqual([['data', 'environment']]);
    expect(
      await refusedAt('deployment.started', {
        deploymentId: 'reuse-1',
        environment: 'staging',
        releaseId: 'api-9',
      }),
    ).toEqual([['data', 'releaseId']]);
    expect(
      await refusedAt('deployment.succeeded', {
        deploymentId: 'reuse-1',
        environment: 'staging',
        service: 'api',
        version: '9',
      }),
    ).toEqual([['data', 'releaseId']]);
    await post('deployment.started', { deploymentId: 'reuse-1', environment: 'staging', releaseId: 'api-8' });
  });

  it('refuses a rollbackOf that names no earlier success of the same service and environment', async () => {
    await post('release.created', { releaseId: 'api-10', service: 'api', version: '10' });
    await post('deployment.succeeded', {
      deploymentId: 'stg-10',
      environment: 'staging',
      releaseId: 'api-10',
    });
    await post('deployment.failed', {
      deploymentId: 'prod-10f',
      environment: 'production',
      releaseId: 'api-10',
    });
    const rollback = { deploymentId: 'rb-1', environment: 'production', releaseId: 'api-10' };
    expect(await refusedAt('deployment.started', { ...rollback, rollbackOf: 'anything' })).toEqual([
      ['data', 'rollbackOf'],
    ]);
    // Another environment's success, or a failure, is not something production can roll back.
    expect(await refusedAt('deployment.succeeded', { ...rollback, rollbackOf: 'stg-10' })).toEqual([
      ['data', 'rollbackOf'],
    ]);
    expect(await refusedAt('deployment.succeeded', { ...rollback, rollbackOf: 'prod-10f' })).toEqual([
      ['data', 'rollbackOf'],
    ]);
    expect((await ledger()).filter((e) => e.data.deploymentId === 'rb-1')).toEqual([]);

    // A rollback of a production success is remediation: stored, and not marked as a gate bypass.
    await post('deployment.succeeded', {
      deploymentId: 'prod-10',
      environment: 'production',
      releaseId: 'api-10',
    });
    await post('deployment.succeeded', { ...rollback, rollbackOf: 'prod-10' });
    await eventually(async () =>
      (await ledger()).some((e) => e.type === 'gate.bypassed' && e.data.deploymentId === 'prod-10')
        ? true
        : undefined,
    );
    await runtime.bus.idle();
    expect(
      (await ledger()).filter((e) => e.type === 'gate.bypassed' && e.data.deploymentId === 'rb-1'),
    ).toEqual([]);
  });

  it('counts soak time from when the ledger recorded the success, not the producer’s `time`', async () => {
    await post('release.created', { releaseId: 'api-11', service: 'api', version: '11' });
    // The producer claims the staging success happened a day ago; the ledger recorded it just now.
    const response = await writer(
      'POST',
      '/v1/events',
      cloudEvent(
        'deployment.succeeded',
        { deploymentId: 'stg-11', environment: 'staging', releaseId: 'api-11' },
        { time: new Date(Date.now() - 24 * 3_600_000).toISOString() },
      ),
    );
    expect(response.status).toBe(201);
    await post('deployment.requested', {
      deploymentId: 'prod-11',
      environment: 'production',
      releaseId: 'api-11',
    });
    const gate = await decidedGate('prod-11');
    expect(gate.status).toBe('failed');
    expect(gate.checks[0]).toMatchObject({
      name: 'success-in-environments',
      passed: false,
      observed: { environments: [{ environment: 'staging', soakedMinutes: 0 }] },
    });
  });
});
