import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient } from '../support/http.ts';

const root = resolve(import.meta.dirname, '../..');
const tokens = {
  writer: 'cli-writer-token-0000001',
  admin: 'cli-admin-token-00000001',
};
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    tokens: [
      { token: tokens.writer, tenant: 'cli', role: 'writer' },
      { token: tokens.admin, tenant: 'cli', role: 'admin' },
    ],
  });
});

afterAll(async () => {
  await runtime?.stop();
});

/** Runs the CLI as a GitHub Actions job would: run id and repository from the environment. */
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
          GITHUB_REPOSITORY: 'acme/api',
          GITHUB_RUN_ID: '4242',
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

describe('the release-ledger CLI', () => {
  it('records a release once even when the job is re-run', async () => {
    const first = await cli(['release', 'create', '--service', 'api', '--version', '1.0.0']);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/^release\.created recorded as #1 in release\/api@1\.0\.0\n$/);
    const rerun = await cli(['release', 'create', '--service', 'api', '--version', '1.0.0', '--json']);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ seq: 1, replayed: true });
  });

  it('requests a deployment and waits for its gate: 0 passed, 1 failed, 2 timed out', async () => {
    const requested = await cli([
      'deploy',
      'request',
      '--environment',
      'staging',
      '--release-id',
      'api@1.0.0',
    ]);
    expect(requested.code).toBe(0);
    const passed = await cli([
      'gate',
      'wait',
      'github-4242-staging',
      '--timeout',
      '20s',
      '--interval',
      '100ms',
    ]);
    expect(passed).toMatchObject({
      code: 0,
      stdout: 'gate passed for github-4242-staging (no policy: nothing to check)\n',
    });

    const admin = apiClient(runtime.apiUrl, tokens.admin);
    expect((await admin('PUT', '/v1/policies/api/production', { requiredApprovals: 1 })).status).toBe(201);
    await cli(['deploy', 'request', '--environment', 'production', '--release-id', 'api@1.0.0']);
    const failed = await cli([
      'gate',
      'wait',
      'github-4242-production',
      '--timeout',
      '20s',
      '--interval',
      '100ms',
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('✗ approvals: 0 of 1 required approvals for production');

    const timedOut = await cli([
      'gate',
      'wait',
      'never-requested',
      '--timeout',
      '300ms',
      '--interval',
      '100ms',
    ]);
    expect(timedOut.code).toBe(2);
  });

  it('approves as the CI actor, reports tests and deployments, and verifies the ledger', async () => {
    expect((await cli(['approve', '--release-id', 'api@1.0.0', '--environment', 'production'])).code).toBe(0);
    expect(
      (await cli(['tests', '--release-id', 'api@1.0.0', '--suite', 'unit', '--passed', '--total', '12']))
        .code,
    ).toBe(0);
    expect(
      (
        await cli([
          'deploy',
          'start',
          '--environment',
          'production',
          '--service',
          'api',
          '--version',
          '1.0.0',
        ])
      ).code,
    ).toBe(0);
    expect(
      (await cli(['deploy', 'succeed', '--environment', 'production', '--release-id', 'api@1.0.0'])).code,
    ).toBe(0);
    const release = await apiClient(runtime.apiUrl, tokens.admin)('GET', '/v1/releases/api@1.0.0');
    expect(release.json.release.approvals).toEqual([expect.objectContaining({ approver: 'octocat' })]);
    expect(release.json.release.environments.production.status).toBe('succeeded');
    const verified = await cli(['verify'], { RELEASE_LEDGER_TOKEN: tokens.admin });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ledger verified: \d+ events, head #\d+ [0-9a-f]{64}\n$/);
  });

  it('creates and revokes tokens for its own tenant', async () => {
    const created = await cli(['tokens', 'create', '--role', 'reader', '--json'], {
      RELEASE_LEDGER_TOKEN: tokens.admin,
    });
    const { token, tenant, role } = JSON.parse(created.stdout) as {
      token: string;
      tenant: string;
      role: string;
    };
    expect([tenant, role]).toEqual(['cli', 'reader']);
    expect((await apiClient(runtime.apiUrl, token)('GET', '/v1/events')).status).toBe(200);
    const revoked = await cli(['tokens', 'revoke', '--token-to-revoke', token], {
      RELEASE_LEDGER_TOKEN: tokens.admin,
    });
    expect(revoked).toMatchObject({ code: 0, stdout: 'revoked\n' });
    expect((await apiClient(runtime.apiUrl, token)('GET', '/v1/events')).status).toBe(401);
  });

  it('records alerts and a metric sample at the time given, once even when the job is re-run', async () => {
    const signal = ['--service', 'api', '--environment', 'production'];
    const fired = ['alert', 'fire', '--alert-id', 'a-1', '--name', 'HighErrorRate', ...signal];
    const at = ['--at', '2026-12-03T10:00:00+01:00'];
    expect(await cli([...fired, '--severity', 'critical', ...at])).toMatchObject({ code: 0 });
    const again = await cli([...fired, '--severity', 'critical', ...at, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ replayed: true });
    const resolved = ['alert', 'resolve', '--alert-id', 'a-1', '--name', 'HighErrorRate', ...signal];
    expect(await cli([...resolved, '--at', '2026-12-03T09:30:00Z'])).toMatchObject({ code: 0 });
    const sample = ['metric', ...signal, '--metric', 'error_rate', '--value', '0.042', '--unit', 'ratio'];
    expect(await cli([...sample, '--at', '2026-12-03T09:05:00Z'])).toMatchObject({ code: 0 });

    const events = (await apiClient(runtime.apiUrl, tokens.admin)('GET', '/v1/events?limit=200')).json
      .events as { type: string; occurredAt: string; data: Record<string, unknown> }[];
    const signals = events.filter((e) => e.type.startsWith('alert.') || e.type === 'metric.observed');
    expect(
      signals
        .map(({ type, occurredAt, data }) => ({ type, time: occurredAt, data }))
        .sort((a, b) => a.type.localeCompare(b.type)),
    ).toEqual([
      {
        type: 'alert.fired',
        time: '2026-12-03T09:00:00.000Z',
        data: {
          alertId: 'a-1',
          name: 'HighErrorRate',
          service: 'api',
          environment: 'production',
          severity: 'critical',
        },
      },
      {
        type: 'alert.resolved',
        time: '2026-12-03T09:30:00.000Z',
        data: { alertId: 'a-1', name: 'HighErrorRate', service: 'api', environment: 'production' },
      },
      {
        type: 'metric.observed',
        time: '2026-12-03T09:05:00.000Z',
        data: {
          service: 'api',
          environment: 'production',
          metric: 'error_rate',
          value: 0.042,
          unit: 'ratio',
        },
      },
    ]);
    expect(await cli([...sample.slice(0, -4), '--value', 'NaN'])).toMatchObject({
      code: 64,
      stderr: 'release-ledger: --value must be a finite number\n',
    });
    expect(await cli([...fired, '--at', 'yesterday'])).toMatchObject({ code: 64 });
  });

  it('prints the DORA metrics with release health and its targets as a table', async () => {
    const result = await cli(['metrics', '--service', 'api'], { RELEASE_LEDGER_TOKEN: tokens.admin });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^\s+metric\s+value\s+tier/);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\s+deployment frequency\s+\d+ \(/),
        expect.stringMatching(/^\s+release frequency\s+\d+ \(/),
        expect.stringMatching(/^\s+rollback rate\s+(n\/a|\d+\.\d %) \(\d+ of \d+\)\s+target < 2\.0 %/),
        expect.stringMatching(/^\s+post-release alerts \(median ratio\)\s+.+ above\s+target < 10\.0 %/),
      ]),
    );
    const json = await cli(['metrics', '--service', 'api', '--json'], { RELEASE_LEDGER_TOKEN: tokens.admin });
    expect(JSON.parse(json.stdout)).toMatchObject({
      rollbackRate: expect.any(Object),
      targets: expect.any(Object),
    });
  });

  it('fails with a clear message and a non-zero code', async () => {
    const usage = await cli(['deploy', 'start', '--release-id', 'x'], { GITHUB_ACTIONS: '' });
    expect(usage).toMatchObject({
      code: 64,
      stderr: 'release-ledger: --deployment-id is required outside GitHub Actions and GitLab CI\n',
    });
    const refused = await cli([
      'incident',
      'open',
      '--incident-id',
      'i',
      '--service',
      's',
      '--environment',
      'e',
      '--severity',
      'sev9',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('400 validation_failed');
    expect(refused.stderr).toContain('data.severity');
    const unauthorized = await cli(['verify'], { RELEASE_LEDGER_TOKEN: 'wrong-token-000000000' });
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toContain('401 unauthorized');
    const help = await cli(['--help']);
    expect(help.stdout).toContain('gate wait <deploymentId>');
  });
});
