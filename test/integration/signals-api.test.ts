import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient } from '../support/http.ts';
import { webhookFixture } from '../support/webhooks.ts';

const tokens = [
  { token: 'signals-admin-token-0001', tenant: 'acme', role: 'admin' },
  { token: 'signals-writer-token-001', tenant: 'acme', role: 'writer' },
] as const;
const SECRET = 'alertmanager-secret-for-acme-1';

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
});
afterAll(async () => {
  await runtime?.stop();
});

describe('release-health signals over HTTP', () => {
  it('records each Alertmanager alert once however often the group is delivered', async () => {
    const admin = apiClient(runtime.apiUrl, tokens[0].token);
    expect((await admin('PUT', '/v1/webhooks/alertmanager/secret', { secret: SECRET })).status).toBe(201);
    const deliver = (credential: string) =>
      apiClient(runtime.apiUrl)(
        'POST',
        '/v1/webhooks/alertmanager?tenant=acme',
        JSON.stringify(webhookFixture('alertmanager', 'group')),
        { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      );
    expect((await deliver('wrong-credential-000000')).status).toBe(401);
    const first = await deliver(SECRET);
    expect(first.status).toBe(201);
    expect(first.json.events.map((e: { type: string }) => e.type)).toEqual(['alert.fired', 'alert.resolved']);
    const again = await deliver(SECRET);
    expect(again.status).toBe(200);
  });

  it('takes a batch of metric samples as one request', async () => {
    const writer = apiClient(runtime.apiUrl, tokens[1].token);
    const sample = (id: string, value: number) => ({
      specversion: '1.0',
      id,
      source: 'https://prometheus.example.com',
      type: 'metric.observed',
      time: '2026-12-03T07:40:00Z',
      data: { service: 'api', environment: 'prod', metric: 'error_rate', value, unit: 'ratio' },
    });
    const batch = await writer('POST', '/v1/events', [sample('m1', 0.01), sample('m2', 0.07)], {
      'content-type': 'application/cloudevents-batch+json',
    });
    expect(batch.status).toBe(201);
    expect(batch.json.events).toHaveLength(2);
  });
});
