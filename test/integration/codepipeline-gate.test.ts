import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent } from '../support/http.ts';

const tokens = [
  { token: 'codepipeline-admin-token', tenant: 'cp', role: 'admin' },
  { token: 'codepipeline-writer-tok1', tenant: 'cp', role: 'writer' },
] as const;

interface JobResultCall {
  readonly headers: IncomingHttpHeaders;
  readonly target: string | undefined;
  readonly body: Record<string, unknown>;
}

/** A stand-in for CodePipeline's JSON 1.1 endpoint: records each call and answers as the service does. */
let calls: JobResultCall[] = [];
let codePipeline: Server;
let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
let writer: ReturnType<typeof apiClient>;

beforeAll(async () => {
  codePipeline = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => {
      text += chunk;
    });
    request.on('end', () => {
      calls.push({
        headers: request.headers,
        target: request.headers['x-amz-target'] as string | undefined,
        body: JSON.parse(text),
      });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => codePipeline.listen(0, '127.0.0.1', resolve));
  process.env.LEDGER_CODEPIPELINE_ENDPOINT = `http://127.0.0.1:${(codePipeline.address() as AddressInfo).port}/`;
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  writer = apiClient(runtime.apiUrl, tokens[1].token);
  const posted = await writer(
    'POST',
    '/v1/events',
    cloudEvent('release.created', { releaseId: 'pay-3.1.0', service: 'pay', version: '3.1.0' }),
  );
  expect(posted.status).toBe(201);
  expect((await admin('PUT', '/v1/policies/pay/production', { requiredApprovals: 1 })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  delete process.env.LEDGER_CODEPIPELINE_ENDPOINT;
  await runtime?.stop();
  await new Promise((resolve) => codePipeline?.close(resolve));
});

/** The event CodePipeline sends a Lambda function (AWS Lambda developer guide, "Example CodePipeline event"). */
function jobEvent(jobId: string, userParameters: Record<string, unknown> | string) {
  return {
    'CodePipeline.job': {
      id: jobId,
      accountId: '123456789012',
      data: {
        actionConfiguration: {
          configuration: {
            FunctionName: 'release-ledger-codePipelineGate',
            UserParameters:
              typeof userParameters === 'string' ? userParameters : JSON.stringify(userParameters),
          },
        },
        inputArtifacts: [],
        outputArtifacts: [],
        artifactCredentials: {
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          sessionToken: 'token',
          expirationTime: 1575493418000,
        },
      },
    },
  };
}
const gate = { tenant: 'cp', service: 'pay', environment: 'production', releaseId: 'pay-3.1.0' };

describe('the codePipelineGate function as a LambdaInvoke rule', () => {
  it('given an unapproved release, when CodePipeline invokes the rule, then it reports PutJobFailureResult naming the failing check, signed for codepipeline', async () => {
    calls = [];
    await runtime.invoke('codePipelineGate', jobEvent('11111111-aaaa-4bbb-8ccc-000000000001', gate));
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.target).toBe('CodePipeline_20150709.PutJobFailureResult');
    expect(call?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(call?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/us-east-1\/codepipeline\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(call?.body).toMatchObject({
      jobId: '11111111-aaaa-4bbb-8ccc-000000000001',
      failureDetails: { type: 'JobFailed', message: expect.stringContaining('approvals: 0 of 1') },
    });
    // The same decision the API answers: the evaluation is in the ledger under its externalExecutionId.
    const evaluationId = (call?.body.failureDetails as { externalExecutionId: string } | undefined)
      ?.externalExecutionId;
    const evaluation = await writer('GET', `/v1/gates/evaluations/${evaluationId}`);
    expect(evaluation.json).toMatchObject({ status: 'failed', service: 'pay', environment: 'production' });
  }, 120_000);

  it('given the same job invoked again, when the rule re-runs, then no second evaluation is recorded and the answer is the same', async () => {
    const before = (await admin('GET', '/v1/events?limit=1000')).json.events.length;
    calls = [];
    await runtime.invoke('codePipelineGate', jobEvent('11111111-aaaa-4bbb-8ccc-000000000001', gate));
    expect(calls.map((c) => c.target)).toEqual(['CodePipeline_20150709.PutJobFailureResult']);
    expect((await admin('GET', '/v1/events?limit=1000')).json.events.length).toBe(before);
  }, 120_000);

  it('given an approval, when a new job asks, then it reports PutJobSuccessResult', async () => {
    const approved = await writer(
      'POST',
      '/v1/events',
      cloudEvent('approval.granted', { releaseId: 'pay-3.1.0', environment: 'production', approver: 'ana' }),
    );
    expect(approved.status).toBe(201);
    calls = [];
    await runtime.invoke('codePipelineGate', jobEvent('11111111-aaaa-4bbb-8ccc-000000000002', gate));
    expect(calls).toHaveLength(1);
    expect(calls[0]?.target).toBe('CodePipeline_20150709.PutJobSuccessResult');
    expect(calls[0]?.body).toMatchObject({
      jobId: '11111111-aaaa-4bbb-8ccc-000000000002',
      executionDetails: { summary: expect.stringContaining('Release gate passed') },
    });
  }, 120_000);

  it('given a failing gate in dry-run, when the rule asks with dryRun, then the stage may enter and the summary says what it would have blocked', async () => {
    const created = await writer(
      'POST',
      '/v1/events',
      cloudEvent('release.created', { releaseId: 'pay-3.2.0', service: 'pay', version: '3.2.0' }),
    );
    expect(created.status).toBe(201);
    calls = [];
    await runtime.invoke(
      'codePipelineGate',
      jobEvent('11111111-aaaa-4bbb-8ccc-000000000003', { ...gate, releaseId: 'pay-3.2.0', dryRun: true }),
    );
    expect(calls[0]?.target).toBe('CodePipeline_20150709.PutJobSuccessResult');
    expect((calls[0]?.body.executionDetails as { summary: string } | undefined)?.summary).toContain(
      'Dry run: the gate would have failed (approvals: 0 of 1',
    );
  }, 120_000);

  it('given UserParameters without a tenant or release, when the rule runs, then it reports a ConfigurationError with the paths and records nothing', async () => {
    const before = (await admin('GET', '/v1/events?limit=1000')).json.events.length;
    calls = [];
    await runtime.invoke(
      'codePipelineGate',
      jobEvent('11111111-aaaa-4bbb-8ccc-000000000004', { service: 'pay' }),
    );
    await runtime.invoke(
      'codePipelineGate',
      jobEvent('11111111-aaaa-4bbb-8ccc-000000000005', {
        tenant: 'cp',
        service: 'pay',
        environment: 'production',
      }),
    );
    await runtime.invoke('codePipelineGate', jobEvent('11111111-aaaa-4bbb-8ccc-000000000006', 'not json'));
    expect(calls.map((c) => c.target)).toEqual(Array(3).fill('CodePipeline_20150709.PutJobFailureResult'));
    const messages = calls.map((c) => (c.body.failureDetails as { type: string; message: string }).message);
    expect(
      calls.every((c) => (c.body.failureDetails as { type: string }).type === 'ConfigurationError'),
    ).toBe(true);
    expect(messages[0]).toContain('tenant');
    expect(messages[1]).toContain('releaseId');
    expect((await admin('GET', '/v1/events?limit=1000')).json.events.length).toBe(before);
  }, 120_000);
});
