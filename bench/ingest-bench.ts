import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canonicalJson } from '../domain/ledger/canonical-json.ts';
import { sha256Hex } from '../domain/ledger/hash-chain.ts';
import { DynamoDbEventStore } from '../functions/adapters/dynamodb-event-store.ts';
import type { LocalRuntime, ReactionsMode } from '../infra/local/runtime.ts';
import { percentile, progress, round, timedPool } from './stats.ts';

export interface IngestRun {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly eventsPerSec: number;
  /** Bare conditional PutItems to DynamoDB Local from the same process, same count and concurrency. */
  readonly floorEventsPerSec: number;
  /** floor ÷ ours: how many times slower the full handler path is than the bare write. */
  readonly overheadRatio: number;
  /**
   * The same events straight into the store (`appendEvents`, no HTTP, no authorizer, no handler), same
   * count and concurrency, with the reactions still running: what the append transaction alone costs.
   * Absent in results written before it was measured.
   */
  readonly storeOnly?: {
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly eventsPerSec: number;
    /** floor ÷ store only. */
    readonly overheadRatio: number;
  };
}

/** One client appending one event at a time, and 16 at once. */
export interface IngestFigures {
  readonly sequential: IngestRun;
  readonly concurrent16: IngestRun;
}

/** The figures the targets apply to, with where the reactions ran, and the other mode beside them. */
export interface IngestResults extends IngestFigures {
  /** Absent in results written before issue 16 (which ran the reactions in-process). */
  readonly reactions?: ReactionsMode;
  /** The same ingest with the reactions in the API's process, measured in the same run. */
  readonly inProcess?: IngestFigures;
}

/**
 * Appends over HTTP through the full path (HTTP adapter, authorizer, handler, one transaction), and the
 * floor: the same number of conditional PutItems straight to DynamoDB Local, measured side by side.
 */
export async function benchIngest(
  runtime: LocalRuntime,
  token: string,
  count: number,
  clients: number,
  label: string,
): Promise<IngestRun> {
  const tick = progress(`ingest (${label}, ${clients} client${clients > 1 ? 's' : ''})`, count);
  let done = 0;
  const runId = `${label}-${Date.now()}`;
  const started = performance.now();
  const latencies = await timedPool(count, clients, async (index) => {
    const response = await fetch(`${runtime.apiUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: `${runId}-${index}`,
        source: 'https://bench.local/ingest',
        type: 'tests.completed',
        data: {
          releaseId: `bench-release-${index % 50}`,
          suite: `suite-${index}`,
          passed: index % 7 !== 0,
          total: 120,
        },
      }),
    });
    if (response.status !== 201)
      throw new Error(`append answered ${response.status}: ${await response.text()}`);
    tick(++done);
  });
  const elapsed = (performance.now() - started) / 1000;
  const floor = await floorPutItems(runtime.dynamoDbEndpoint, count, clients, runId);
  const storeOnly = await storeAppends(runtime, count, clients, runId);
  const eventsPerSec = count / elapsed;
  return {
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    eventsPerSec: round(eventsPerSec, 1),
    floorEventsPerSec: round(floor, 1),
    overheadRatio: round(floor / eventsPerSec),
    storeOnly: { ...storeOnly, overheadRatio: round(floor / storeOnly.eventsPerSec) },
  };
}

/** The same events through one store of the runtime's tables, as the ingest handler's store appends. */
async function storeAppends(runtime: LocalRuntime, count: number, clients: number, runId: string) {
  const client = new DynamoDBClient({
    endpoint: runtime.dynamoDbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const store = new DynamoDbEventStore({
    client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    ...runtime.tables,
  });
  const source = 'https://bench.local/ingest';
  const started = performance.now();
  const latencies = await timedPool(count, clients, async (index) => {
    const id = `${runId}-store-${index}`;
    const data = {
      releaseId: `bench-release-${index % 50}`,
      suite: `suite-${index}`,
      passed: true,
      total: 120,
    };
    const payload = { specversion: '1.0', id, source, type: 'tests.completed', data };
    await store.appendEvents('bench-store-only', [
      {
        source,
        id,
        type: 'tests.completed',
        data,
        original: { format: 'cloudevent', payload },
        payloadHash: sha256Hex(canonicalJson(payload)),
      },
    ]);
  });
  const elapsed = (performance.now() - started) / 1000;
  client.destroy();
  return {
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    eventsPerSec: round(count / elapsed, 1),
  };
}

async function floorPutItems(
  endpoint: string,
  count: number,
  clients: number,
  runId: string,
): Promise<number> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const body = JSON.stringify({ releaseId: 'bench', suite: 'suite', passed: true, total: 120 });
  const started = performance.now();
  await timedPool(count, clients, async (index) => {
    await client.send(
      new PutItemCommand({
        TableName: 'release-ledger-events',
        Item: { pk: { S: `floor#${runId}` }, sk: { N: String(index) }, body: { S: body } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  });
  const elapsed = (performance.now() - started) / 1000;
  client.destroy();
  return count / elapsed;
}
