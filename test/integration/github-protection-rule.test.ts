import { generateKeyPairSync, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';
import { signedHeaders } from '../support/webhooks.ts';

const tokens = [
  { token: 'protection-admin-token01', tenant: 'gh', role: 'admin' },
  { token: 'protection-writer-token1', tenant: 'gh', role: 'writer' },
] as const;
const APP_ID = '123456';
const INSTALLATION = 42;
const SECRET = 'github-webhook-secret-for-protection';
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

interface Received {
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
/** Requests the stand-in refused, with why: the test fails on any. */
const refusals: string[] = [];
let received: Received[] = [];
let github: Server;
let githubUrl: string;
let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
let writer: ReturnType<typeof apiClient>;

/** Checks an app JWT as GitHub does: RS256 by the app's key, iss the app id, iat in the past, exp ≤ 10 min on. */
function jwtProblem(jwt: string): string | undefined {
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) return 'not a JWT';
  if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'RS256') return 'alg is not RS256';
  const valid = verify(
    'RSA-SHA256',
    Buffer.from(`${header}.${payload}`),
    publicKey,
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) return 'signature does not verify with the app public key';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== APP_ID) return `iss is ${claims.iss}`;
  if (!(claims.iat <= now)) return 'iat is in the future';
  if (!(claims.exp > now && claims.exp - claims.iat <= 600)) return 'exp is not within 10 minutes';
  return undefined;
}

/** A stand-in for GitHub's REST API that checks each request as GitHub's documentation describes it. */
function standIn(request: Received): { status: number; body?: unknown } {
  const problems: string[] = [];
  if (request.headers.accept !== 'application/vnd.github+json') problems.push('Accept');
  if (request.headers['x-github-api-version'] !== '2022-11-28') problems.push('X-GitHub-Api-Version');
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
  if (request.method === 'POST' && request.path === `/app/installations/${INSTALLATION}/access_tokens`) {
    const problem = jwtProblem(bearer);
    if (problem) problems.push(`JWT: ${problem}`);
    if (problems.length > 0) return refuse(problems);
    return { status: 201, body: { token: 'ghs_installation_token', expires_at: '2099-01-01T00:00:00Z' } };
  }
  if (
    request.method === 'POST' &&
    /^\/repos\/acme\/api\/actions\/runs\/\d+\/deployment_protection_rule$/.test(request.path ?? '')
  ) {
    if (bearer !== 'ghs_installation_token') problems.push('installation token');
    const body = JSON.parse(request.body);
    if (!['approved', 'rejected'].includes(body.state)) problems.push('state');
    if (typeof body.environment_name !== 'string' || typeof body.comment !== 'string')
      problems.push('fields');
    if (problems.length > 0) return refuse(problems);
    return { status: 204 };
  }
  return refuse([`unexpected ${request.method} ${request.path}`]);
}
function refuse(problems: string[]) {
  refusals.push(problems.join(', '));
  return { status: 401, body: { message: problems.join(', ') } };
}

