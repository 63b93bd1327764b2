import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [
  { token: 'gate-eval-admin-token-01', tenant: 'pipes', role: 'admin' },
  { token: 'gate-eval-writer-token-1', tenant: 'pipes', role: 'writer' },
  { token: 'gate-eval-reader-token-1', tenant: 'pipes', role: 'reader' },
  { token: 'gate-eval-other-writer-1', tenant: 'elsewhere', role: 'writer' },
] as const;

let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
let writer: ReturnType<typeof apiClient>;
let reader: ReturnType<typeof apiClient>;
let otherTenant: ReturnType<typeof apiClient>;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  writer = apiClient(runtime.apiUrl, tokens[1].token);
  reader = apiClient(runtime.apiUrl, tokens[2].token);
  otherTenant = apiClient(runtime.apiUrl, tokens[3].token);
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

const post = async (type: string, data: Record<string, unknown>) => {
  const response = await writer('POST', '/v1/events', cloudEvent(type, data));
  expect(response.status, JSON.stringify(response.json)).toBe(201);
};
/** Polls the evaluation as a pipeline would, until the gate decided. */
const decided = (id: string) =>
  eventually(async () => {
    const response = await writer('GET', `/v1/gates/evaluations/${id}`);
    expect(response.status, JSON.stringify(response.json)).toBe(200);
    return response.json.status === 'pending' ? undefined : response.json;
  });

