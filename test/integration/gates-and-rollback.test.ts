import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBridgeEvent } from '../../infra/local/event-bus.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [
  { token: 'gates-admin-token-00001', tenant: 'shop', role: 'admin' },
  { token: 'gates-writer-token-0001', tenant: 'shop', role: 'writer' },
] as const;

let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
let writer: ReturnType<typeof apiClient>;
const seen: EventBridgeEvent[] = [];

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    tokens: [...tokens],
    extraRules: [
      {
        name: 'observer',
        eventPattern: { source: ['release-ledger'] },
        target: async (event) => void seen.push(event),
      },
    ],
  });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  writer = apiClient(runtime.apiUrl, tokens[1].token);
});

afterAll(async () => {
  await runtime?.stop();
});

const post = async (type: string, data: Record<string, unknown>, id?: string) => {
  const response = await writer('POST', '/v1/events', cloudEvent(type, data, id ? { id } : {}));
  expect(response.status, JSON.stringify(response.json)).toBe(201);
  return response.json.event as { seq: number };
};
/** The real EventBridge SDK client, pointed at the local bus stand-in. */
const busClient = () =>
  new EventBridgeClient({
    endpoint: runtime.busEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
const ledger = async () =>
  (await admin('GET', '/v1/events?limit=1000')).json.events as {
    type: string;
    data: Record<string, unknown>;
  }[];
const decisionsFor = async (type: string, deploymentId: string) =>
  (await ledger()).filter((e) => e.type === type && e.data.deploymentId === deploymentId);
const deployment = async (id: string) => (await admin('GET', `/v1/deployments/${id}`)).json.deployment;

describe('release gates', () => {
  it('stores a policy as a ledger event and serves it with its version', async () => {
    const policy = {
      requireSuccessIn: ['staging'],
      requiredApprovals: 1,
      blockOnOpenIncidents: ['sev1'],
      autoRollback: { enabled: true, severities: ['sev1'], windowMinutes: 60, alarms: ['shop-api-5xx'] },
    };
    const put = await admin('PUT', '/v1/policies/api/production', policy);
    expect(put.status).toBe(201);
    expect(put.json).toMatchObject({
      service: 'api',
      environment: 'production',
      changed: true,
      previousVersion: null,
    });
    const again = await admin('PUT', '/v1/policies/api/production', policy);
    expect(again).toMatchObject({
      status: 200,
      json: { changed: false, policyVersion: put.json.policyVersion },
    });
    const got = await admin('GET', '/v1/policies/api/production');
    expect(got.json).toMatchObject({
      policyVersion: put.json.policyVersion,
      policy: { requiredApprovals: 1 },
    });
    expect((await ledger()).filter((e) => e.type === 'policy.updated')).toHaveLength(1);

    const invalid = await admin('PUT', '/v1/policies/api/production', { requiredApprovals: -1, minSoak: 5 });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.issues.map((i: { path: unknown[] }) => i.path)).toEqual(
      expect.arrayContaining([['requiredApprovals'], []]),
    );
    expect((await writer('PUT', '/v1/policies/api/production', policy)).status).toBe(403);
  });

  it('passes a release that succeeded in staging and was approved, explaining every check', async () => {
    await post('release.created', { releaseId: 'api-1.0', service: 'api', version: '1.0' });
    await post('deployment.succeeded', {
      deploymentId: 'stg-1',
      environment: 'staging',
      releaseId: 'api-1.0',
    });
    await post('approval.granted', { releaseId: 'api-1.0', environment: 'production', approver: 'ana' });
    await post('deployment.requested', {
      deploymentId: 'prod-1',
      environment: 'production',
      releaseId: 'api-1.0',
    });
    const view = await eventually(async () => {
      const d = await deployment('prod-1');
      return d?.gate.status === 'pending' ? undefined : d;
    });
    expect(view.gate).toMatchObject({
      status: 'passed',
      policyVersion: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(view.gate.checks.map((c: { name: string; passed: boolean }) => [c.name, c.passed])).toEqual([
      ['success-in-environments', true],
      ['approvals', true],
      ['no-open-incidents', true],
    ]);
    expect(view.gate.checks[1].observed).toEqual({ required: 1, approvers: ['ana'] });
    // The decision reaches the bus for automation.
    await eventually(() => seen.find((e) => e['detail-type'] === 'gate.evaluated'));
  });

  it('fails a release that never reached staging, and marks its deployment when it goes ahead anyway', async () => {
    await post('release.created', { releaseId: 'api-1.1-hotfix', service: 'api', version: '1.1-hotfix' });
    await post('deployment.requested', {
      deploymentId: 'prod-hot',
      environment: 'production',
      releaseId: 'api-1.1-hotfix',
    });
    const gate = await eventually(async () => {
      const d = await deployment('prod-hot');
      return d.gate.status === 'pending' ? undefined : d.gate;
    });
    expect(gate.status).toBe('failed');
    expect(gate.checks[0]).toMatchObject({ name: 'success-in-environments', passed: false });
    await post('deployment.started', {
      deploymentId: 'prod-hot',
      environment: 'production',
      releaseId: 'api-1.1-hotfix',
    });
    const bypassed = await eventually(async () =>
      (await deployment('prod-hot')).gateBypassed ? true : undefined,
    );
    expect(bypassed).toBe(true);
    const audit = await admin('GET', '/v1/audit/gate-bypasses?limit=10');
    expect(audit.json.bypasses).toEqual([
      expect.objectContaining({
        deploymentId: 'prod-hot',
        releaseId: 'api-1.1-hotfix',
        gateStatus: 'failed',
        environment: 'production',
      }),
    ]);
    expect(await decisionsFor('gate.bypassed', 'prod-hot')).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ gateStatus: 'failed', by: 'deployment.started' }),
      }),
    ]);
  });

  it('decides once per request however often and in whatever order the bus delivers it', async () => {
    const trigger = seen.find(
      (e) =>
        e['detail-type'] === 'deployment.requested' &&
        (e.detail as { data: { deploymentId: string } }).data.deploymentId === 'prod-1',
    );
    expect(trigger).toBeDefined();
    // A late duplicate straight to the function, and a re-sent event through the bus.
    await runtime.invoke('evaluateGate', trigger);
    await runtime.invoke('evaluateGate', trigger);
    const bus = busClient();
    await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'release-ledger',
            DetailType: 'deployment.requested',
            Detail: JSON.stringify(trigger?.detail),
          },
        ],
      }),
    );
    await runtime.bus.idle();
    expect(await decisionsFor('gate.evaluated', 'prod-1')).toHaveLength(1);
  });
});

