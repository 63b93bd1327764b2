import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_DORA_DEFINITIONS, definitionsVersion } from '../domain/dora/definitions.ts';
import { DynamoDbDoraStore, type SampleEncoding } from '../functions/adapters/dynamodb-dora-store.ts';
import { DynamoDbEventStore } from '../functions/adapters/dynamodb-event-store.ts';
import { stateKeys } from '../functions/adapters/ledger-tables.ts';
import { doraReader } from '../functions/dora/dora-reader.ts';
import { startDynamoDbLocal } from '../infra/local/dynamodb-local.ts';
import { ensureLedgerTables } from '../infra/local/ledger-tables-local.ts';
import { batchWriter } from './batch-writer.ts';
import { countRequests, type EngineFloor, engineFloor } from './engine-floor.ts';
import {
  type FoldedForQueries,
  oneYearWindow,
  QUERIED_SCOPES,
  type QueriedScope,
} from './fold-for-queries.ts';
import { foldInWorker } from './fold-worker.ts';
import { median, progress, round } from './stats.ts';

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
  /** One request's cost on this engine, measured once, after every size's documents were written. */
  readonly engine: EngineFloor;
  /** Timed queries per size, layout and scope (each the median of these). */
  readonly repetitions?: number;
  /** Every size's queries timed in turns against the same engine (from 2026-12-06; before, size by size,
   * each after its own fold, in the heap that still held it). */
  readonly queriesInTurns?: boolean;
}

/** Folds at once: this machine's two cores; the 1M fold's 12 GB heap leaves room for one more beside it. */
const FOLDS_AT_ONCE = 2;

/**
 * `--projection memory`: no ledger in DynamoDB. Each synthetic history is planned as the append path
 * would store it (ledger-bulk-plan.ts), folded by the projection's own pure fold in a worker thread of
 * its own (fold-worker.ts), which answers only the documents of the queried scopes a metrics query
 * reads (day, month, bin and release-day rollups) and the domain's recompute for them (`summarize`
 * over the fold's day rollups: what `computeDora` answers). Those are written once in each layout, to
 * their own tenant, and only then are the queries timed: every size's, in turns (a round of each size,
 * layout and scope, repeated), so all sizes meet the same engine and the same heap, and none meets the
 * millions of documents of a 1M fold (until 2026-12-06 that fold was in the querying heap, and every
 * request at 1M cost about twice what it did at 100k). So 1M events fit a short session: no ledger
 * load (~14 GB of DynamoDB Local), no ledger re-read; the query path itself is the real one.
 */
export async function benchProjectionLayouts(
  sizes: readonly number[],
  repetitions: number,
): Promise<Record<string, LayoutRun>> {
  const endMs = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const folded = await foldAll(sizes, endMs);
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
  const window = oneYearWindow(endMs);
  try {
    const cases: QueryCase[] = [];
    for (const size of sizes) {
      const { docs, expected } = folded.get(size) as FoldedForQueries;
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
        for (const scope of Object.keys(QUERIED_SCOPES) as QueriedScope[]) {
          cases.push({
            size,
            layout: name,
            scope,
            reader,
            expected: expected[scope],
            times: [],
            equal: true,
            read: { itemsRead: 0, bytesRead: 0, requests: 0 },
          });
        }
      }
    }
    const engine = await engineFloor(documents, tables.stateTable);
    const timed = progress(`timing ${cases.length} queries in turns`, repetitions + 1);
    // Round 0 is not timed: each reader's first query pays for connections and compilation once.
    for (let turn = 0; turn <= repetitions; turn += 1) {
      for (const query of cases) {
        read.items = 0;
        read.bytes = 0;
        sent.requests = 0;
        const started = performance.now();
        const answer = await query.reader.metrics(QUERIED_SCOPES[query.scope], window, 'month', undefined);
        const ms = performance.now() - started;
        if (turn > 0) query.times.push(ms);
        const { source, ...metrics } = answer;
        query.equal &&= isDeepStrictEqual(metrics, query.expected);
        query.read = {
          itemsRead: source.kind === 'projection' ? source.itemsRead : Number.NaN,
          bytesRead: read.bytes,
          requests: sent.requests,
        };
      }
      timed(turn + 1);
    }
    const results: Record<string, LayoutRun> = {};
    for (const size of sizes) {
      const { foldSeconds, docs } = folded.get(size) as FoldedForQueries;
      const layouts = {} as Record<LayoutName, Record<QueriedScope, LayoutQueryRun>>;
      for (const query of cases.filter((c) => c.size === size)) {
        layouts[query.layout] ??= {} as Record<QueriedScope, LayoutQueryRun>;
        layouts[query.layout][query.scope] = {
          queryMs: round(median(query.times)),
          ...query.read,
          answersEqual: query.equal,
        };
      }
      results[String(size)] = {
        events: size,
        foldSeconds: round(foldSeconds, 1),
        documents: docs.length,
        layouts,
        engine,
        repetitions,
        queriesInTurns: true,
      };
      console.error(`  projection layouts ${size}: ${JSON.stringify(results[String(size)])}`);
    }
    return results;
  } finally {
    client.destroy();
    await dynamoDb.stop();
  }
}

interface QueryCase {
  readonly size: number;
  readonly layout: LayoutName;
  readonly scope: QueriedScope;
  readonly reader: ReturnType<typeof doraReader>;
  readonly expected: FoldedForQueries['expected'][QueriedScope];
  readonly times: number[];
  equal: boolean;
  /** What the latest query read (the same every turn: the documents do not change). */
  read: Pick<LayoutQueryRun, 'itemsRead' | 'bytesRead' | 'requests'>;
}

/** Every size folded in a worker of its own, FOLDS_AT_ONCE at a time, largest first, with one progress line. */
async function foldAll(sizes: readonly number[], endMs: number): Promise<Map<number, FoldedForQueries>> {
  const done = new Map(sizes.map((size) => [size, 0]));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const tick = progress(`folding ${sizes.join(', ')} events in ${FOLDS_AT_ONCE} workers`, total);
  const queue = [...sizes].sort((a, b) => b - a);
  const folded = new Map<number, FoldedForQueries>();
  const next = async (): Promise<void> => {
    for (let size = queue.shift(); size !== undefined; size = queue.shift()) {
      const one = size;
      // The 1M fold holds ~5M documents: the 12 GB the bench script gives Node (it ran in that heap before).
      const heapMb = Math.max(2048, Math.min(12_288, Math.ceil(one / 1000) * 16));
      folded.set(
        one,
        await foldInWorker(
          { size: one, endMs },
          {
            heapMb,
            onProgress: (count) => {
              done.set(one, count);
              tick([...done.values()].reduce((sum, n) => sum + n, 0));
            },
          },
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(FOLDS_AT_ONCE, sizes.length) }, next));
  return folded;
}
