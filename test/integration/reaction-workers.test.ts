import { readdirSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, reactionFunctions, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [{ token: 'workers-admin-token-0001', tenant: 'workers', role: 'admin' }] as const;

let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
const logged: string[] = [];

/** The operating system's threads of this process: a worker thread is one of them until it ends. */
const osThreads = () => readdirSync('/proc/self/task').length;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    tokens: [...tokens],
    reactions: 'workers',
    scheduleIntervalMs: 0,
    log: (line) => logged.push(line),
  });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  // Eleven workers each load the SDK and their handler (about a second of CPU each) before start returns.
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('reactions out of the API process (reactions: workers)', () => {
  it('runs the relay and every rule target, schedule and pipeline function in a worker thread of its own', () => {
    const workers = runtime.reactionWorkers();
    expect(workers.map((w) => w.function).sort()).toEqual([...reactionFunctions].sort());
    expect(reactionFunctions).toEqual(
      expect.arrayContaining([
        'streamRelay',
        'evaluateGate',
        'projectDora',
        'requestRollback',
        'watchRelease',
      ]),
    );
    expect(reactionFunctions).not.toContain('postEvents');
    expect(reactionFunctions).not.toContain('tokenAuthorizer');
    const threads = workers.map((w) => w.threadId);
    expect(new Set(threads).size).toBe(threads.length);
    expect(threads).not.toContain(threadId);
  });

  it('still decides a requested deployment end to end: stream → relay → bus → gate → ledger', async () => {
    const post = async (type: string, data: Record<string, unknown>) =>
      expect((await admin('POST', '/v1/events', cloudEvent(type, data))).status).toBe(201);
    await post('release.created', { releaseId: 'api-2.0', service: 'api', version: '2.0' });
    await post('deployment.requested', {
      deploymentId: 'prod-w1',
      environment: 'production',
      releaseId: 'api-2.0',
      service: 'api',
    });

    const gate = await eventually(async () => {
      const deployment = (await admin('GET', '/v1/deployments/prod-w1')).json.deployment;
      return deployment?.gate.status === 'pending' ? undefined : deployment?.gate;
    });
    expect(['passed', 'failed']).toContain(gate.status);
    const ledger = (await admin('GET', '/v1/events?limit=100')).json.events as {
      seq: number;
      type: string;
      data: Record<string, unknown>;
    }[];
    expect(ledger.filter((e) => e.type === 'gate.evaluated')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ deploymentId: 'prod-w1' }) }),
    ]);
    // The projector ran in its worker too: the metrics are served from a projection that has caught up.
    const last = Math.max(...ledger.map((e) => e.seq));
    const source = await eventually(async () => {
      const metrics = (await admin('GET', '/v1/metrics/dora?service=api')).json;
      return metrics.source?.kind === 'projection' && metrics.source.seq >= last ? metrics.source : undefined;
    });
    expect(source.seq).toBeGreaterThanOrEqual(last);
  });

  it('hands a failing invocation back as the function’s error, so the bus retries it and then dead-letters', async () => {
    // A bus event the ledger never held: the reaction refuses its detail and throws, in its worker.
    await expect(runtime.invoke('evaluateGate', { detail: { tenant: 42 } })).rejects.toMatchObject({
      name: 'ZodError',
    });

    const bus = new EventBridgeClient({
      endpoint: runtime.busEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await bus.send(
      new PutEventsCommand({
        Entries: [{ Source: 'release-ledger', DetailType: 'deployment.requested', Detail: '{"tenant":42}' }],
      }),
    );
    bus.destroy();
    await runtime.bus.idle();
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^event-bus: rule gate-evaluation target failed \(attempt 3\)/),
        expect.stringMatching(/^event-bus: dead letter for rule gate-evaluation/),
      ]),
    );
    // The worker that threw still serves the next invocation.
    expect(runtime.reactionWorkers().map((w) => w.function)).toContain('evaluateGate');
  });

  it('leaves no worker thread behind once stopped', async () => {
    const workers = runtime.reactionWorkers().length;
    const before = osThreads();
    await runtime.stop();

    expect(runtime.reactionWorkers()).toEqual([]);
    // Each worker was at least one thread of this process; libuv's and V8's own threads stay.
    expect(before - osThreads()).toBeGreaterThanOrEqual(workers);
  });
});
