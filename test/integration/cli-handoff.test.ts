import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient } from '../support/http.ts';

const root = resolve(import.meta.dirname, '../..');
const tokens = {
  writer: 'cli-handoff-writer-00001',
  reader: 'cli-handoff-reader-00001',
  admin: 'cli-handoff-admin-000001',
};
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    tokens: [
      { token: tokens.writer, tenant: 'cli', role: 'writer' },
      { token: tokens.reader, tenant: 'cli', role: 'reader' },
      { token: tokens.admin, tenant: 'cli', role: 'admin' },
    ],
  });
});

afterAll(async () => {
  await runtime?.stop();
});

/** Runs the CLI as a GitHub Actions job would: run id, repository and actor from the environment. */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(root, 'infra/cli/release-ledger.mjs'), ...args],
      {
        cwd: root,
        env: {
          ...process.env,
          GITHUB_ACTIONS: 'true',
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_RUN_ID: '77',
          GITHUB_SHA: 'a1b2c3d4',
          GITHUB_ACTOR: 'octocat',
          RELEASE_LEDGER_URL: runtime.apiUrl,
          RELEASE_LEDGER_TOKEN: tokens.writer,
          ...env,
        },
      },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const gateWait = ['gate', 'wait', 'github-77-production', '--timeout', '20s', '--interval', '100ms'];

describe('the release-ledger CLI: checklist and handoff', () => {
  it('given a policy with a checklist and a required handoff, when CI records both, then the gate passes and the handoff prints', async () => {
    const admin = apiClient(runtime.apiUrl, tokens.admin);
    const policy = {
      checklist: [{ item: 'smoke test' }],
      onCall: {
        requireHandoff: true,
        runbooks: ['https://wiki.example.com/shop'],
        escalation: 'page #shop-oncall',
        rollbackProcedure: 'helm rollback shop',
      },
    };
    expect((await admin('PUT', '/v1/policies/shop/production', policy)).status).toBe(201);
    expect((await cli(['release', 'create', '--service', 'shop', '--version', '2.0'])).code).toBe(0);
    const deploy = ['deploy', 'request', '--environment', 'production', '--release-id', 'shop@2.0'];
    expect((await cli(deploy)).code).toBe(0);
    const refused = await cli(gateWait);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('✗ checklist: missing for production: smoke test');
    expect(refused.stdout).toContain('✗ onCallHandoff: no on-call handoff acknowledged');

    // When: the item is done by the CI actor, and the on-call engineer takes the deployment on
    const done = await cli([
      'checklist',
      'complete',
      '--release-id',
      'shop@2.0',
      '--environment',
      'production',
      '--item',
      'smoke test',
    ]);
    expect(done).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^checklist\.item\.completed recorded as #\d+ in release\/shop@2\.0\n$/),
    });
    const ack = await cli([
      'handoff',
      'ack',
      '--deployment-id',
      'github-77-production',
      '--environment',
      'production',
      '--engineer',
      'olga',
      '--json',
    ]);
    expect(JSON.parse(ack.stdout)).toMatchObject({
      stream: 'deployment/github-77-production',
      replayed: false,
    });
    // A re-run job records nothing twice.
    expect(
      JSON.parse(
        (
          await cli([
            'handoff',
            'ack',
            '--deployment-id',
            'github-77-production',
            '--environment',
            'production',
            '--engineer',
            'olga',
            '--json',
          ])
        ).stdout,
      ),
    ).toMatchObject({ replayed: true });

    // Then: a new request passes, and the briefing prints for a reader, readable and as JSON
    await apiClient(runtime.apiUrl, tokens.writer)('POST', '/v1/events', {
      specversion: '1.0',
      id: 'second-request',
      source: 'test',
      type: 'deployment.requested',
      data: { deploymentId: 'github-77-production', environment: 'production', releaseId: 'shop@2.0' },
    });
    expect((await cli(gateWait)).code).toBe(0);
    const printed = await cli(['handoff', 'github-77-production'], { RELEASE_LEDGER_TOKEN: tokens.reader });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('Handoff for github-77-production: shop 2.0 to production');
    expect(printed.stdout).toContain('  target: no earlier version to return to');
    expect(printed.stdout).toContain('  procedure: helm rollback shop');
    expect(printed.stdout).toContain('    https://wiki.example.com/shop');
    expect(printed.stdout).toContain('Escalation: page #shop-oncall');
    expect(printed.stdout).toMatch(/Acknowledged by olga at \S+ \(deployment\)/);
    const json = await cli(['handoff', 'github-77-production', '--json'], {
      RELEASE_LEDGER_TOKEN: tokens.reader,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({
      deploymentId: 'github-77-production',
      handoff: { required: true, acknowledged: true, acknowledgements: [{ engineer: 'olga' }] },
    });
  });

  it('refuses a handoff ack naming neither a deployment nor a release, as a usage error', async () => {
    const refused = await cli(['handoff', 'ack', '--environment', 'production']);
    expect(refused).toMatchObject({
      code: 64,
      stderr: 'release-ledger: give --deployment-id or --release-id\n',
    });
  });
});
