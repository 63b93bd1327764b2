import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpAdapter,
  type LambdaHandler,
  MAX_LAMBDA_RESPONSE_BYTES,
} from '../../infra/local/http-adapter.ts';
import type { RouteSpec } from '../../infra/topology.ts';

/** Handlers by path, standing in for the topology's functions. */
const handlers = new Map<string, LambdaHandler>();
const routes: RouteSpec[] = ['/binary', '/text', '/slow'].map((path) => ({
  method: 'GET',
  path,
  function: 'health',
  authorized: false,
}));
let server: Server;
let baseUrl: string;
let releaseSlow: () => void = () => undefined;

beforeAll(async () => {
  server = createHttpAdapter({
    routes,
    handlerFor: async (route) => handlers.get(route.path) as LambdaHandler,
    authorizer: async () => async () => ({ isAuthorized: false }),
    integrationTimeoutMs: 300,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  releaseSlow();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the local HTTP adapter enforces what Lambda and API Gateway enforce', () => {
  it("refuses a response over Lambda's 6 MB once it is serialised, base64 body included", async () => {
    // Given a 4.7 MB binary body: its base64 text is 6.3 MB, over the limit Lambda measures.
    const raw = Buffer.alloc(4.7 * 1024 * 1024, 7);
    handlers.set('/binary', async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: raw.toString('base64'),
      isBase64Encoded: true,
    }));
    // When it is requested, then the client gets what an HTTP API answers for a failed invocation.
    const response = await fetch(`${baseUrl}/binary`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('delivers a response just under the limit whole', async () => {
    const overhead = Buffer.byteLength(JSON.stringify({ statusCode: 200, body: '' }));
    const body = 'a'.repeat(MAX_LAMBDA_RESPONSE_BYTES - overhead);
    handlers.set('/text', async () => ({ statusCode: 200, body }));
    const response = await fetch(`${baseUrl}/text`);
    expect(response.status).toBe(200);
    expect((await response.text()).length).toBe(body.length);
  });

  it('refuses a text body that is under 6 MB raw but over it once JSON escapes it', async () => {
    // Given 3.5 MB of quotes: JSON doubles each one to \" , so the invoke response is 7 MB.
    handlers.set('/text', async () => ({ statusCode: 200, body: '"'.repeat(3.5 * 1024 * 1024) }));
    const response = await fetch(`${baseUrl}/text`);
    expect(response.status).toBe(500);
  });

  it('answers 503 Service Unavailable when the integration outlives its timeout', async () => {
    // Given a handler that does not answer until the test lets it.
    handlers.set(
      '/slow',
      () =>
        new Promise((resolve) => {
          releaseSlow = () => resolve({ statusCode: 200, body: 'late' });
        }),
    );
    const response = await fetch(`${baseUrl}/slow`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: 'Service Unavailable' });
    releaseSlow();
  });
});
