import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [
  { token: 'triggers-admin-token-001', tenant: 'shop', role: 'admin' },
  { token: 'triggers-writer-token-01', tenant: 'shop', role: 'writer' },
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

const MINUTE = 60_000;
const start = Date.now();
/** Minutes relative to when the test started, as an instant. */
const ago = (minutes: number) => new Date(start - minutes * MINUTE).toISOString();

const post = async (type: string, data: Record<string, unknown>, time: string) => {
  const response = await writer('POST', '/v1/events', cloudEvent(type, data, { time }));
  expect(response.status, JSON.stringify(response.json)).toBe(201);
};
const samples = async (metric: string, points: readonly [minutesAgo: number, value: number][]) => {
  const batch = points.map(([minutes, value], i) => ({
    ...cloudEvent('metric.observed', { service: 'checkout', environment: 'production', metric, value }),
    id: `sample-${metric}-${minutes}-${i}-${Math.random().toString(36).slice(2)}`,
    time: ago(minutes),
  }));
  const response = await writer('POST', '/v1/events', batch, {
    'content-type': 'application/cloudevents-batch+json',
  });
  expect(response.status, JSON.stringify(response.json)).toBe(201);
};
const ledger = async () =>
  (await admin('GET', '/v1/events?limit=1000')).json.events as {
    type: string;
    occurredAt: string;
    data: Record<string, unknown>;
  }[];
const deployment = async (id: string) => (await admin('GET', `/v1/deployments/${id}`)).json.deployment;

const trigger = { name: 'errors-2x', metric: 'error_rate', aboveBaseline: 2, forMinutes: 5 };

describe('rollback triggers agreed before the deployment', () => {
  it('requests one rollback, with the evidence, when error_rate stays above 2× its baseline for 5 minutes', async () => {
    // Given a policy with a 2× trigger, a week of error_rate around 0.02 and checkout 1.0 running,
    const put = await admin('PUT', '/v1/policies/checkout/production', {
      autoRollback: { enabled: true, alarms: ['checkout-5xx'] },
      rollbackTriggers: [trigger],
    });
    expect(put.status, JSON.stringify(put.json)).toBe(201);
    await post(
      'deployment.succeeded',
      { deploymentId: 'co-1', environment: 'production', service: 'checkout', version: '1.0' },
      ago(3 * 24 * 60),
    );
    await samples(
      'error_rate',
      Array.from({ length: 12 }, (_, i) => [60 + i * 600, [0.01, 0.02, 0.03][i % 3] as number]),
    );
    // when 1.1 is deployed (the triggers are agreed at its start), and error_rate then sits at 0.05
    const v11 = { deploymentId: 'co-2', environment: 'production', service: 'checkout', version: '1.1' };
    await post('deployment.started', v11, ago(14));
    await post('deployment.succeeded', v11, ago(12));
    await samples('error_rate', [
      [10, 0.05],
      [9, 0.05],
      [8, 0.05],
      [7, 0.05],
      [6, 0.05],
      [5, 0.05],
    ]);
    // then exactly one rollback.requested is appended, carrying the samples that made it fire.
    const requested = await eventually(async () => {
      const found = (await ledger()).filter((e) => e.type === 'rollback.requested');
      return found.length > 0 ? found : undefined;
    });
    await runtime.bus.idle();
    expect((await ledger()).filter((e) => e.type.startsWith('rollback.'))).toHaveLength(1);
    expect(requested[0]?.data).toEqual({
      deploymentId: 'co-2',
      service: 'checkout',
      environment: 'production',
      fromVersion: '1.1',
      toVersion: '1.0',
      toReleaseId: expect.any(String),
      toDeploymentId: 'co-1',
      trigger: {
        name: 'errors-2x',
        metric: 'error_rate',
        threshold: 0.04,
        baseline: 0.02,
        observed: [10, 9, 8, 7, 6, 5].map((m) => ({ at: ago(m), value: 0.05 })),
        forMinutes: 5,
      },
      reason: expect.stringMatching(
        /^trigger errors-2x: error_rate above 0\.04 \(baseline 0\.02\) for 5 min/,
      ),
      policyVersion: put.json.policyVersion,
    });
    expect((await deployment('co-2')).rollbackRequested).toMatchObject({ toVersion: '1.0' });
  });

  it('keeps showing the agreed triggers after the policy changes, and adds no second decision', async () => {
    const agreedVersion = (await admin('GET', '/v1/policies/checkout/production')).json.policyVersion;
    const edited = await admin('PUT', '/v1/policies/checkout/production', {
      autoRollback: { enabled: true, alarms: ['checkout-5xx'] },
    });
    expect(edited.json.changed).toBe(true);
    expect((await deployment('co-2')).rollbackTriggers).toEqual({
      policyVersion: agreedVersion,
      triggers: [{ ...trigger, baselineDays: 7 }],
    });
    // More breaching samples, and an alarm on the same deployment: still one request, no skips.
    await samples('error_rate', [
      [4, 0.06],
      [3, 0.07],
    ]);
    await runtime.bus.idle();
    expect((await ledger()).filter((e) => e.type.startsWith('rollback.'))).toHaveLength(1);
  });

  it('records a CloudWatch alarm of the policy as alert.fired then alert.resolved, once each', async () => {
    const bus = new EventBridgeClient({
      endpoint: runtime.busEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const arn = 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:checkout-5xx';
    const change = (value: string, previous: string, timestamp: string, previousTimestamp: string) => ({
      Source: 'aws.cloudwatch',
      DetailType: 'CloudWatch Alarm State Change',
      Resources: [arn],
      Detail: JSON.stringify({
        alarmName: 'checkout-5xx',
        state: { value, reason: 'Threshold Crossed', timestamp },
        previousState: { value: previous, timestamp: previousTimestamp },
      }),
    });
    const alarmAt = '2026-12-03T10:00:00.000+0000';
    const okAt = '2026-12-03T10:20:00.000+0000';
    const fired = change('ALARM', 'OK', alarmAt, '2026-12-01T00:00:00.000+0000');
    // Delivered twice (EventBridge is at-least-once), then OK.
    await bus.send(new PutEventsCommand({ Entries: [fired, fired] }));
    await bus.send(new PutEventsCommand({ Entries: [change('OK', 'ALARM', okAt, alarmAt)] }));
    const alerts = await eventually(async () => {
      await runtime.bus.idle();
      const found = (await ledger()).filter((e) => e.type.startsWith('alert.'));
      return found.length >= 2 ? found : undefined;
    });
    // EventBridge does not order deliveries (nor does the local bus), so the OK may be appended first:
    // the ledger keeps arrival order, and each alert carries when it happened.
    const byOccurrence = [...alerts].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    expect(byOccurrence.map((e) => [e.type, e.occurredAt, e.data])).toEqual([
      [
        'alert.fired',
        '2026-12-03T10:00:00.000Z',
        {
          alertId: arn,
          name: 'checkout-5xx',
          service: 'checkout',
          environment: 'production',
          startsAt: '2026-12-03T10:00:00.000Z',
          alarmArn: arn,
          reason: 'Threshold Crossed',
        },
      ],
      [
        'alert.resolved',
        '2026-12-03T10:20:00.000Z',
        expect.objectContaining({ alertId: arn, startsAt: '2026-12-03T10:00:00.000Z' }),
      ],
    ]);
    // The ALARM also asked for a rollback of co-2, which already has its one request.
    expect((await ledger()).filter((e) => e.type === 'rollback.requested')).toHaveLength(1);
  });
});
