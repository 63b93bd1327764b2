import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundles } from '../support/bundles.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { cloudEvent } from '../support/http.ts';

/**
 * The deployed artefact, not the sources: postEvents and getRelease bundled with the CDK stack's settings
 * (environment-only credentials in place of the SDK's chain), each imported in a fresh Node process as
 * Lambda would, against DynamoDB Local. The functions are given no LEDGER_DYNAMODB_ENDPOINT, so they take
 * the AWS code path and sign with whatever credentials the provider finds; AWS_ENDPOINT_URL_DYNAMODB only
 * redirects the requests.
 */
const run = promisify(execFile);
let tables: TestTables;
let dir: string;
let home: string;
let bundles: { postEvents: string; getRelease: string };

beforeAll(async () => {
  tables = await createTestTables();
  dir = mkdtempSync(join(tmpdir(), 'release-ledger-bundle-'));
  await buildBundles(['postEvents', 'getRelease'], join(dir, 'out'));
  bundles = {
    postEvents: join(dir, 'out', 'postEvents.mjs'),
    getRelease: join(dir, 'out', 'getRelease.mjs'),
  };
  // A home whose shared credentials file has a default profile: the SDK's own chain would use it.
  home = join(dir, 'home');
  mkdirSync(join(home, '.aws'), { recursive: true });
  writeFileSync(
    join(home, '.aws', 'credentials'),
    '[default]\naws_access_key_id = FROMPROFILE\naws_secret_access_key = fromprofile\n',
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const lambdaCredentials = {
  AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEBUNDLE',
  AWS_SECRET_ACCESS_KEY: 'bundle-secret',
  AWS_SESSION_TOKEN: 'bundle-session-token',
};

interface Invocation {
  readonly result: { statusCode: number; body: string };
  readonly stderr: string;
}

/** Imports the bundle in a new Node process (a cold start) and calls its handler once. */
async function invoke(
  bundle: string,
  event: unknown,
  credentials: Record<string, string>,
): Promise<Invocation> {
  const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
process.stdout.write(JSON.stringify(await handler(JSON.parse(process.argv[1]), {})));`;
  const { stdout, stderr } = await run(
    process.execPath,
    ['--input-type=module', '-e', script, JSON.stringify(event)],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        LEDGER_EVENTS_TABLE: tables.eventsTable,
        LEDGER_STATE_TABLE: tables.stateTable,
        ...credentials,
      },
    },
  );
  return { result: JSON.parse(stdout), stderr };
}

function request(role: string, extra: Record<string, unknown>) {
  return {
    version: '2.0',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    requestContext: { authorizer: { lambda: { tenant: 'bundled', role } } },
    ...extra,
  };
}

describe('a bundled function on the AWS code path', () => {
  it('appends and reads back through DynamoDB with the credentials Lambda puts in the environment', async () => {
    const release = { releaseId: 'rel-bundled', service: 'api', version: '2.4.0' };
    const posted = await invoke(
      bundles.postEvents,
      request('writer', { body: JSON.stringify(cloudEvent('release.created', release)) }),
      lambdaCredentials,
    );
    expect(posted.result.statusCode, posted.stderr).toBe(201);

    const read = await invoke(
      bundles.getRelease,
      request('reader', { pathParameters: { releaseId: 'rel-bundled' } }),
      lambdaCredentials,
    );
    expect(read.result.statusCode, read.stderr).toBe(200);
    expect(JSON.parse(read.result.body).release).toMatchObject({
      releaseId: 'rel-bundled',
      version: '2.4.0',
    });
  });

  it('looks nowhere but the environment: a shared credentials profile is not used', async () => {
    const read = await invoke(
      bundles.getRelease,
      request('reader', { pathParameters: { releaseId: 'rel-bundled' } }),
      {},
    );
    expect(read.result.statusCode).toBe(500);
    expect(read.stderr).toContain('Unable to find environment variable credentials');
  });
});
