import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_DORA_DEFINITIONS } from '../domain/dora/definitions.ts';
import { type DoraMetrics, doraWindow } from '../domain/dora/dora-metrics.ts';
import type { IncomingEvent } from '../domain/ledger/ledger-event.ts';
import { DynamoDbDoraStore } from '../functions/adapters/dynamodb-dora-store.ts';
import { DynamoDbEventStore } from '../functions/adapters/dynamodb-event-store.ts';
import { catchUp } from '../functions/dora/catch-up.ts';
import { doraReader } from '../functions/dora/dora-reader.ts';
import { startDynamoDbLocal } from '../infra/local/dynamodb-local.ts';
import { ensureLedgerTables } from '../infra/local/ledger-tables-local.ts';
import { bulkLoad } from './bulk-load.ts';
import { bulkProject } from './bulk-projection.ts';
import { countRequests, type EngineFloor, engineFloor } from './engine-floor.ts';
import { median, progress, round } from './stats.ts';
import { syntheticHistory } from './synthetic-history.ts';

export interface MetricsRun {
  readonly events: number;
  /** How the history was stored: the real append path, or the bulk loader writing the same items. */
  readonly loader?: 'append' | 'bulk';
  readonly loadEventsPerSec: number;
  /** The real append path's rate on a copy of the same history, when measured beside the bulk loader. */
  readonly appendEventsPerSec?: number;
  /** How many events the append path was timed on (the first of the history). */
  readonly appendSample?: number;
  /**
   * Rebuilt from empty by the real projector (catch-up), as a deployment would; or, with `path: 'bulk'`,
   * by the projection's fold in memory with its documents bulk-written (bulk-projection.ts): not a
   * projector rate, only how long the build took.
   */
  readonly projection: {
    readonly path?: 'projector' | 'bulk';
    readonly eventsPerSec: number;
    readonly seconds: number;
    /** The projector was timed on this many events (the append-path copy), not the whole history. */
    readonly events?: number;
  };
  readonly service: QueryRun;
  readonly tenant: QueryRun;
  /** One request's cost on this engine, measured just before the queries. */
  readonly engine?: EngineFloor;
}

export interface QueryRun {
  readonly queryMs: number;
  readonly itemsRead: number;
  /** DynamoDB item bytes of the projection items the query read (names and values). */
  readonly bytesRead?: number;
  /** DynamoDB requests one projection query sent (every Query page and BatchGet round). */
  readonly requests?: number;
  readonly recomputeMs: number;
  readonly speedup: number;
  readonly answersEqual: boolean;
}

/** Ten events per append keeps each transaction under DynamoDB's 100 items. */
const EVENTS_PER_APPEND = 10;
/** The real append path is timed on at most this many events of a bulk-loaded history (hours at 1M). */
const APPEND_SAMPLE = 10_000;

export interface MetricsOptions {
  /** 'bulk' (default) stores the history with the bulk loader, 'append' through `appendEvents`. */
  readonly loader?: 'append' | 'bulk';
  /** 'projector' (default) rebuilds with the real projector; 'bulk' folds in memory and bulk-writes. */
  readonly projection?: 'projector' | 'bulk';
  /** With the bulk loader, how many of a history's first events are also appended to time that path. */
  readonly appendSample?: number;
  /**
   * Histories larger than this have the projector's rebuild timed on the append-path copy of their first
   * `appendSample` events, and their own projection bulk-built: the rate is flat with history size, the
   * hours of a 1M rebuild are not. @default Infinity (always rebuild the whole history)
   */
  readonly rebuildWholeUpTo?: number;
}

/**
 * For each history size: store it in a fresh tenant (bulk loader, which writes exactly the append
 * path's items; the append path itself is timed beside it on small histories), rebuild the DORA
 * projection from empty with the real projector (the catch-up rate), then time a one-year query from the
 * projection against recomputing the same answer from the raw ledger, checking both answers agree.
 */
