import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb-local.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const root = resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'release-ledger-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly apiUrl: string;
  readonly dynamoDbPid: number;
}

/** Runs the same process `npm start` runs, with the documented environment. */
async function start(env: Record<string, string>, timeoutMs = 90_000): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), LEDGER_DYNAMODB_PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  await eventually(() => (text.includes('Release Ledger is running.') ? true : undefined), timeoutMs);
  const pid = Number(/DynamoDB Local listening on \S+ \(pid (\d+)\)/.exec(text)?.[1]);
  return { child, output: () => text, apiUrl: `http://127.0.0.1:${port}`, dynamoDbPid: pid };
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(started: Started, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolveExit) =>
    started.child.once('exit', (code) => resolveExit(code)),
  );
  started.child.kill(signal);
  return exited;
}

describe('npm start', () => {
  it('prints the URLs and dev tokens, serves health, and leaves no Java behind on SIGTERM', async () => {
    const started = await start({ LEDGER_DATA_DIR: dataDir });
    expect(started.output()).toMatch(/API:\s+http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(started.output()).toMatch(/DynamoDB Local:\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(started.output()).toMatch(/Dashboard: +http:\/\/127\.0\.0\.1:\d+\/#token=rl_/);
    expect(started.output()).toMatch(/API reference: +http:\/\/127\.0\.0\.1:\d+\/docs/);
    expect((await apiClient(started.apiUrl)('GET', '/v1/health')).status).toBe(200);
    const tokens = JSON.parse(readFileSync(join(dataDir, 'dev-tokens.json'), 'utf8')) as {
      token: string;
      role: string;
    }[];
    expect(tokens.map((t) => t.role)).toEqual(['writer', 'reader', 'admin']);
    for (const token of tokens) expect(started.output()).toContain(token.token);

    const writer = apiClient(started.apiUrl, tokens[0]?.token);
    expect(
      (await writer('POST', '/v1/events', cloudEvent('incident.resolved', { incidentId: 'before-restart' })))
        .status,
    ).toBe(201);

    expect(groupAlive(started.dynamoDbPid)).toBe(true);
    expect(await stop(started, 'SIGTERM')).toBe(0);
    await eventually(() => (groupAlive(started.dynamoDbPid) ? undefined : true), 10_000);
  });

  it('continues the same chain when restarted on the persisted data', async () => {
    const started = await start({ LEDGER_DATA_DIR: dataDir });
    const tokens = JSON.parse(readFileSync(join(dataDir, 'dev-tokens.json'), 'utf8')) as { token: string }[];
    const writer = apiClient(started.apiUrl, tokens[0]?.token);
    const reader = apiClient(started.apiUrl, tokens[1]?.token);
    const after = await writer(
      'POST',
      '/v1/events',
      cloudEvent('incident.resolved', { incidentId: 'after-restart' }),
    );
    expect(after.json.event.seq).toBe(2);
    expect((await reader('GET', '/v1/audit/verify')).json).toMatchObject({ ok: true, checked: 2 });
    expect(await stop(started, 'SIGINT')).toBe(0);
    await eventually(() => (groupAlive(started.dynamoDbPid) ? undefined : true), 10_000);
  });

  it('uses LEDGER_TOKENS and keeps nothing on disk with LEDGER_IN_MEMORY=1', async () => {
    const tokens = [{ token: 'ci-writer-token-000001', tenant: 'ci', role: 'writer' }];
    const started = await start({ LEDGER_IN_MEMORY: '1', LEDGER_TOKENS: JSON.stringify(tokens) });
    expect(started.output()).toContain('in memory');
    const writer = apiClient(started.apiUrl, tokens[0]?.token);
    expect(
      (await writer('POST', '/v1/events', cloudEvent('incident.resolved', { incidentId: 'x' }))).json.event
        .seq,
    ).toBe(1);
    expect(await stop(started, 'SIGTERM')).toBe(0);
    await eventually(() => (groupAlive(started.dynamoDbPid) ? undefined : true), 10_000);
  });

  it('runs the reactions in a worker per function with LEDGER_REACTIONS=workers and still exits 0', async () => {
    const tokens = [{ token: 'ci-admin-token-0000001', tenant: 'ci', role: 'admin' }];
    // Eleven workers each load the SDK and their handler: a slower start on a shared machine.
    const started = await start(
      { LEDGER_IN_MEMORY: '1', LEDGER_TOKENS: JSON.stringify(tokens), LEDGER_REACTIONS: 'workers' },
      200_000,
    );
    expect(started.output()).toMatch(/Reactions: +a worker thread per function/);
    const admin = apiClient(started.apiUrl, tokens[0]?.token);
    const requested = cloudEvent('deployment.requested', {
      deploymentId: 'w-1',
      environment: 'staging',
      releaseId: 'w-rel',
      service: 'api',
    });
    expect((await admin('POST', '/v1/events', requested)).status).toBe(201);
    const gate = await eventually(async () => {
      const deployment = (await admin('GET', '/v1/deployments/w-1')).json.deployment;
      return deployment?.gate.status === 'pending' ? undefined : deployment?.gate;
    });
    expect(gate.status).toMatch(/^(passed|failed)$/);
    expect(await stop(started, 'SIGTERM')).toBe(0);
    await eventually(() => (groupAlive(started.dynamoDbPid) ? undefined : true), 10_000);
  }, 300_000);

  it('refuses a LEDGER_REACTIONS it does not know before starting anything', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
      cwd: root,
      env: { ...process.env, LEDGER_IN_MEMORY: '1', LEDGER_REACTIONS: 'threads' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
    expect(code).toBe(2);
    expect(errors).toContain("LEDGER_REACTIONS must be in-process or workers, got 'threads'");
  });
});
