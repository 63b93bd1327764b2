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
  /** With several clients: the best each rotation of full commits could do (see PerfectBatching). */
  readonly perfectBatching?: readonly PerfectBatching[];
}

/**
 * A tenant's chain takes one commit at a time, so N clients of one tenant are answered by a rotation of
 * commits: with every commit carrying `batchEvents` of them, a client that was just answered waits for
 * the other N ÷ batchEvents − 1 groups' commits and then its own. These are that rotation's latencies
 * with nothing else in it (no HTTP, no handler, every client back the instant it is answered), built
 * from the durations of back-to-back transactions of `batchEvents` events on the same engine: the best
 * any schedule of that shape could reach here.
 */
export interface PerfectBatching {
  readonly batchEvents: number;
  /** Commits in one rotation (clients ÷ batchEvents). */
  readonly groups: number;
  readonly commits: number;
  /** One transaction of `batchEvents` events. */
  readonly commitP50Ms: number;
  readonly commitP99Ms: number;
  /** What a request of the rotation would wait: its own commit and the groups' before it. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly eventsPerSec: number;
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
  await reactionsCaughtUp(runtime);
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
  await reactionsCaughtUp(runtime);
  const floor = await floorPutItems(runtime.dynamoDbEndpoint, count, clients, runId);
  await reactionsCaughtUp(runtime);
  const storeOnly = await storeAppends(runtime, count, clients, runId);
  const perfect = clients > 1 ? await perfectBatching(runtime, count, clients, runId) : undefined;
  const eventsPerSec = count / elapsed;
  return {
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    eventsPerSec: round(eventsPerSec, 1),
    floorEventsPerSec: round(floor, 1),
    overheadRatio: round(floor / eventsPerSec),
    storeOnly: { ...storeOnly, overheadRatio: round(floor / storeOnly.eventsPerSec) },
    ...(perfect ? { perfectBatching: perfect } : {}),
  };
}

/** Batch sizes that divide 16 clients into whole groups; smaller ones only add commits to the wait. */
const PERFECT_BATCHES = [4, 8, 16] as const;

/**
 * Back-to-back transactions of 4, 8 and 16 events through a store of the runtime's tables (reactions
 * still running, as for the HTTP figures), each on a tenant of its own, about `count` events each.
 */
async function perfectBatching(
  runtime: LocalRuntime,
  count: number,
  clients: number,
  runId: string,
): Promise<PerfectBatching[]> {
  const { client, store } = benchStore(runtime);
  const figures: PerfectBatching[] = [];
  try {
    for (const batchEvents of PERFECT_BATCHES.filter((size) => clients % size === 0)) {
      await reactionsCaughtUp(runtime);
      const commits = Math.max(clients / batchEvents + 1, Math.ceil(count / batchEvents));
      const tick = progress(`ingest (perfect batches of ${batchEvents})`, commits);
      const durations: number[] = [];
      for (let commit = 0; commit < commits; commit += 1) {
        const events = Array.from({ length: batchEvents }, (_, offset) => {
          const index = commit * batchEvents + offset;
          return storedEvent(`${runId}-perfect-${batchEvents}-${index}`, index);
        });
        const started = performance.now();
        await store.appendEvents(`bench-perfect-${batchEvents}`, events);
        durations.push(performance.now() - started);
        tick(commit + 1);
      }
      figures.push(rotationFigures(durations, batchEvents, clients));
    }
  } finally {
    client.destroy();
  }
  return figures;
}

/**
 * The rotation's figures from back-to-back commit durations: each commit from the rotation's last on
 * answers `batchEvents` requests that waited for it and the groups' commits before it (a moving sum).
 */
export function rotationFigures(
  durations: readonly number[],
  batchEvents: number,
  clients: number,
): PerfectBatching {
  const groups = clients / batchEvents;
  const waits: number[] = [];
  let window = 0;
  durations.forEach((duration, index) => {
    window += duration;
    if (index >= groups) window -= durations[index - groups] ?? 0;
    if (index >= groups - 1) waits.push(window);
  });
  const total = durations.reduce((sum, duration) => sum + duration, 0);
  return {
    batchEvents,
    groups,
    commits: durations.length,
    commitP50Ms: round(percentile(durations, 50)),
    commitP99Ms: round(percentile(durations, 99)),
    p50Ms: round(percentile(waits, 50)),
    p99Ms: round(percentile(waits, 99)),
    eventsPerSec: round((durations.length * batchEvents) / (total / 1000), 1),
  };
}

/**
 * Each phase starts once the reactions have caught up with the phase before (they keep running through
 * it, fed by its own events, as on AWS), so no phase pays for another's backlog; a backlog that will not
 * drain is waited for a bounded time and said.
 */
async function reactionsCaughtUp(runtime: LocalRuntime, limitMs = 120_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), limitMs);
  });
  const drained = await Promise.race([runtime.reactionsDrained().then(() => true as const), timedOut]);
  clearTimeout(timer);
  if (!drained) process.stderr.write(`  ingest: the reactions had not caught up after ${limitMs / 1000} s\n`);
}

/** A store of the runtime's tables with a client of its own, as the ingest handler's. */
function benchStore(runtime: LocalRuntime) {
  const client = new DynamoDBClient({
    endpoint: runtime.dynamoDbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const store = new DynamoDbEventStore({
    client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    ...runtime.tables,
  });
  return { client, store };
}

const STORE_SOURCE = 'https://bench.local/ingest';

/** The `index`th bench event as the ingest handler hands it to the store (a passing test run). */
function storedEvent(id: string, index: number) {
  const data = {
    releaseId: `bench-release-${index % 50}`,
    suite: `suite-${index}`,
    passed: true,
    total: 120,
  };
  const payload = { specversion: '1.0', id, source: STORE_SOURCE, type: 'tests.completed', data };
  return {
    source: STORE_SOURCE,
    id,
    type: 'tests.completed' as const,
    data,
    original: { format: 'cloudevent' as const, payload },
    payloadHash: sha256Hex(canonicalJson(payload)),
  };
}

/** The same events through one store of the runtime's tables, as the ingest handler's store appends. */
async function storeAppends(runtime: LocalRuntime, count: number, clients: number, runId: string) {
  const { client, store } = benchStore(runtime);
  const started = performance.now();
  const latencies = await timedPool(count, clients, async (index) => {
    await store.appendEvents('bench-store-only', [storedEvent(`${runId}-store-${index}`, index)]);
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