beforeAll(async () => {
  github = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const entry = { method: request.method, path: request.url, headers: request.headers, body };
      received.push(entry);
      const answer = standIn(entry);
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
  githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
  process.env.LEDGER_GITHUB_API_URL = githubUrl;
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  writer = apiClient(runtime.apiUrl, tokens[1].token);
  expect((await admin('PUT', '/v1/webhooks/github/secret', { secret: SECRET })).status).toBe(201);
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const put = await admin('PUT', '/v1/integrations/github-app', { appId: Number(APP_ID), privateKey: pem });
  expect(put.status, JSON.stringify(put.json)).toBe(201);
  expect(JSON.stringify(put.json)).not.toContain('PRIVATE KEY');
  const release = await writer(
    'POST',
    '/v1/events',
    cloudEvent('release.created', { releaseId: 'api-abc123', service: 'api', version: 'abc123' }),
  );
  expect(release.status).toBe(201);
  expect((await admin('PUT', '/v1/policies/api/production', { requiredApprovals: 1 })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  delete process.env.LEDGER_GITHUB_API_URL;
  await runtime?.stop();
  await new Promise((resolve) => github?.close(resolve));
});

/** A `deployment_protection_rule` delivery, as GitHub sends it to the app's webhook. */
function protectionRule(deploymentId: number) {
  return {
    action: 'requested',
    environment: 'production',
    event: 'push',
    deployment_callback_url: `${githubUrl}/repos/acme/api/actions/runs/7/deployment_protection_rule`,
    deployment: { id: deploymentId, sha: 'abc123', ref: 'main', environment: 'production' },
    repository: { name: 'api', full_name: 'acme/api', html_url: 'https://github.com/acme/api' },
    installation: { id: INSTALLATION },
    sender: { login: 'octocat' },
  };
}
async function deliver(body: unknown) {
  const text = JSON.stringify(body);
  return apiClient(runtime.apiUrl)('POST', '/v1/webhooks/github?tenant=gh', text, {
    'content-type': 'application/json',
    ...signedHeaders('github', SECRET, text, 'deployment_protection_rule'),
  });
}
const reviews = () =>
  received.filter((r) => r.path?.endsWith('/deployment_protection_rule')).map((r) => JSON.parse(r.body));
/** The review arrives once the gate decided: the reaction posts it. */
const reviewed = () => eventually(() => (reviews().length > 0 ? reviews() : undefined));

describe('GitHub deployment protection rules', () => {
  it('given an unapproved release, when GitHub asks, then the app rejects it with the failing checks, authenticated as GitHub documents', async () => {
    received = [];
    const answer = await deliver(protectionRule(901));
    expect(answer.status, JSON.stringify(answer.json)).toBe(201);
    const [review] = await reviewed();
    expect(refusals).toEqual([]);
    expect(received.map((r) => r.path)).toEqual([
      `/app/installations/${INSTALLATION}/access_tokens`,
      '/repos/acme/api/actions/runs/7/deployment_protection_rule',
    ]);
    expect(review).toMatchObject({ environment_name: 'production', state: 'rejected' });
    expect(review.comment).toContain('approvals: 0 of 1 required approvals for production');
    // Recorded like every gate decision, for the deployment GitHub's deployment_status will name.
    const deployment = await writer('GET', '/v1/deployments/github-deployment-901');
    expect(deployment.json.deployment.gate).toMatchObject({ status: 'failed' });
  }, 120_000);

  it('given an approval, when GitHub asks for a new deployment, then the app approves it', async () => {
    await writer(
      'POST',
      '/v1/events',
      cloudEvent('approval.granted', { releaseId: 'api-abc123', environment: 'production', approver: 'ana' }),
    );
    received = [];
    const answer = await deliver({
      ...protectionRule(902),
      deployment_callback_url: `${githubUrl}/repos/acme/api/actions/runs/8/deployment_protection_rule`,
    });
    expect(answer.status, JSON.stringify(answer.json)).toBe(201);
    expect(await reviewed()).toEqual([expect.objectContaining({ state: 'approved' })]);
    expect(refusals).toEqual([]);
  }, 120_000);

  it('given a callback URL off the configured GitHub API, when it is delivered, then no token is sent anywhere', async () => {
    received = [];
    const answer = await deliver({
      ...protectionRule(903),
      deployment_callback_url: 'https://attacker.example.com/collect',
    });
    expect(answer.status).toBe(201);
    // The gate still decides (the request is recorded like any other); nobody is called.
    await eventually(async () => {
      const view = await writer('GET', '/v1/deployments/github-deployment-903');
      return ['passed', 'failed'].includes(view.json.deployment?.gate?.status) ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received).toEqual([]);
  }, 120_000);

  it('given a delivery not signed with the tenant secret, when it arrives, then it is refused and GitHub is not called', async () => {
    received = [];
    const text = JSON.stringify(protectionRule(904));
    const answer = await apiClient(runtime.apiUrl)('POST', '/v1/webhooks/github?tenant=gh', text, {
      'content-type': 'application/json',
      ...signedHeaders('github', 'another-secret-entirely-000', text, 'deployment_protection_rule'),
    });
    expect(answer.status).toBe(401);
    expect(received).toEqual([]);
  }, 120_000);

  it('given a bad GitHub App body, when an admin puts it, then it is refused at the field', async () => {
    const bad = await admin('PUT', '/v1/integrations/github-app', { appId: 'abc', privateKey: 'nope' });
    expect(bad.status).toBe(400);
    const paths = (bad.json.error.issues as { path: string[] }[]).map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['appId', 'privateKey']));
    expect((await writer('PUT', '/v1/integrations/github-app', {})).status).toBe(403);
  }, 60_000);
});
