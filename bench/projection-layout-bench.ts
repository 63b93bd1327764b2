import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_DORA_DEFINITIONS, definitionsVersion } from '../domain/dora/definitions.ts';
import { doraWindow, scopeRollups, summarize } from '../domain/dora/dora-metrics.ts';
import { projectEvents } from '../domain/dora/projection.ts';
import { MemoryProjectionStore, type ProjectionKind } from '../domain/dora/projection-store.ts';
import { releaseScopeRollups, withReleaseNumbers } from '../domain/dora/release-metrics.ts';
import { type DoraScope, scopeKey } from '../domain/dora/rollups.ts';
import type { IncomingEvent, StoredEvent } from '../domain/ledger/ledger-event.ts';
import { DynamoDbDoraStore, type SampleEncoding } from '../functions/adapters/dynamodb-dora-store.ts';
import { DynamoDbEventStore } from '../functions/adapters/dynamodb-event-store.ts';
import { stateKeys } from '../functions/adapters/ledger-tables.ts';
import { doraReader } from '../functions/dora/dora-reader.ts';
import { startDynamoDbLocal } from '../infra/local/dynamodb-local.ts';
import { ensureLedgerTables } from '../infra/local/ledger-tables-local.ts';
import { batchWriter } from './batch-writer.ts';
import { countRequests, type EngineFloor, engineFloor } from './engine-floor.ts';
import { LedgerBulkPlanner } from './ledger-bulk-plan.ts';
import { median, progress, round } from './stats.ts';
import { syntheticHistory } from './synthetic-history.ts';

/**
 * The layouts compared: dora-2023.8 (sample lists as JSON text, partly covered months read by their
 * days) and dora-2023.10 (binary lists, a mostly covered end month read as its month less the rest).
 */
export const LAYOUTS = {
  'dora-2023.8': { encoding: 'json', endMonthsAsDays: true },
  'dora-2023.10': { encoding: 'binary', endMonthsAsDays: false },
} as const satisfies Record<string, { encoding: SampleEncoding; endMonthsAsDays: boolean }>;
export type LayoutName = keyof typeof LAYOUTS;

export interface LayoutQueryRun {
  readonly queryMs: number;
  readonly itemsRead: number;
  /** DynamoDB item bytes of every projection item the query read (names and values). */
  readonly bytesRead: number;
  /** DynamoDB requests one query sent (every Query page and BatchGet round). */
  readonly requests: number;
  /** Equal, field for field, to the domain's day-by-day recompute over the same in-memory fold. */
  readonly answersEqual: boolean;
}

export interface LayoutRun {
  readonly events: number;
  /** The in-memory fold of the whole synthetic history (also what the recompute answer comes from). */
  readonly foldSeconds: number;
  /** Projection items written per layout: the queried scopes' days, months and bins. */
  readonly documents: number;
  readonly layouts: Record<LayoutName, { readonly service: LayoutQueryRun; readonly tenant: LayoutQueryRun }>;
  /** One request's cost on this engine, measured just before the queries. */
  readonly engine: EngineFloor;
}

/** The document kinds a metrics query reads; the others (facts, cells) are never read by one. */
const QUERIED_KINDS: readonly ProjectionKind[] = ['scope', 'month', 'mbin', 'rscope'];
const QUERIED_SCOPES: readonly DoraScope[] = [{ service: 'svc-3' }, {}];
const FOLD_BATCH = 100;
const EVENTS_PER_APPEND = 10;

/**
 * `--projection memory`: no ledger in DynamoDB. The synthetic history is planned as the append path
 * would store it (ledger-bulk-plan.ts), folded in memory by the projection's own pure fold, and only
 * the documents of the queried scopes a metrics query reads (day, month, bin and release-day rollups)
 * are written, once in each layout, to their own tenant. Each
 * one-year monthly query is then timed against that projection, and its answer checked against the
 * domain's recompute over the same in-memory events (`summarize` over the fold's day rollups: what
 * `computeDora` answers) instead of re-reading the ledger. So 1M events fit a short session: no
 * ledger load (~14 GB of DynamoDB Local), no ledger re-read; the query path itself is the real one.
 */
