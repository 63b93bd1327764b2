import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';
import { hmacHex, webhookFixture, withField } from '../support/webhooks.ts';

const tokens = [
  { token: 'progressive-admin-token-01', tenant: 'shop', role: 'admin' },
  { token: 'progressive-writer-token-1', tenant: 'shop', role: 'writer' },
  { token: 'progressive-reader-token-1', tenant: 'shop', role: 'reader' },
] as const;
const SECRET = 'launchdarkly-secret-for-shop-1';
const window = 'from=2026-03-02&to=2026-03-03';

let runtime: LocalRuntime;
let writer: ReturnType<typeof apiClient>;
let reader: ReturnType<typeof apiClient>;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  writer = apiClient(runtime.apiUrl, tokens[1].token);
  reader = apiClient(runtime.apiUrl, tokens[2].token);
});
afterAll(async () => {
  await runtime?.stop();
});

const post = async (type: string, time: string, data: Record<string, unknown>) => {
  const response = await writer('POST', '/v1/events', cloudEvent(type, data, { time }));
  expect(response.status).toBe(201);
};

/** The fixture's flag at 100 % in production on 2026-03-02 16:00 UTC, naming checkout 2.4.0. */
function fullRollout() {
  const body = withField(
    webhookFixture('launchdarkly', 'flag.fallthrough-rollout'),
    ['currentVersion', 'environments', 'production', 'fallthrough'],
    { variation: 0 },
  );
  return withField(body, ['date'], Date.parse('2026-03-02T16:00:00Z'));
}

describe('progressive delivery and flags over HTTP', () => {
  it('shows a canary’s traffic history and counts it once for DORA', async () => {
    await post('release.created', '2026-03-01T12:00:00Z', {
      releaseId: 'checkout-2.4.0',
      service: 'checkout',
      version: '2.4.0',
      commits: [{ sha: 'c1', timestamp: '2026-03-02T06:00:00Z' }],
    });
    const step = (weight: number) => ({
      deploymentId: 'dep-7',
      environment: 'production',
      releaseId: 'checkout-2.4.0',
      weight,
      strategy: 'canary',
    });
    await post('deployment.progressed', '2026-03-02T09:00:00Z', step(10));
    await post('deployment.progressed', '2026-03-02T10:00:00Z', step(100));
    await post('deployment.succeeded', '2026-03-02T10:05:00Z', {
      deploymentId: 'dep-7',
      environment: 'production',
      releaseId: 'checkout-2.4.0',
    });
    const tooMuch = await writer('POST', '/v1/events', cloudEvent('deployment.progressed', step(150)));
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.json.error.issues.map((i: { path: string[] }) => i.path)).toContainEqual([
      'data',
      'weight',
    ]);
    const deployment = await reader('GET', '/v1/deployments/dep-7');
    expect(deployment.status).toBe(200);
    expect(deployment.json.deployment).toMatchObject({
      status: 'succeeded',
      service: 'checkout',
      traffic: [
        { weight: 10, strategy: 'canary' },
        { weight: 100, strategy: 'canary' },
      ],
    });
    const metrics = await eventually(async () => {
      const response = await reader('GET', `/v1/metrics/dora?service=checkout&${window}`);
      return response.json?.source?.kind === 'projection' && response.json.deploymentFrequency.count > 0
        ? response.json
        : undefined;
    });
    expect(metrics.deploymentFrequency.count).toBe(1);
    expect(metrics.releaseFrequency.count).toBe(0);
  });

  it('records a signed LaunchDarkly flag change and refuses unsigned ones', async () => {
    const admin = apiClient(runtime.apiUrl, tokens[0].token);
    expect((await admin('PUT', '/v1/webhooks/launchdarkly/secret', { secret: SECRET })).status).toBe(201);
    const text = JSON.stringify(fullRollout());
    const deliver = (headers: Record<string, string>) =>
      apiClient(runtime.apiUrl)('POST', '/v1/webhooks/launchdarkly?tenant=shop', text, {
        'content-type': 'application/json',
        ...headers,
      });
    expect((await deliver({})).status).toBe(401);
    expect((await deliver({ 'x-ld-signature': hmacHex('not-the-secret-at-all', text) })).status).toBe(401);
    const first = await deliver({ 'x-ld-signature': hmacHex(SECRET, text) });
    expect(first.status).toBe(201);
    expect(first.json.events.map((e: { type: string }) => e.type)).toEqual(['feature.released']);
    expect((await deliver({ 'x-ld-signature': hmacHex(SECRET, text) })).status).toBe(200);
  });

  it('shows the release deployed and released, and measures release frequency and lead time to release', async () => {
    const release = await reader('GET', '/v1/releases/checkout-2.4.0');
    expect(release.json.release.delivery.production).toMatchObject({
      deployed: true,
      deployedAt: '2026-03-02T10:05:00Z',
      released: true,
      releasedAt: '2026-03-02T16:00:00.000Z',
      flags: [{ flag: 'new-checkout', exposure: 100 }],
    });
    const metrics = await eventually(async () => {
      const response = await reader('GET', `/v1/metrics/dora?service=checkout&${window}`);
      return response.json?.releaseFrequency?.count === 1 ? response.json : undefined;
    });
    // c1 at 06:00 → released to users at 16:00: 10 h. Deployed at 10:05: 4 h 5 min.
    expect(metrics.leadTimeToRelease).toMatchObject({ medianSeconds: 36_000, samples: 1 });
    expect(metrics.leadTimeForChanges).toMatchObject({ medianSeconds: 14_700, samples: 1 });
    expect(metrics.series[0]).toMatchObject({ releaseFrequency: { count: 1 } });
    const evidence = await reader(
      'GET',
      `/v1/metrics/dora/evidence?metric=leadTimeToRelease&service=checkout&${window}`,
    );
    expect(evidence.json).toMatchObject({
      total: 1,
      items: [{ kind: 'commit', sha: 'c1', releaseId: 'checkout-2.4.0', flag: 'new-checkout' }],
    });
    const releases = await reader('GET', `/v1/metrics/dora/evidence?metric=releaseFrequency&${window}`);
    expect(releases.json.items).toMatchObject([{ kind: 'release', namedBy: 'service_version' }]);
  });
});
