import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../domain/auth/roles.ts';
import { adapters } from '../../functions/adapters/clients.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { type RouteSpec, routes } from '../../infra/topology.ts';
import { apiClient, cloudEvent } from '../support/http.ts';

const tokens = [
  { token: 'alpha-admin-token-00001', tenant: 'alpha', role: 'admin' },
  { token: 'alpha-writer-token-0001', tenant: 'alpha', role: 'writer' },
  { token: 'alpha-reader-token-0001', tenant: 'alpha', role: 'reader' },
  { token: 'bravo-admin-token-00001', tenant: 'bravo', role: 'admin' },
  { token: 'alpha-doomed-token-0001', tenant: 'alpha', role: 'writer' },
  { token: 'alpha-doomed-token-0002', tenant: 'alpha', role: 'writer' },
] as const;
const [alphaAdmin, alphaWriter, alphaReader, bravoAdmin, doomed, doomedRetrier] = tokens;

/** Alpha's real ids, and ids of the same length that exist nowhere: a 404 for either must look the same. */
const existing: Record<string, string> = {
  releaseId: 'secret-rel-1',
  deploymentId: 'secret-dep-1',
  service: 'secret-svc',
  environment: 'production',
};
const missing: Record<string, string> = {
  releaseId: 'absent-rel-1',
  deploymentId: 'absent-dep-1',
  service: 'absent-svc',
  environment: 'production',
  id: '00000000-0000-4000-8000-000000000000',
  evaluationId: '00000000-0000-4000-8000-000000000001',
};

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  const admin = apiClient(runtime.apiUrl, alphaAdmin.token);
  const posted = [
    cloudEvent('release.created', {
      releaseId: existing.releaseId,
      service: existing.service,
      version: '1.0',
    }),
    cloudEvent('deployment.started', {
      deploymentId: existing.deploymentId,
      environment: 'production',
      releaseId: existing.releaseId,
    }),
  ];
  for (const event of posted) expect((await admin('POST', '/v1/events', event)).status).toBe(201);
  const job = await admin('POST', '/v1/audit/verifications', {});
  expect(job.status).toBe(202);
  existing.id = job.json.id;
  const evaluation = await admin('POST', '/v1/gates/evaluations', {
    service: existing.service,
    environment: 'production',
    releaseId: existing.releaseId,
  });
  expect(evaluation.status).toBe(202);
  existing.evaluationId = evaluation.json.id;
  expect(
    (await admin('PUT', `/v1/policies/${existing.service}/production`, { requiredApprovals: 1 })).status,
  ).toBe(201);
});
afterAll(async () => {
  await runtime?.stop();
});

/**
 * The roles a route admits besides admin: reads need reader (a CI job may also poll its deployment's gate
 * with its writer token), posting events writer, everything else admin. Starting a full re-verification
 * changes no history, so the auditor (reader) may start one.
 */
function allowedRoles(route: RouteSpec): readonly Role[] {
  if (route.method === 'GET' && route.path === '/v1/deployments/{deploymentId}') return ['reader', 'writer'];
  if (route.method === 'GET' && route.path === '/v1/deployments/{deploymentId}/handoff')
    return ['reader', 'writer'];
  if (route.method === 'POST' && route.path === '/v1/audit/verifications') return ['reader'];
  // A pipeline asks the gate with its writer token and polls the evaluation with it.
  if (route.method === 'POST' && route.path === '/v1/gates/evaluations') return ['writer'];
  if (route.method === 'GET' && route.path === '/v1/gates/evaluations/{evaluationId}')
    return ['reader', 'writer'];
  if (route.method === 'GET') return ['reader'];
  if (route.method === 'POST' && route.path === '/v1/events') return ['writer'];
  return ['admin'];
}
const authorizedRoutes = routes.filter((route) => route.authorized);
const pathOf = (route: RouteSpec, values: Record<string, string> = existing) =>
  route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? `any-${name}`));
const bodyOf = (route: RouteSpec) =>
  route.method === 'GET'
    ? undefined
    : route.path === '/v1/events'
      ? cloudEvent('incident.resolved', { incidentId: 'x' })
      : {};
const call = (token: string | undefined, route: RouteSpec, values?: Record<string, string>) =>
  apiClient(runtime.apiUrl, token)(route.method, pathOf(route, values), bodyOf(route));

