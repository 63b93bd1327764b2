import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBridgeEvent } from '../../infra/local/event-bus.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [
  { token: 'acme-writer-token-0001', tenant: 'acme', role: 'writer' },
  { token: 'acme-reader-token-0001', tenant: 'acme', role: 'reader' },
  { token: 'acme-admin-token-00001', tenant: 'acme', role: 'admin' },
  { token: 'other-admin-token-0001', tenant: 'other', role: 'admin' },
] as const;

let runtime: LocalRuntime;
const delivered: EventBridgeEvent[] = [];
let writer: ReturnType<typeof apiClient>;
let reader: ReturnType<typeof apiClient>;
let other: ReturnType<typeof apiClient>;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    tokens: [...tokens],
    extraRules: [
      {
        name: 'test-observer',
        eventPattern: { source: ['release-ledger'], 'detail-type': [{ prefix: 'release.' }] },
        target: async (event) => {
          delivered.push(event);
        },
      },
    ],
  });
  writer = apiClient(runtime.apiUrl, tokens[0].token);
  reader = apiClient(runtime.apiUrl, tokens[1].token);
  other = apiClient(runtime.apiUrl, tokens[3].token);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the local runtime over HTTP', () => {
  it('answers health without a token', async () => {
    const response = await apiClient(runtime.apiUrl)('GET', '/v1/health');
    expect(response).toMatchObject({ status: 200, json: { status: 'ok' } });
  });

  it('refuses a missing or unknown token with 401 and a reader posting with 403', async () => {
    const event = cloudEvent('incident.resolved', { incidentId: 'i' });
    const anonymous = await apiClient(runtime.apiUrl)('POST', '/v1/events', event);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.error.code).toBe('unauthorized');
    expect((await apiClient(runtime.apiUrl, 'not-a-real-token-at-all')('GET', '/v1/events')).status).toBe(
      401,
    );
    const forbidden = await reader('POST', '/v1/events', event);
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error.code).toBe('forbidden');
  });

  it('appends a structured CloudEvent once: 201, then 200 replayed, then 409 for another payload', async () => {
    const event = cloudEvent('release.created', {
      releaseId: 'api-1.4.0',
      service: 'api',
      version: '1.4.0',
      team: 'payments',
      commits: [{ sha: 'a1b2c3', timestamp: '2026-11-20T09:00:00Z' }],
    });
    const created = await writer('POST', '/v1/events', event, {
      'content-type': 'application/cloudevents+json',
    });
    expect(created.status).toBe(201);
    expect(created.json.event).toMatchObject({
      id: event.id,
      source: event.source,
      type: 'release.created',
      stream: 'release/api-1.4.0',
      version: 1,
    });
    expect(created.json.event.hash).toMatch(/^[0-9a-f]{64}$/);

    const replay = await writer('POST', '/v1/events', event, {
      'content-type': 'application/cloudevents+json',
    });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.json).toEqual(created.json);

    const changed = { ...event, data: { ...event.data, version: '9.9.9' } };
    const conflict = await writer('POST', '/v1/events', changed, {
      'content-type': 'application/cloudevents+json',
    });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.code).toBe('idempotency_conflict');
  });

  it('accepts binary mode (ce-* headers) and a batch all-or-nothing', async () => {
    const binary = await writer(
      'POST',
      '/v1/events',
      { releaseId: 'api-1.4.0', environment: 'staging', approver: 'lee' },
      {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'approval-1',
        'ce-source': 'https://ci.example.com',
        'ce-type': 'approval.granted',
      },
    );
    expect(binary.status).toBe(201);
    expect(binary.json.event).toMatchObject({
      type: 'approval.granted',
      stream: 'release/api-1.4.0',
      version: 2,
    });

    const requested = cloudEvent('deployment.requested', {
      deploymentId: 'dep-1',
      environment: 'production',
      releaseId: 'api-1.4.0',
    });
    const started = cloudEvent('deployment.started', {
      deploymentId: 'dep-1',
      environment: 'production',
      releaseId: 'api-1.4.0',
    });
    const bad = cloudEvent('deployment.succeeded', { deploymentId: 'dep-1', releaseId: 'api-1.4.0' });
    const rejected = await writer('POST', '/v1/events', [requested, started, bad], {
      'content-type': 'application/cloudevents-batch+json',
    });
    expect(rejected.status).toBe(400);
    expect(rejected.json.error.issues).toEqual([
      expect.objectContaining({ path: [2, 'data', 'environment'] }),
    ]);
    expect((await reader('GET', '/v1/deployments/dep-1')).status).toBe(404);

    const batch = await writer('POST', '/v1/events', [requested, started], {
      'content-type': 'application/cloudevents-batch+json',
    });
    expect(batch.status).toBe(201);
    expect(batch.json.events.map((e: { type: string }) => e.type)).toEqual([
      'deployment.requested',
      'deployment.started',
    ]);
    const deployment = await reader('GET', '/v1/deployments/dep-1');
    expect(deployment.json.deployment).toMatchObject({
      status: 'started',
      releaseId: 'api-1.4.0',
      version: '1.4.0',
    });
  });

  it('accepts a raw CDEvent posted as plain JSON and creates its release implicitly', async () => {
    const cdevent = {
      context: {
        specversion: '0.4.1',
        id: 'cd-271069a8',
        source: '/event/source/123',
        type: 'dev.cdevents.service.deployed.0.2.0',
        timestamp: '2026-11-21T11:00:00Z',
      },
      subject: {
        id: 'checkout',
        source: '/event/source/123',
        type: 'service',
        content: {
          environment: { id: 'production' },
          artifactId: 'pkg:oci/checkout@v2.0.1?repository_url=ghcr.io',
        },
      },
    };
    const response = await writer('POST', '/v1/events', cdevent);
    expect(response.status).toBe(201);
    expect(response.json.event).toMatchObject({ type: 'deployment.succeeded', id: 'cd-271069a8' });
    const release = await reader('GET', '/v1/releases/checkout@v2.0.1');
    expect(release.json.release).toMatchObject({ service: 'checkout', version: 'v2.0.1', implicit: true });
    expect(release.json.release.environments.production.status).toBe('succeeded');
  });

  it('answers bad input with a clear 4xx and changes nothing', async () => {
    // The gate decides dep-1's request asynchronously; let it land so only this test's requests could move the head.
    await eventually(async () =>
      (await reader('GET', '/v1/deployments/dep-1')).json.deployment.gate.status === 'passed'
        ? true
        : undefined,
    );
    const before = await reader('GET', '/v1/audit/verify');
    const invalidJson = await writer('POST', '/v1/events', '{"specversion": ');
    expect(invalidJson.status).toBe(400);
    expect(invalidJson.json.error.code).toBe('invalid_json');
    const wrongType = await writer(
      'POST',
      '/v1/events',
      cloudEvent('incident.opened', { incidentId: 'i', service: 's', environment: 'e', severity: 'sev9' }),
    );
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error).toMatchObject({
      code: 'validation_failed',
      issues: [{ path: ['data', 'severity'] }],
    });
    const unknownType = await writer('POST', '/v1/events', cloudEvent('pizza.ordered', {}));
    expect(unknownType.json.error.issues[0].path).toEqual(['type']);
    const media = await writer('POST', '/v1/events', 'hello', { 'content-type': 'text/plain' });
    expect(media.status).toBe(415);
    expect(media.json.error.code).toBe('unsupported_media_type');
    const huge = await writer(
      'POST',
      '/v1/events',
      cloudEvent('incident.resolved', { incidentId: 'i', note: 'x'.repeat(300_000) }),
    );
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe('payload_too_large');
    const after = await reader('GET', '/v1/audit/verify');
    // The ledger is unchanged (the checkpoint it reports may have moved on meanwhile: the tree catches up).
    const ledgerOf = ({ ok, checked, head }: { ok: boolean; checked: number; head: unknown }) => ({
      ok,
      checked,
      head,
    });
    expect(ledgerOf(after.json)).toEqual(ledgerOf(before.json));
  });

  it('reads the ledger in seq order with a next cursor, and verifies it', async () => {
    const first = await reader('GET', '/v1/events?limit=2');
    expect(first.status).toBe(200);
    expect(first.json.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    expect(first.json.next).toBe(2);
    const rest = await reader('GET', `/v1/events?after=${first.json.next}&limit=100`);
    expect(rest.json.events[0].seq).toBe(3);
    const all = [...first.json.events, ...rest.json.events];
    expect(all[0]).toMatchObject({
      type: 'release.created',
      data: { service: 'api' },
      original: { format: 'cloudevent' },
    });
    const verify = await reader('GET', '/v1/audit/verify');
    expect(verify.json).toMatchObject({
      ok: true,
      checked: all.length,
      head: { seq: all.length, hash: all.at(-1).hash },
      complete: true,
      ledgerHead: all.length,
    });
    const badLimit = await reader('GET', '/v1/events?limit=0');
    expect(badLimit.json.error.issues[0].path).toEqual(['query', 'limit']);
  });

  it('lists releases newest first with pagination and filters, and shows one release', async () => {
    for (const [n, day] of [
      [1, '01'],
      [2, '02'],
      [3, '03'],
    ] as const) {
      await writer(
        'POST',
        '/v1/events',
        cloudEvent(
          'release.created',
          { releaseId: `web-${n}`, service: 'web', version: `${n}.0` },
          { time: `2026-10-${day}T12:00:00Z` },
        ),
      );
    }
    const page1 = await reader('GET', '/v1/releases?service=web&limit=2');
    expect(page1.json.releases.map((r: { releaseId: string }) => r.releaseId)).toEqual(['web-3', 'web-2']);
    const page2 = await reader('GET', `/v1/releases?service=web&limit=2&cursor=${page1.json.next}`);
    expect(page2.json.releases.map((r: { releaseId: string }) => r.releaseId)).toEqual(['web-1']);
    expect(page2.json.next).toBeNull();
    const windowed = await reader(
      'GET',
      '/v1/releases?service=web&from=2026-10-02T00:00:00Z&to=2026-10-02T23:59:59Z',
    );
    expect(windowed.json.releases.map((r: { releaseId: string }) => r.releaseId)).toEqual(['web-2']);

    const release = await reader('GET', '/v1/releases/api-1.4.0');
    expect(release.json.release).toMatchObject({
      releaseId: 'api-1.4.0',
      version: '1.4.0',
      commits: [{ sha: 'a1b2c3' }],
      approvals: [{ environment: 'staging', approver: 'lee' }],
    });
    expect(release.json.release.environments.production.deployments[0]).toMatchObject({
      deploymentId: 'dep-1',
      status: 'started',
    });
    const history = await reader('GET', '/v1/releases/api-1.4.0/events');
    const posted = history.json.events.filter((e: { source: string }) => e.source !== 'release-ledger');
    expect(posted.map((e: { type: string }) => e.type)).toEqual([
      'release.created',
      'approval.granted',
      'deployment.requested',
      'deployment.started',
    ]);
  });

  it('serves the OpenAPI document, a readable reference, and only the dashboard’s own files', async () => {
    const document = await apiClient(runtime.apiUrl)('GET', '/v1/openapi.json');
    expect(document.json).toMatchObject({ openapi: '3.1.0', info: { title: 'Release Ledger API' } });
    const reference = await fetch(`${runtime.apiUrl}/docs`);
    expect(reference.headers.get('content-type')).toContain('text/html');
    expect(await reference.text()).toContain('<code>POST /v1/events</code>');
    expect((await fetch(`${runtime.apiUrl}/dashboard/vendor/uPlot.min.css`)).status).toBe(200);
    expect((await fetch(`${runtime.apiUrl}/dashboard/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${runtime.apiUrl}/dashboard/secrets.txt`)).status).toBe(404);
  });

  it('never shows one tenant’s data to another', async () => {
    expect((await other('GET', '/v1/releases/api-1.4.0')).status).toBe(404);
    expect((await other('GET', '/v1/deployments/dep-1')).json.error.code).toBe('not_found');
    expect((await other('GET', '/v1/events')).json.events).toEqual([]);
    expect((await other('GET', '/v1/releases')).json.releases).toEqual([]);
  });

  it('delivers appended events through DynamoDB Streams, the relay and the bus to a rule’s target', async () => {
    const event = await eventually(() =>
      delivered.find(
        (e) => e['detail-type'] === 'release.created' && (e.detail as { id?: string }).id !== undefined,
      ),
    );
    expect(event).toMatchObject({ source: 'release-ledger', 'detail-type': 'release.created' });
    expect(event.detail).toMatchObject({
      tenant: 'acme',
      seq: 1,
      type: 'release.created',
      data: { releaseId: 'api-1.4.0' },
    });
    // Only events the rule's pattern matches reach it.
    expect(delivered.every((e) => e['detail-type'].startsWith('release.'))).toBe(true);
  });

  it('tells when the reactions have caught up with what was appended', async () => {
    const event = cloudEvent('release.created', {
      releaseId: 'drained-1.0.0',
      service: 'drained',
      version: '1.0.0',
      commits: [{ sha: 'd1d2d3', timestamp: '2026-11-20T09:00:00Z' }],
    });
    expect((await writer('POST', '/v1/events', event)).status).toBe(201);

    await runtime.reactionsDrained();

    // No waiting loop: once drained, the rule's target already has the event.
    expect(delivered.map((e) => (e.detail as { data?: { releaseId?: string } }).data?.releaseId)).toContain(
      'drained-1.0.0',
    );
  });
});