describe('automated rollback', () => {
  it('requests one rollback to the last good version when incidents and alarms hit a fresh deployment', async () => {
    await post('deployment.succeeded', {
      deploymentId: 'prod-1',
      environment: 'production',
      releaseId: 'api-1.0',
    });
    await post('release.created', { releaseId: 'api-1.2', service: 'api', version: '1.2' });
    await post('deployment.succeeded', {
      deploymentId: 'prod-2',
      environment: 'production',
      releaseId: 'api-1.2',
    });
    await post('incident.opened', {
      incidentId: 'inc-1',
      service: 'api',
      environment: 'production',
      severity: 'sev1',
    });
    await post('incident.opened', {
      incidentId: 'inc-2',
      service: 'api',
      environment: 'production',
      severity: 'sev1',
    });
    const bus = busClient();
    await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'aws.cloudwatch',
            DetailType: 'CloudWatch Alarm State Change',
            Resources: ['arn:aws:cloudwatch:us-east-1:000000000000:alarm:shop-api-5xx'],
            Detail: JSON.stringify({ alarmName: 'shop-api-5xx', state: { value: 'ALARM' } }),
          },
        ],
      }),
    );
    const requested = await eventually(async () => {
      const found = await decisionsFor('rollback.requested', 'prod-2');
      return found.length > 0 ? found : undefined;
    });
    await runtime.bus.idle();
    await eventually(async () =>
      (await ledger()).filter((e) => e.type.startsWith('rollback.')).length >= 2 ? true : undefined,
    );
    expect(await decisionsFor('rollback.requested', 'prod-2')).toHaveLength(1);
    expect(requested[0]?.data).toMatchObject({
      deploymentId: 'prod-2',
      fromVersion: '1.2',
      toVersion: '1.0',
      toReleaseId: 'api-1.0',
      toDeploymentId: 'prod-1',
    });
    expect((await deployment('prod-2')).rollbackRequested).toMatchObject({ toVersion: '1.0' });
    // What a CD hook reacting on the bus receives.
    const onBus = await eventually(() => seen.find((e) => e['detail-type'] === 'rollback.requested'));
    expect(onBus.detail).toMatchObject({
      tenant: 'shop',
      data: { service: 'api', environment: 'production', toVersion: '1.0' },
    });

    await post('deployment.succeeded', {
      deploymentId: 'prod-3',
      environment: 'production',
      releaseId: 'api-1.0',
      rollbackOf: 'prod-2',
      planned: false,
    });
    expect((await deployment('prod-2')).status).toBe('rolled_back');
  });

  it('records why it did not roll back', async () => {
    await post('incident.opened', {
      incidentId: 'inc-9',
      service: 'api',
      environment: 'production',
      severity: 'sev3',
    });
    const skipped = await eventually(async () => {
      const found = (await ledger()).filter(
        (e) =>
          e.type === 'rollback.skipped' && (e.data.trigger as { incidentId?: string }).incidentId === 'inc-9',
      );
      return found.length > 0 ? found : undefined;
    });
    expect(skipped[0]?.data.reason).toBe('severity sev3 does not trigger auto-rollback (sev1 do)');
  });
});