describe('access control', () => {
  it('answers 401 unauthorized on every authorized route without a valid token', async () => {
    expect(authorizedRoutes.length).toBeGreaterThanOrEqual(10);
    const invalid = [
      undefined,
      '',
      'not-a-real-token-at-all',
      `${alphaAdmin.token}x`,
      alphaAdmin.token.slice(0, -1),
    ];
    for (const route of authorizedRoutes) {
      for (const token of invalid) {
        const response = await call(token, route);
        expect(response.status, `${route.method} ${route.path} with ${JSON.stringify(token)}`).toBe(401);
        expect(response.json.error.code).toBe('unauthorized');
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
      }
      for (const header of [
        'Basic YWRtaW46YWRtaW4=',
        'Bearer',
        `Token ${alphaAdmin.token}`,
        `Bearer ${alphaAdmin.token} extra`,
      ]) {
        const response = await apiClient(runtime.apiUrl)(route.method, pathOf(route), bodyOf(route), {
          authorization: header,
        });
        expect(response.status, `${route.method} ${route.path} with '${header}'`).toBe(401);
      }
    }
  });

  it('answers 403 forbidden to a role the route does not allow', async () => {
    const byRole = { writer: alphaWriter.token, reader: alphaReader.token } as const;
    let checked = 0;
    for (const route of authorizedRoutes) {
      for (const role of ['writer', 'reader'] as const) {
        if (allowedRoles(route).includes(role)) continue;
        const response = await call(byRole[role], route);
        expect(response.status, `${role} on ${route.method} ${route.path}`).toBe(403);
        expect(response.json.error.code).toBe('forbidden');
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(authorizedRoutes.length - 1);
  });

  it('answers another tenant’s ids with the same 404 as ids that exist nowhere', async () => {
    const lookups = authorizedRoutes.filter((route) => route.method === 'GET' && route.path.includes('{'));
    expect(lookups.length).toBeGreaterThanOrEqual(4);
    for (const route of lookups) {
      // Alpha sees its own; bravo's answer for alpha's id and for a missing one differ only in the id.
      expect((await call(alphaAdmin.token, route)).status, `${route.path} for alpha`).toBe(200);
      const foreign = await rawCall(bravoAdmin.token, route, existing);
      const absent = await rawCall(bravoAdmin.token, route, missing);
      expect(foreign.status).toBe(404);
      expect(absent.status).toBe(404);
      expect(foreign.body.replaceAll(/secret-/g, 'absent-')).toBe(absent.body);
      expect(foreign.headers).toEqual(absent.headers);
    }
    const bravo = apiClient(runtime.apiUrl, bravoAdmin.token);
    expect((await bravo('GET', '/v1/events')).json.events).toEqual([]);
    expect((await bravo('GET', '/v1/releases')).json.releases).toEqual([]);
  });

  it('takes no grossly different time to answer another tenant’s id than a missing one', async () => {
    // Exact timing equality is not testable on a shared 2-core box; a lookup that short-circuits on
    // existence (an extra read, a different code path) would show as a large, consistent ratio.
    const route = authorizedRoutes.find((r) => r.path === '/v1/releases/{releaseId}') as RouteSpec;
    const samples = { foreign: [] as number[], absent: [] as number[] };
    for (let i = 0; i < 15; i += 1) {
      for (const [kind, values] of [
        ['foreign', existing],
        ['absent', missing],
      ] as const) {
        const started = performance.now();
        await rawCall(bravoAdmin.token, route, values);
        samples[kind].push(performance.now() - started);
      }
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    const ratio = median(samples.foreign) / median(samples.absent);
    expect(ratio).toBeLessThan(3);
    expect(ratio).toBeGreaterThan(1 / 3);
  });

  it('refuses a revoked token on the very next request', async () => {
    const writer = apiClient(runtime.apiUrl, doomed.token);
    expect(
      (await writer('POST', '/v1/events', cloudEvent('incident.resolved', { incidentId: 'before' }))).status,
    ).toBe(201);
    expect(await adapters().tokenStore.revoke(doomed.token)).toBe(true);
    const after = await writer(
      'POST',
      '/v1/events',
      cloudEvent('incident.resolved', { incidentId: 'after' }),
    );
    expect(after.status).toBe(401);
    expect(after.json.error.code).toBe('unauthorized');
  });

  it('refuses a revoked token’s retry of what it stored, and its reads, without a hint of what exists', async () => {
    const writer = apiClient(runtime.apiUrl, doomedRetrier.token);
    const stored = cloudEvent('incident.resolved', { incidentId: 'retried' });
    // The second post is answered from a grant the authorizer remembered, checked in the write.
    expect((await writer('POST', '/v1/events', stored)).status).toBe(201);
    expect((await writer('POST', '/v1/events', stored)).status).toBe(200);
    expect(await adapters().tokenStore.revoke(doomedRetrier.token)).toBe(true);
    const answers = [
      await writer('POST', '/v1/events', stored),
      await writer('POST', '/v1/events', { ...stored, data: { incidentId: 'changed' } }),
      await writer('POST', '/v1/events', cloudEvent('incident.resolved', { incidentId: 'new' })),
      await writer('GET', '/v1/deployments/secret-dep-1'),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.json.error.code).toBe('unauthorized');
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    }
  });
});

/** The raw response, so bodies can be compared byte for byte; `date` is the only header allowed to differ. */
async function rawCall(token: string, route: RouteSpec, values: Record<string, string>) {
  const response = await fetch(`${runtime.apiUrl}${pathOf(route, values)}`, {
    method: route.method,
    headers: { authorization: `Bearer ${token}` },
  });
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
  return { status: response.status, body: await response.text(), headers };
}
