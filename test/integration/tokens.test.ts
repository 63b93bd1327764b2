import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as tokenAuthorizer } from '../../functions/auth/token-authorizer.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let tables: TestTables;

beforeAll(async () => {
  tables = await createTestTables();
  Object.assign(process.env, {
    LEDGER_EVENTS_TABLE: tables.eventsTable,
    LEDGER_STATE_TABLE: tables.stateTable,
    LEDGER_DYNAMODB_ENDPOINT: tables.endpoint,
  });
});

const authorize = (authorization?: string) =>
  tokenAuthorizer({
    headers: authorization ? { authorization } : {},
  } as unknown as APIGatewayRequestAuthorizerEventV2);

function tokensCli(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'infra/local/tokens-cli.ts', ...args], {
    cwd: root,
    env: { ...process.env, LEDGER_STATE_TABLE: tables.stateTable, LEDGER_DYNAMODB_ENDPOINT: tables.endpoint },
  });
}

describe('tokens', () => {
  it('are created by the tokens command, authorize their tenant and role, and stop working when revoked', async () => {
    const created = await tokensCli('create', '--tenant', 'acme', '--role', 'writer', '--json');
    const { token } = JSON.parse(created.stdout) as { token: string };
    expect(token).toMatch(/^rl_[A-Za-z0-9_-]{32}$/);
    expect(await authorize(`Bearer ${token}`)).toEqual({
      isAuthorized: true,
      context: { tenant: 'acme', role: 'writer' },
    });

    const revoked = await tokensCli('revoke', '--token', token);
    expect(revoked.stdout.trim()).toBe('revoked');
    expect((await authorize(`Bearer ${token}`)).context).toEqual({ reason: 'the bearer token is not valid' });
  });

  it('are never stored in clear', async () => {
    const { stdout } = await tokensCli('create', '--tenant', 'acme', '--role', 'reader');
    const token = stdout.trim();
    const { Items } = await tables.client.send(new ScanCommand({ TableName: tables.stateTable }));
    expect(JSON.stringify(Items)).not.toContain(token);
  });

  it('refuses bad arguments with usage and exit code 2', async () => {
    await expect(tokensCli('create', '--tenant', 'Not A Tenant', '--role', 'writer')).rejects.toMatchObject({
      code: 2,
    });
    await expect(tokensCli('create', '--tenant', 'acme', '--role', 'owner')).rejects.toMatchObject({
      code: 2,
    });
    for (const reserved of ['token', 'alarm', 'checkpoint']) {
      await expect(tokensCli('create', '--tenant', reserved, '--role', 'admin')).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringContaining('reserved'),
      });
    }
    const help = await tokensCli('--help');
    expect(help.stdout).toContain('npm run tokens -- create --tenant');
  });

  it('leaves the caller unauthenticated without a bearer token', async () => {
    expect((await authorize()).context).toEqual({
      reason: 'a bearer token is required (Authorization: Bearer <token>)',
    });
    expect((await authorize('Basic abc')).context?.reason).toMatch(/bearer token is required/);
  });
});