export async function benchProjectionLayouts(
  sizes: readonly number[],
  repetitions: number,
): Promise<Record<string, LayoutRun>> {
  const dynamoDb = await startDynamoDbLocal({ javaOptions: ['-Xmx4g'] });
  const client = new DynamoDBClient({
    endpoint: dynamoDb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const tables = { eventsTable: 'bench-events', stateTable: 'bench-state' };
  await ensureLedgerTables(client, tables);
  // Never read: a projection exists for every tenant queried, and no query here asks for `asOf`.
  const eventStore = new DynamoDbEventStore({ client: documents, ...tables });
  const definitions = DEFAULT_DORA_DEFINITIONS;
  const version = definitionsVersion(definitions);
  const read = { items: 0, bytes: 0 };
  const sent = countRequests(client);
  const results: Record<string, LayoutRun> = {};
  try {
    for (const size of sizes) {
      const end = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
      const started = performance.now();
      const store = foldInMemory(size, end);
      const foldSeconds = (performance.now() - started) / 1000;
      // Only the two queried scopes' documents: a query reads its scope's partitions by key, so the
      // other scopes' items (and the facts and cells, never read by a metrics query) change nothing.
      const scopes = new Set(QUERIED_SCOPES.map(scopeKey));
      const docs = [...store.docs.values()].filter(
        ({ key }) => QUERIED_KINDS.includes(key[0]) && scopes.has(key[1] as string),
      );
      const window = doraWindow(new Date(end.getTime() - 365 * 86_400_000).toISOString(), end.toISOString());
      const engine = await engineFloor(documents, tables.stateTable);
      const layouts = {} as Record<LayoutName, { service: LayoutQueryRun; tenant: LayoutQueryRun }>;
      for (const [name, layout] of Object.entries(LAYOUTS) as [LayoutName, (typeof LAYOUTS)[LayoutName]][]) {
        const tenant = `layout-${size}-${name}`;
        const doraStore = new DynamoDbDoraStore({
          client: documents,
          stateTable: tables.stateTable,
          sampleEncoding: layout.encoding,
          onRead: (items, bytes) => {
            read.items += items;
            read.bytes += bytes;
          },
        });
        const writer = batchWriter(documents, 32);
        const written = progress(`writing ${docs.length} ${name} documents of ${size} events`, docs.length);
        for (const [i, { key, value }] of docs.entries()) {
          await writer.put(tables.stateTable, doraStore.documentItem(tenant, version, key, value));
          written(i + 1);
        }
        await writer.put(tables.stateTable, { ...stateKeys.doraCheckpoint(tenant, version), seq: size });
        await writer.put(tables.stateTable, { ...stateKeys.doraActive(tenant), version, seq: size });
        await writer.flush();
        const reader = doraReader(tenant, {
          eventStore,
          doraStore,
          definitions,
          endMonthsAsDays: layout.endMonthsAsDays,
        });
        const query = async (scope: DoraScope): Promise<LayoutQueryRun> => {
          const expected = withReleaseNumbers(
            summarize(scope, window, scopeRollups(store, scope, window), 'month', version),
            releaseScopeRollups(store, scope, window),
          );
          const times: number[] = [];
          let itemsRead = 0;
          let bytesRead = 0;
          let requests = 0;
          let equal = true;
          for (let i = 0; i < repetitions; i += 1) {
            read.items = 0;
            read.bytes = 0;
            sent.requests = 0;
            const t = performance.now();
            const answer = await reader.metrics(scope, window, 'month', undefined);
            times.push(performance.now() - t);
            requests = sent.requests;
            itemsRead = answer.source.kind === 'projection' ? answer.source.itemsRead : Number.NaN;
            bytesRead = read.bytes;
            const { source: _source, ...metrics } = answer;
            equal &&= isDeepStrictEqual(metrics, expected);
          }
          return { queryMs: round(median(times)), itemsRead, bytesRead, requests, answersEqual: equal };
        };
        layouts[name] = { service: await query(QUERIED_SCOPES[0] as DoraScope), tenant: await query({}) };
      }
      results[String(size)] = {
        events: size,
        foldSeconds: round(foldSeconds, 1),
        documents: docs.length,
        layouts,
        engine,
      };
      console.error(`  projection layouts ${size}: ${JSON.stringify(results[String(size)])}`);
    }
  } finally {
    client.destroy();
    await dynamoDb.stop();
  }
  return results;
}

/** The synthetic history, stored as the append path would store it, folded in batches as the projector does. */
function foldInMemory(size: number, end: Date): MemoryProjectionStore {
  const planner = new LedgerBulkPlanner('layouts', () => end);
  const store = new MemoryProjectionStore();
  const tick = progress(`folding ${size} events in memory`, size);
  let pending: StoredEvent[] = [];
  let batch: IncomingEvent[] = [];
  let done = 0;
  const fold = (final: boolean) => {
    while (pending.length >= FOLD_BATCH || (final && pending.length > 0)) {
      projectEvents(store, pending.slice(0, FOLD_BATCH), DEFAULT_DORA_DEFINITIONS);
      pending = pending.slice(FOLD_BATCH);
    }
  };
  for (const event of syntheticHistory(size, end)) {
    batch.push(event);
    if (batch.length === EVENTS_PER_APPEND) {
      pending.push(...planner.append(batch).stored);
      batch = [];
      done += EVENTS_PER_APPEND;
      fold(false);
      tick(done);
    }
  }
  if (batch.length > 0) pending.push(...planner.append(batch).stored);
  fold(true);
  tick(size);
  return store;
}
