import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent } from '../support/http.ts';

const tokens = [
  { token: 'query-writer-token-0001', tenant: 'queries', role: 'writer' },
  { token: 'query-reader-token-0001', tenant: 'queries', role: 'reader' },
  { token: 'query-admin-token-00001', tenant: 'queries', role: 'admin' },
] as const;

let runtime: LocalRuntime;
let reader: ReturnType<typeof apiClient>;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  reader = apiClient(runtime.apiUrl, tokens[1].token);
  const writer = apiClient(runtime.apiUrl, tokens[0].token);
  const created = await writer(
    'POST',
    '/v1/events',
    cloudEvent('release.created', { releaseId: 'q-r1', service: 'q-svc', version: '1.0.0' }),
  );
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await runtime?.stop();
});

const cursorOf = (sortKey: string) => Buffer.from(sortKey, 'utf8').toString('base64url');

/** The refusal every bad query gets: 400 validation_failed naming the field. */
async function expectRefused(path: string, field: readonly string[], client = reader): Promise<void> {
  const response = await client('GET', path);
  expect(response.status, `${path}: ${JSON.stringify(response.json)}`).toBe(400);
  expect(response.json.error.code).toBe('validation_failed');
  expect(response.json.error.issues.map((issue: { path: string[] }) => issue.path)).toContainEqual(field);
}

describe('bad query and path input gets a 400 naming the field, never a 5xx', () => {
  it('refuses path parameters that are not validly percent-encoded UTF-8', async () => {
    await expectRefused('/v1/releases/%E0%A4%A', ['path', 'releaseId']);
    await expectRefused('/v1/releases/%E0%A4%A/events', ['path', 'releaseId']);
    await expectRefused('/v1/deployments/%', ['path', 'deploymentId']);
    await expectRefused('/v1/deployments/%ff', ['path', 'deploymentId']);
    await expectRefused('/v1/policies/%/production', ['path', 'service']);
  });

  it('still decodes a well-formed escape in a path parameter', async () => {
    const response = await reader('GET', '/v1/releases/q%2Dr1');
    expect(response.status).toBe(200);
    expect(response.json.release.releaseId).toBe('q-r1');
  });

  it('refuses release cursors outside the window or the list, and keeps a real one working', async () => {
    // Given a cursor past the window's end, one before its start, and one not shaped like a list key.
    await expectRefused(
      `/v1/releases?to=2026-01-01T00:00:00Z&cursor=${cursorOf('2027-01-01T00:00:00.000Z#000000000001')}`,
      ['query', 'cursor'],
    );
    await expectRefused(
      `/v1/releases?from=2026-06-01T00:00:00Z&cursor=${cursorOf('2026-01-01T00:00:00.000Z#000000000001')}`,
      ['query', 'cursor'],
    );
    await expectRefused(`/v1/releases?service=q-svc&cursor=${cursorOf('zzz')}`, ['query', 'cursor']);
    const page = await reader(
      'GET',
      `/v1/releases?cursor=${cursorOf('9999-01-01T00:00:00.000Z#000000000009')}`,
    );
    expect(page.status).toBe(200);
    expect(page.json.releases.map((r: { releaseId: string }) => r.releaseId)).toEqual(['q-r1']);
  });

  it('refuses gate-bypass cursors outside the window or the list', async () => {
    const admin = apiClient(runtime.apiUrl, tokens[2].token);
    await expectRefused(`/v1/audit/gate-bypasses?cursor=${cursorOf('~')}`, ['query', 'cursor'], admin);
    await expectRefused(
      `/v1/audit/gate-bypasses?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&cursor=${cursorOf('2026-03-01T00:00:00.000Z#000000000001')}`,
      ['query', 'cursor'],
      admin,
    );
  });

  it('caps a DORA window whose end is left to default, as it caps one that names both ends', async () => {
    await expectRefused('/v1/metrics/dora?from=0001-01-01', ['query', 'from']);
    await expectRefused('/v1/metrics/dora/evidence?metric=deploymentFrequency&from=0001-01-01', [
      'query',
      'from',
    ]);
    await expectRefused('/v1/metrics/dora?from=2001-01-01&asOf=2026-01-01T00:00:00Z', ['query', 'from']);
    // A start after the default end (now) is as backwards as one after an explicit end.
    await expectRefused('/v1/metrics/dora?from=9999-01-01', ['query', 'from']);
  });
});