export async function benchMetrics(
  sizes: readonly number[],
  repetitions: number,
  options: MetricsOptions = {},
): Promise<Record<string, MetricsRun>> {
  const loader = options.loader ?? 'bulk';
  const projectionPath = options.projection ?? 'projector';
  // In memory: DynamoDB Local on disk wrote ~10× fewer items per second here. A million events are
  // ~6M ledger items, so the JVM gets room to hold them.
  const dynamoDb = await startDynamoDbLocal({ javaOptions: ['-Xmx8g'] });
  const client = new DynamoDBClient({
    endpoint: dynamoDb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const tables = { eventsTable: 'bench-events', stateTable: 'bench-state' };
  await ensureLedgerTables(client, tables);
  const eventStore = new DynamoDbEventStore({ client: documents, ...tables });
  const sent = countRequests(client);
  const read = { bytes: 0 };
  const doraStore = new DynamoDbDoraStore({
    client: documents,
    stateTable: tables.stateTable,
    onRead: (_items, bytes) => {
      read.bytes += bytes;
    },
  });
  const definitions = DEFAULT_DORA_DEFINITIONS;
  const results: Record<string, MetricsRun> = {};
  try {
    for (const size of sizes) {
      const tenant = `metrics-${size}`;
      let bulkSeconds = 0;
      // Histories end, and the one-year window closes, at the start of today (UTC): the window is then
      // the same 365 whole days at every size of one run, so `itemsRead` can be compared between sizes.
      const end = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
      const history = () => syntheticHistory(size, end);
      const sample = Math.min(size, options.appendSample ?? APPEND_SAMPLE);
      const appendRate =
        loader === 'append'
          ? await load(eventStore, tenant, history(), size)
          : await load(eventStore, `${tenant}-append`, firstOf(history(), sample), sample);
      const loaded =
        loader === 'append'
          ? (appendRate as number)
          : (
              await bulkLoad(tenant, history(), size, {
                client: documents,
                ...tables,
                eventsPerAppend: EVENTS_PER_APPEND,
                concurrency: 32,
                label: `bulk-loading ${size} events`,
              })
            ).eventsPerSec;
      // The real projector's rebuild rate is measured on the whole history, or (quick runs) on the
      // append-path copy of its first events, with the whole history's projection then bulk-built.
      const onSample =
        projectionPath === 'projector' &&
        loader === 'bulk' &&
        size > (options.rebuildWholeUpTo ?? Number.POSITIVE_INFINITY);
      if (projectionPath === 'bulk' || onSample) {
        const started = performance.now();
        await bulkProject(tenant, size, {
          client: documents,
          stateTable: tables.stateTable,
          eventStore,
          doraStore,
          definitions,
          concurrency: 32,
          label: `projection bulk build of ${size} events`,
        });
        bulkSeconds = (performance.now() - started) / 1000;
      }
      const rebuildTenant = onSample ? `${tenant}-append` : tenant;
      const rebuildEvents = onSample ? sample : size;
      const started = performance.now();
      const rebuilt = progress(`projection rebuild of ${rebuildEvents} events`, rebuildEvents);
      // Short slices (the projector's own deadline) so the rebuild can report progress as it goes.
      for (let caughtUp = false; !caughtUp; ) {
        const result = await catchUp(rebuildTenant, {
          eventStore,
          doraStore,
          definitions,
          now: () => Date.now(),
          deadline: Date.now() + 5_000,
        });
        caughtUp = result.caughtUp;
        rebuilt(Math.min(result.seq, rebuildEvents));
      }
      rebuilt(rebuildEvents);
      const rebuildSeconds = (performance.now() - started) / 1000;
      const window = doraWindow(new Date(end.getTime() - 365 * 86_400_000).toISOString(), end.toISOString());
      const reader = doraReader(tenant, { eventStore, doraStore, definitions });
      // A recompute reads the whole ledger: minutes at a million events, so it is timed once there.
      const recomputeRepetitions = size >= 500_000 ? 1 : repetitions;
      const query = async (scope: { service?: string }) => {
        const projected: number[] = [];
        const recomputed: number[] = [];
        let itemsRead = 0;
        let bytesRead = 0;
        let requests = 0;
        let equal = true;
        for (let i = 0; i < repetitions; i += 1) {
          read.bytes = 0;
          sent.requests = 0;
          let t = performance.now();
          const fast = await reader.metrics(scope, window, 'month', undefined);
          projected.push(performance.now() - t);
          requests = sent.requests;
          itemsRead = fast.source.kind === 'projection' ? fast.source.itemsRead : Number.NaN;
          bytesRead = read.bytes;
          if (i >= recomputeRepetitions) continue;
          t = performance.now();
          // The Four Keys / DevLake way: read the whole ledger and compute the answer from scratch.
          // asOf now: every event recorded so far, replayed from seq 1.
          const slow = await reader.metrics(scope, window, 'month', new Date().toISOString());
          recomputed.push(performance.now() - t);
          equal &&= JSON.stringify(numbers(fast)) === JSON.stringify(numbers(slow));
        }
        const queryMs = median(projected);
        const recomputeMs = median(recomputed);
        return {
          queryMs: round(queryMs),
          itemsRead,
          bytesRead,
          requests,
          recomputeMs: round(recomputeMs),
          speedup: round(recomputeMs / queryMs, 1),
          answersEqual: equal,
        };
      };
      const engine = await engineFloor(documents, tables.stateTable);
      results[String(size)] = {
        events: size,
        loader,
        loadEventsPerSec: round(loaded, 1),
        ...(loader === 'bulk' ? { appendEventsPerSec: round(appendRate, 1), appendSample: sample } : {}),
        projection:
          projectionPath === 'bulk'
            ? { path: 'bulk', eventsPerSec: round(size / bulkSeconds, 1), seconds: round(bulkSeconds, 1) }
            : {
                path: 'projector',
                eventsPerSec: round(rebuildEvents / rebuildSeconds, 1),
                seconds: round(rebuildSeconds, 1),
                ...(onSample ? { events: rebuildEvents } : {}),
              },
        service: await query({ service: 'svc-3' }),
        tenant: await query({}),
        engine,
      };
      console.error(`  metrics ${size}: ${JSON.stringify(results[String(size)])}`);
    }
  } finally {
    client.destroy();
    await dynamoDb.stop();
  }
  return results;
}

function numbers(metrics: DoraMetrics) {
  const {
    deploymentFrequency,
    leadTimeForChanges,
    changeFailureRate,
    failedDeploymentRecoveryTime,
    deploymentReworkRate,
    series,
  } = metrics;
  return {
    deploymentFrequency,
    leadTimeForChanges,
    changeFailureRate,
    failedDeploymentRecoveryTime,
    deploymentReworkRate,
    series,
  };
}

function* firstOf<T>(items: Iterable<T>, count: number): Generator<T> {
  if (count <= 0) return;
  let taken = 0;
  for (const item of items) {
    yield item;
    taken += 1;
    if (taken >= count) return;
  }
}

async function load(
  store: DynamoDbEventStore,
  tenant: string,
  events: Iterable<IncomingEvent>,
  total: number,
): Promise<number> {
  const tick = progress(`appending ${total} events`, total);
  const started = performance.now();
  let batch: IncomingEvent[] = [];
  let done = 0;
  for (const event of events) {
    batch.push(event);
    if (batch.length === EVENTS_PER_APPEND) {
      await store.appendEvents(tenant, batch);
      done += batch.length;
      tick(done);
      batch = [];
    }
  }
  if (batch.length > 0) await store.appendEvents(tenant, batch);
  tick(total);
  return total / ((performance.now() - started) / 1000);
}