describe('POST /v1/gates/evaluations on the local runtime', () => {
  it('given an unapproved release under an enforcing policy, when a pipeline asks, then it is answered 202 {id} and the evaluation fails with every check', async () => {
    await post('release.created', { releaseId: 'api-2.0.0', service: 'api', version: '2.0.0' });
    expect((await admin('PUT', '/v1/policies/api/production', { requiredApprovals: 1 })).status).toBe(201);

    const asked = await writer('POST', '/v1/gates/evaluations', {
      service: 'api',
      environment: 'production',
      releaseId: 'api-2.0.0',
    });
    expect(asked.status, JSON.stringify(asked.json)).toBe(202);
    expect(asked.json.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(asked.headers.get('location')).toBe(`/v1/gates/evaluations/${asked.json.id}`);

    const evaluation = await decided(asked.json.id);
    expect(evaluation).toMatchObject({
      id: asked.json.id,
      status: 'failed',
      verdict: 'failed',
      dryRun: false,
      service: 'api',
      environment: 'production',
      releaseId: 'api-2.0.0',
      deploymentId: asked.json.id,
    });
    expect(evaluation.checks).toEqual([expect.objectContaining({ name: 'approvals', passed: false })]);

    // Recorded in the ledger like every gate decision: the request and a gate.evaluated answering it.
    const ledger = (await admin('GET', '/v1/events?limit=1000')).json.events as {
      seq: number;
      type: string;
      source: string;
      id: string;
      data: Record<string, unknown>;
    }[];
    const request = ledger.find((e) => e.source === '/v1/gates/evaluations' && e.id === asked.json.id);
    expect(request?.type).toBe('deployment.requested');
    const decision = ledger.find((e) => e.type === 'gate.evaluated' && e.data.evaluationId === asked.json.id);
    expect(decision?.data).toMatchObject({ decision: 'failed', requestSeq: request?.seq });
  }, 120_000);

  it('given the same failing release, when the pipeline asks dryRun: true by version, then the real verdict is recorded and it is answered passed, marked dryRun', async () => {
    const asked = await writer('POST', '/v1/gates/evaluations', {
      service: 'api',
      environment: 'production',
      version: '2.0.0',
      deploymentId: 'api-dep-7',
      dryRun: true,
    });
    expect(asked.status, JSON.stringify(asked.json)).toBe(202);
    const evaluation = await decided(asked.json.id);
    expect(evaluation).toMatchObject({
      status: 'passed',
      verdict: 'failed',
      dryRun: true,
      releaseId: 'api-2.0.0',
      version: '2.0.0',
      deploymentId: 'api-dep-7',
    });
    expect(evaluation.checks).toEqual([expect.objectContaining({ name: 'approvals', passed: false })]);
    // The deployment it was asked for shows the same decision.
    const deployment = await reader('GET', '/v1/deployments/api-dep-7');
    expect(deployment.json.deployment.gate).toMatchObject({ status: 'failed', dryRun: true });
  }, 120_000);

  it('given an approval, when the pipeline asks again, then the evaluation passes', async () => {
    await post('approval.granted', { releaseId: 'api-2.0.0', environment: 'production', approver: 'ana' });
    const asked = await writer('POST', '/v1/gates/evaluations', {
      service: 'api',
      environment: 'production',
      releaseId: 'api-2.0.0',
    });
    expect(await decided(asked.json.id)).toMatchObject({
      status: 'passed',
      verdict: 'passed',
      dryRun: false,
    });
  }, 120_000);

  it('given a request retried with the same Idempotency-Key, when it arrives twice, then there is one evaluation; another body under that key is a conflict', async () => {
    const body = { service: 'api', environment: 'staging', releaseId: 'api-2.0.0' };
    const headers = { 'idempotency-key': 'pipeline-run-81-attempt' };
    const first = await writer('POST', '/v1/gates/evaluations', body, headers);
    const retry = await writer('POST', '/v1/gates/evaluations', body, headers);
    expect(first.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(retry.json.id).toBe(first.json.id);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    await decided(first.json.id);
    const ledger = (await admin('GET', '/v1/events?limit=1000')).json.events as {
      type: string;
      data: Record<string, unknown>;
    }[];
    const requests = ledger.filter(
      (e) => e.type === 'deployment.requested' && e.data.evaluationId === first.json.id,
    );
    expect(requests).toHaveLength(1);

    const other = await writer('POST', '/v1/gates/evaluations', { ...body, dryRun: true }, headers);
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('idempotency_conflict');
  }, 120_000);

  it('given bad input, when it is posted, then it is refused with the failing field paths and nothing is recorded', async () => {
    const before = (await admin('GET', '/v1/events?limit=1000')).json.events.length;
    const missing = await writer('POST', '/v1/gates/evaluations', {
      service: 'api',
      environment: 'production',
    });
    expect(missing.status).toBe(400);
    expect(missing.json.error.issues).toEqual([expect.objectContaining({ path: ['releaseId'] })]);

    const wrongTypes = await writer('POST', '/v1/gates/evaluations', {
      service: 'api',
      environment: '',
      releaseId: 'api-2.0.0',
      dryRun: 'yes',
      extra: 1,
    });
    expect(wrongTypes.status).toBe(400);
    const paths = (wrongTypes.json.error.issues as { path: unknown[] }[]).map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['environment', 'dryRun']));

    const contradicting = await writer('POST', '/v1/gates/evaluations', {
      service: 'web',
      environment: 'production',
      releaseId: 'api-2.0.0',
    });
    expect(contradicting.status).toBe(400);
    expect(contradicting.json.error.issues).toEqual([expect.objectContaining({ path: ['service'] })]);

    const badKey = await writer(
      'POST',
      '/v1/gates/evaluations',
      { service: 'api', environment: 'production', releaseId: 'api-2.0.0' },
      { 'idempotency-key': 'has spaces in it' },
    );
    expect(badKey.status).toBe(400);
    expect(badKey.json.error.issues).toEqual([
      expect.objectContaining({ path: ['header', 'idempotency-key'] }),
    ]);

    expect((await reader('GET', '/v1/gates/evaluations/not-a-uuid')).status).toBe(400);
    expect((await admin('GET', '/v1/events?limit=1000')).json.events.length).toBe(before);
  }, 120_000);

  it('given an evaluation of one tenant, when another tenant or a reader asks for it, then it is not found for the other tenant, and readers may not ask the gate', async () => {
    const asked = await writer('POST', '/v1/gates/evaluations', {
      service: 'api',
      environment: 'production',
      releaseId: 'api-2.0.0',
    });
    await decided(asked.json.id);
    expect((await otherTenant('GET', `/v1/gates/evaluations/${asked.json.id}`)).status).toBe(404);
    expect((await reader('GET', `/v1/gates/evaluations/${asked.json.id}`)).status).toBe(200);
    const readerAsks = await reader('POST', '/v1/gates/evaluations', {
      service: 'api',
      environment: 'production',
      releaseId: 'api-2.0.0',
    });
    expect(readerAsks.status).toBe(403);
  }, 120_000);
});
