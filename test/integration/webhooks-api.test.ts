import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient } from '../support/http.ts';
import { type Json, signedHeaders, webhookFixture, withField } from '../support/webhooks.ts';

const tokens = [
  { token: 'hooks-admin-token-00001', tenant: 'acme', role: 'admin' },
  { token: 'hooks-reader-token-0001', tenant: 'acme', role: 'reader' },
] as const;
const SECRETS = {
  github: 'github-secret-for-acme-0001',
  gitlab: 'gitlab-token-for-acme-00001',
  pagerduty: 'pagerduty-secret-for-acme-01',
} as const;

let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
let reader: ReturnType<typeof apiClient>;

/** Posts a body exactly as the provider would: raw bytes, its signature headers, no bearer token. */
async function deliver(
  provider: keyof typeof SECRETS,
  body: Json,
  kind: string,
  extra: Record<string, string> = {},
  tenant = 'acme',
) {
  const text = JSON.stringify(body);
  return apiClient(runtime.apiUrl)('POST', `/v1/webhooks/${provider}?tenant=${tenant}`, text, {
    'content-type': 'application/json',
    ...signedHeaders(provider, SECRETS[provider], text, kind),
    ...extra,
  });
}

/** The events deliveries appended (the ledger's own reactions, appended asynchronously, left out). */
async function ledger() {
  const page = await reader('GET', '/v1/events?limit=1000');
  expect(page.status).toBe(200);
  const events = page.json.events as { type: string; source: string; id: string; data: Json }[];
  return events.filter((event) => event.source !== 'release-ledger');
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  reader = apiClient(runtime.apiUrl, tokens[1].token);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('webhooks over HTTP', () => {
  it('lets an admin set each provider’s secret, never echoing it, and refuses readers and weak secrets', async () => {
    const first = await admin('PUT', '/v1/webhooks/github/secret', { secret: SECRETS.github });
    expect(first).toMatchObject({
      status: 201,
      json: { provider: 'github', url: '/v1/webhooks/github?tenant=acme' },
    });
    expect(JSON.stringify(first.json)).not.toContain(SECRETS.github);
    expect((await admin('PUT', '/v1/webhooks/github/secret', { secret: SECRETS.github })).status).toBe(200);
    expect((await admin('PUT', '/v1/webhooks/gitlab/secret', { secret: SECRETS.gitlab })).status).toBe(201);
    const pagerduty = await admin('PUT', '/v1/webhooks/pagerduty/secret', { secret: SECRETS.pagerduty });
    expect(pagerduty.json).toMatchObject({ environment: 'production' });

    expect((await reader('PUT', '/v1/webhooks/github/secret', { secret: SECRETS.github })).status).toBe(403);
    const weak = await admin('PUT', '/v1/webhooks/github/secret', { secret: 'short' });
    expect(weak).toMatchObject({ status: 400, json: { error: { issues: [{ path: ['secret'] }] } } });
    const misspelt = await admin('PUT', '/v1/webhooks/github/secret', {
      secret: SECRETS.github,
      enviroment: 'x',
    });
    expect(misspelt.status).toBe(400);
    expect((await admin('PUT', '/v1/webhooks/jenkins/secret', { secret: SECRETS.github })).status).toBe(404);
  });

  it('records a push as a release and a deployment of the pushed commit against it, once per redelivery', async () => {
    const push = webhookFixture('github', 'push.default-branch');
    const pushed = await deliver('github', push, 'push', { 'x-github-delivery': 'delivery-push-1' });
    expect(pushed).toMatchObject({ status: 201, json: { events: [{ type: 'release.created' }] } });

    const deployed = withField(
      webhookFixture('github', 'deployment_status.success'),
      ['deployment', 'sha'],
      '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    );
    const created = await deliver('github', deployed, 'deployment_status', {
      'x-github-delivery': 'delivery-1',
    });
    expect(created).toMatchObject({ status: 201, json: { events: [{ type: 'deployment.succeeded' }] } });
    const redelivered = await deliver('github', deployed, 'deployment_status', {
      'x-github-delivery': 'delivery-2',
    });
    expect(redelivered.status).toBe(200);
    expect(redelivered.headers.get('idempotent-replayed')).toBe('true');
    expect(redelivered.json).toEqual(created.json);

    const events = await ledger();
    expect(events.map((e) => e.type)).toEqual(['release.created', 'deployment.succeeded']);
    expect(events[1]).toMatchObject({
      source: 'https://github.com/Codertocat/Hello-World',
      data: { releaseId: 'Hello-World@6113728f27ae82c7b1a177c8d03f9e96e0adf246', environment: 'production' },
    });
    const release = await reader('GET', '/v1/releases/Hello-World@6113728f27ae82c7b1a177c8d03f9e96e0adf246');
    expect(release.json.release).toMatchObject({
      commits: [{ sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246', timestamp: '2019-05-15T15:19:25Z' }],
      implicit: false,
    });
  });

  it('refuses a bad signature, an unknown tenant and a missing tenant, storing nothing', async () => {
    const before = (await ledger()).length;
    const body = webhookFixture('github', 'deployment_status.success');
    const text = JSON.stringify(body);
    const forged = await apiClient(runtime.apiUrl)('POST', '/v1/webhooks/github?tenant=acme', text, {
      'x-github-event': 'deployment_status',
      'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
    });
    expect(forged).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
    const unknownTenant = await deliver('github', body, 'deployment_status', {}, 'nobody');
    expect(unknownTenant.status).toBe(401);
    expect(unknownTenant.json).toEqual(forged.json);
    const unsigned = await apiClient(runtime.apiUrl)('POST', '/v1/webhooks/github?tenant=acme', text, {
      'x-github-event': 'deployment_status',
    });
    expect(unsigned.json).toEqual(forged.json);
    const noTenant = await apiClient(runtime.apiUrl)('POST', '/v1/webhooks/github', text);
    expect(noTenant).toMatchObject({
      status: 400,
      json: { error: { issues: [{ path: ['query', 'tenant'] }] } },
    });
    expect((await ledger()).length).toBe(before);
  });

  it('accepts-and-ignores kinds it does not record (202) and refuses malformed payloads with their path', async () => {
    const before = (await ledger()).length;
    const issue = await deliver('github', { action: 'opened' }, 'issues');
    expect(issue).toMatchObject({ status: 202, json: { ignored: true } });
    const malformed = withField(
      webhookFixture('github', 'deployment_status.success'),
      ['deployment', 'environment'],
      7,
    );
    const refused = await deliver('github', malformed, 'deployment_status');
    expect(refused).toMatchObject({
      status: 400,
      json: { error: { code: 'validation_failed', issues: [{ path: ['deployment', 'environment'] }] } },
    });
    expect((await ledger()).length).toBe(before);
  });

  it('records a GitLab deployment authenticated by its token', async () => {
    const deployment = webhookFixture('gitlab', 'deployment-hook.success');
    const created = await deliver('gitlab', deployment, 'Deployment Hook', { 'idempotency-key': 'gl-1' });
    expect(created).toMatchObject({ status: 201, json: { events: [{ type: 'deployment.succeeded' }] } });
    const wrong = await apiClient(runtime.apiUrl)('POST', '/v1/webhooks/gitlab?tenant=acme', deployment, {
      'x-gitlab-event': 'Deployment Hook',
      'x-gitlab-token': 'not-the-token',
    });
    expect(wrong.status).toBe(401);
  });

  it('opens and resolves a PagerDuty incident and refuses a stale delivery', async () => {
    const now = new Date().toISOString();
    const fresh = (body: Json) => withField(body, ['event', 'occurred_at'], now);
    const opened = await deliver('pagerduty', fresh(webhookFixture('pagerduty', 'incident.triggered')), '');
    expect(opened).toMatchObject({ status: 201, json: { events: [{ type: 'incident.opened' }] } });
    const resolved = await deliver('pagerduty', fresh(webhookFixture('pagerduty', 'incident.resolved')), '');
    expect(resolved).toMatchObject({ status: 201, json: { events: [{ type: 'incident.resolved' }] } });
    const stale = await deliver('pagerduty', webhookFixture('pagerduty', 'incident.triggered'), '');
    expect(stale).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
    expect(stale.json.error.message).toContain('occurred_at');

    const incident = (await ledger()).filter((e) => e.type.startsWith('incident.'));
    expect(incident.map((e) => [e.type, e.data.incidentId])).toEqual([
      ['incident.opened', 'pagerduty-PGR0VU2'],
      ['incident.resolved', 'pagerduty-PGR0VU2'],
    ]);
  });
});
