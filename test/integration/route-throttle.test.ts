import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAdapter } from '../../infra/local/http-adapter.ts';
import { routes } from '../../infra/topology.ts';
import { apiClient } from '../support/http.ts';

// The adapter alone, in front of handlers that answer at once, its throttle's clock frozen: no bucket
// refills during the test, so what passes is exactly the burst.
let server: Server;
let baseUrl: string;
beforeAll(async () => {
  server = createHttpAdapter({
    routes,
    handlerFor: async () => async () => ({ statusCode: 200, body: '{}' }),
    authorizer: async () => async () => ({ isAuthorized: true, context: {} }),
    throttleClock: () => 0,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('per-route throttles in the local HTTP adapter (the numbers API Gateway gets)', () => {
  it('answers 429 with Retry-After once a webhook flood passes the route’s burst, and other routes still answer', async () => {
    const webhook = routes.find((route) => route.function === 'receiveWebhook' && route.method === 'POST');
    const burst = webhook?.throttle?.burstLimit ?? 0;
    expect(burst).toBeGreaterThan(0);
    const call = apiClient(baseUrl);
    const statuses = await Promise.all(
      Array.from({ length: burst + 10 }, () => call('POST', '/v1/webhooks/github?tenant=t', {})),
    );
    expect(statuses.filter((r) => r.status === 200)).toHaveLength(burst);
    const refused = statuses.find((r) => r.status === 429);
    expect(refused?.json.error.code).toBe('too_many_requests');
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The flood used the webhook route's own bucket, not the API's.
    expect((await call('GET', '/v1/openapi.json')).status).toBe(200);
  });
});
