import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb-local.ts';
import { LOCAL_TABLES } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';
import { expectIntactLedger, readWholeLedger, seededRandom, sleep } from '../support/reliability.ts';

const root = resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'release-ledger-crash-'));
const tokens = [
  { token: 'crash-writer-token-0001', tenant: 'crash', role: 'writer' },
  { token: 'crash-reader-token-0001', tenant: 'crash', role: 'reader' },
];
const EVENTS = 150;
const CLIENTS = 8;
/** SIGKILL once this many appends were acknowledged: the rest are in flight or not yet sent. */
const KILL_AFTER = 50;
const random = seededRandom(0x5eed_0005);

const started: Started[] = [];
afterAll(async () => {
  for (const run of started)
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly apiUrl: string;
  readonly dynamoDbEndpoint: string;
  readonly dynamoDbPid: number;
}

/** `npm start`'s process on the persisted data directory, as an operator would run it. */
async function start(): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      LEDGER_DYNAMODB_PORT: String(await freePort()),
      LEDGER_DATA_DIR: dataDir,
      LEDGER_TOKENS: JSON.stringify(tokens),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  await eventually(() => (text.includes('Release Ledger is running.') ? true : undefined), 90_000);
  const run = {
    child,
    output: () => text,
    apiUrl: `http://127.0.0.1:${port}`,
    dynamoDbEndpoint: /DynamoDB Local:\s+(http:\/\/\S+)/.exec(text)?.[1] ?? '',
    dynamoDbPid: Number(/DynamoDB Local listening on \S+ \(pid (\d+)\)/.exec(text)?.[1]),
  };
  started.push(run);
  return run;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function stateTable(endpoint: string) {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return DynamoDBDocumentClient.from(client);
}

/** The relay's checkpoints (one per shard) and the DORA projector's, as the runtime stores them. */
async function checkpoints(endpoint: string) {
  const documents = stateTable(endpoint);
  const { Items = [] } = await documents.send(
    new ScanCommand({
      TableName: LOCAL_TABLES.stateTable,
      FilterExpression: 'sk = :sk',
      ExpressionAttributeValues: { ':sk': 'checkpoint' },
      ConsistentRead: true,
    }),
  );
  documents.destroy();
  return {
    relay: Items.filter((i) => String(i.pk).startsWith('checkpoint#relay#')).map((i) =>
      String(i.sequenceNumber),
    ),
    dora: Items.filter((i) => /^crash#dora#.*#checkpoint$/.test(String(i.pk))).map((i) => Number(i.seq)),
  };
}

const event = (n: number) =>
  n % 3 === 0
    ? cloudEvent(
        'deployment.requested',
        { deploymentId: `dep-${n}`, environment: 'staging', releaseId: 'api-1.0' },
        { id: `crash-${n}` },
      )
    : cloudEvent('incident.resolved', { incidentId: `inc-${n}` }, { id: `crash-${n}` });
const REQUESTS = Math.floor(EVENTS / 3);

describe('a crash in the middle of a load', () => {
  it('loses and duplicates nothing across SIGKILL and restart; relay and projector catch up from their checkpoints', async () => {
    const first = await start();
    const writer = apiClient(first.apiUrl, tokens[0]?.token);
    expect(
      (
        await writer(
          'POST',
          '/v1/events',
          cloudEvent(
            'release.created',
            { releaseId: 'api-1.0', service: 'api', version: '1.0' },
            { id: 'crash-0' },
          ),
        )
      ).status,
    ).toBe(201);

    const acked = new Map<number, { seq: number; hash: string }>();
    const queue = Array.from({ length: EVENTS }, (_, i) => EVENTS - i);
    let killing = false;
    let killed = false;
    let inFlightAtKill = 0;
    let inFlight = 0;
    // The relay's position while the load runs: after the restart it must move on from there, not restart.
    let relayAtLoad: string[] = [];
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let n = queue.pop(); n && !killed; n = queue.pop()) {
          inFlight += 1;
          try {
            const response = await writer('POST', '/v1/events', event(n));
            if (response.status === 201 || response.status === 200) acked.set(n, response.json.event);
          } catch {
            // The connection died with the process: the client does not know whether it was stored.
          } finally {
            inFlight -= 1;
          }
          if (acked.size >= KILL_AFTER && !killing) {
            // The other clients keep posting meanwhile, so the kill lands in the middle of the load.
            killing = true;
            relayAtLoad = await eventually(async () => {
              const { relay } = await checkpoints(first.dynamoDbEndpoint);
              return relay.length > 0 ? relay : undefined;
            }, 20_000);
            inFlightAtKill = inFlight;
            first.child.kill('SIGKILL');
            killed = true;
          }
          await sleep(Math.floor(random() * 10));
        }
      }),
    );
    await eventually(() => (first.child.signalCode === 'SIGKILL' ? true : undefined), 10_000);
    // DynamoDB Local's JVM has a watchdog on its parent's pipe: it must not outlive a SIGKILLed runtime.
    await eventually(() => (groupAlive(first.dynamoDbPid) ? undefined : true), 15_000);
    const second = await start();
    expect(second.output()).not.toMatch(/checkpoint .* is gone/);
    const retryWriter = apiClient(second.apiUrl, tokens[0]?.token);
    let replayedAfterRestart = 0;
    // Every client retries what it has no answer for: lost in flight, or never sent.
    const unanswered = Array.from({ length: EVENTS }, (_, i) => i + 1).filter((n) => !acked.has(n));
    const retries = unanswered.length;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let n = unanswered.pop(); n; n = unanswered.pop()) {
          const response = await retryWriter('POST', '/v1/events', event(n));
          expect([200, 201], JSON.stringify(response.json)).toContain(response.status);
          if (response.status === 200) replayedAfterRestart += 1;
          acked.set(n, response.json.event);
        }
      }),
    );
    // 1 release, EVENTS posted, one gate decision per request (which needs relay → bus → rule after restart).
    const reader = apiClient(second.apiUrl, tokens[1]?.token);
    const total = 1 + EVENTS + REQUESTS;
    await eventually(
      async () => ((await readWholeLedger(reader)).length >= total ? true : undefined),
      60_000,
    );
    const events = await expectIntactLedger(reader, total);
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const [n, answer] of acked)
      expect(byId.get(`crash-${n}`)).toMatchObject({ seq: answer.seq, hash: answer.hash });
    const decided = events.filter((e) => e.type === 'gate.evaluated').map((e) => e.data.deploymentId);
    expect(new Set(decided)).toEqual(
      new Set(Array.from({ length: REQUESTS }, (_, i) => `dep-${3 * (i + 1)}`)),
    );
    for (let n = 3; n <= EVENTS; n += 3) {
      const view = (await reader('GET', `/v1/deployments/dep-${n}`)).json.deployment;
      expect(view, `dep-${n}`).toMatchObject({ status: 'requested', gate: { status: 'passed' } });
    }

    const head = events.length;
    const after = await eventually(async () => {
      const found = await checkpoints(second.dynamoDbEndpoint);
      return found.dora.includes(head) ? found : undefined;
    }, 30_000);
    expect(after.relay.length).toBeGreaterThan(0);
    for (const before of relayAtLoad)
      expect(after.relay.some((now) => BigInt(now) >= BigInt(before))).toBe(true);

    second.child.kill('SIGTERM');
    await eventually(() => (second.child.exitCode === null ? undefined : true), 15_000);
    console.info(
      `crash: ${EVENTS} events + ${REQUESTS} gate decisions, SIGKILL after ${KILL_AFTER} acks with ${inFlightAtKill} requests in flight; ${retries} retried after restart, of which ${replayedAfterRestart} had been stored before the crash (200 replayed)`,
    );
  }, 240_000);
});
