import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, eventually } from '../support/http.ts';

/**
 * A Tekton-like controller's CDEvents, none naming a release: a pipeline run starts, packages an
 * artifact, runs a test suite, and the service is deployed — all in one CDEvents chain. The test run is
 * linked to the deployed release by that chain, shown so in the release, and counted by its gate.
 */
const tokens = [
  { token: 'chain-admin-token-000001', tenant: 'tekton', role: 'admin' },
  { token: 'chain-writer-token-00001', tenant: 'tekton', role: 'writer' },
] as const;
const CHAIN = '4c8cb7dd-3448-41de-8768-eec704e2829b';
const ARTIFACT = 'pkg:oci/checkout@v3.0.0?repository_url=ghcr.io%2Facme%2Fcheckout';
const RELEASE = 'checkout@v3.0.0';

let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
let writer: ReturnType<typeof apiClient>;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  writer = apiClient(runtime.apiUrl, tokens[1].token);
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

function cdevent(id: string, type: string, subject: Record<string, unknown>, chainId = CHAIN) {
  return {
    context: {
      specversion: '0.5.1',
      id,
      source: '/tekton/pipelines/checkout',
      type,
      timestamp: '2026-11-21T10:00:00Z',
      chainId,
    },
    subject: { source: '/tekton/pipelines/checkout', ...subject },
  };
}

async function post(body: unknown) {
  const response = await writer('POST', '/v1/events', body);
  expect(response.status, JSON.stringify(response.json)).toBe(201);
  return response.json.event as { type: string; stream: string };
}

describe('a CDEvents chain links a test run to its release', () => {
  it('links the suite run by chain in the release view and counts it in the gate', async () => {
    const started = await post(
      cdevent('run-1-started', 'dev.cdevents.pipelinerun.started.0.3.0', {
        id: 'checkout-run-1',
        content: { pipelineName: 'build-and-test', uri: 'https://tekton/run/1' },
      }),
    );
    expect(started).toMatchObject({ type: 'pipeline.run.started', stream: 'pipeline/checkout-run-1' });
    const packaged = await post(
      // The spec's artifact.packaged requires the change the artifact was built from.
      cdevent('run-1-packaged', 'dev.cdevents.artifact.packaged.0.3.0', {
        id: ARTIFACT,
        content: { change: { id: 'checkout/pull/17' } },
      }),
    );
    expect(packaged.type).toBe('artifact.packaged');
    const tested = await post(
      cdevent('run-1-tested', 'dev.cdevents.testsuiterun.finished.0.3.0', {
        id: 'checkout-run-1-suite',
        content: {
          outcome: 'success',
          environment: { id: 'ci' },
          testSuite: { id: 'integration', name: 'Integration' },
        },
      }),
    );
    expect(tested).toMatchObject({ type: 'tests.completed', stream: 'testsuite/checkout-run-1-suite' });
    // Another chain's failing run names nothing either: stored, and tied to no release.
    await post(
      cdevent(
        'other-run-tested',
        'dev.cdevents.testsuiterun.finished.0.3.0',
        {
          id: 'other-run-suite',
          content: { outcome: 'failure', environment: { id: 'ci' }, testSuite: { id: 'integration' } },
        },
        'another-chain',
      ),
    );
    await post(
      cdevent('run-1-deployed', 'dev.cdevents.service.deployed.0.3.0', {
        id: 'checkout',
        content: { environment: { id: 'staging' }, artifactId: ARTIFACT },
      }),
    );

    const release = await admin('GET', `/v1/releases/${encodeURIComponent(RELEASE)}`);
    expect(release.status).toBe(200);
    expect(release.json.release.tests).toEqual([
      expect.objectContaining({ suite: 'integration', passed: true, linkedBy: 'chain' }),
    ]);

    expect(
      (await admin('PUT', '/v1/policies/checkout/production', { requireTestsPassed: true })).status,
    ).toBe(201);
    await post({
      specversion: '1.0',
      id: 'prod-request-1',
      source: 'https://deploy.example.com',
      type: 'deployment.requested',
      data: { deploymentId: 'checkout-prod-1', environment: 'production', releaseId: RELEASE },
    });
    const gate = await eventually(async () => {
      const view = (await admin('GET', '/v1/deployments/checkout-prod-1')).json?.deployment;
      return view?.gate?.status && view.gate.status !== 'pending' ? view.gate : undefined;
    }, 60_000);
    expect(gate.status).toBe('passed');
    expect(gate.checks).toContainEqual(
      expect.objectContaining({
        name: 'tests-passed',
        passed: true,
        observed: { suites: { integration: true } },
      }),
    );
  }, 180_000);
});
