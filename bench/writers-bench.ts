import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canonicalJson } from '../domain/ledger/canonical-json.ts';
import { sha256Hex } from '../domain/ledger/hash-chain.ts';
import type { IncomingEvent } from '../domain/ledger/ledger-event.ts';
import { StorageUnavailableError } from '../domain/ports/event-store.ts';
import { type ContentionStrategy, DynamoDbEventStore } from '../functions/adapters/dynamodb-event-store.ts';
import { startDynamoDbLocal } from '../infra/local/dynamodb-local.ts';
import { ensureLedgerTables } from '../infra/local/ledger-tables-local.ts';
import { percentile, round } from './stats.ts';

/** One layout of N writers over a fixed window. */
export interface WritersFigure {
  readonly appended: number;
  readonly eventsPerSec: number;
  /** Per append, from the call to its answer, including appends that gave up. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Appends answered StorageUnavailableError (503 storage_unavailable over HTTP); the writer retried them. */
  readonly gaveUp: number;
  /** Retries answered `replayed`: the event a 503 answered was stored after all (must stay 0). */
  readonly replayedAfterGiveUp: number;
  /** TransactWriteItems sent, and how many were cancelled (a condition failed: the head had moved). */
  readonly transactions: number;
  readonly cancelled: number;
  /** Appended events per committed transaction: what batching the inbox achieved. */
  readonly eventsPerCommit: number;
  /**
   * Every request the writers sent (reads, puts, transactions, lease writes) per appended event: on an
   * engine whose requests/s is the limit, events/s falls as this rises. Absent in older results.
   */
  readonly requestsPerEvent?: number;
  /** Only on the one-tenant layout: the tenant's ledger verified whole, seqs 1..appended without a gap. */
  readonly chainVerified?: boolean;
}

export interface WritersRun {
  readonly writers: number;
  readonly oneTenant: WritersFigure;
  readonly ownTenants: WritersFigure;
}

export interface WritersResults {
  /** Seconds each layout keeps its writers appending (the appends in flight at the end are waited for). */
  readonly windowSec: number;
  /** The strategy measured against the baseline: the inbox (opt-in, `LEDGER_APPEND_CONTENTION=inbox`). */
  readonly strategy: ContentionStrategy;
  readonly runs: readonly WritersRun[];
  /** The same runs with the store rebasing alone on every conflict (the behaviour before issue 16). */
  readonly baseline?: { readonly strategy: ContentionStrategy; readonly runs: readonly WritersRun[] };
  /**
   * The engine's ceiling for one tenant, measured in the same run: a tenant's appends are one linear
   * chain, so at best one transaction at a time, and a transaction's cost here grows with its items.
   */
  readonly transactionCost?: readonly TransactionCost[];
}

/** One transaction of `events` events appended alone on an idle engine: what a sequencer round costs. */
export interface TransactionCost {
  readonly events: number;
  /** Items in the transaction (entries, pointers, idempotency records, stream heads, tenant head). */
  readonly items: number;
  readonly msP50: number;
  readonly msPerItem: number;
  /** The most one tenant could append per second in back-to-back transactions of this size. */
  readonly eventsPerSec: number;
}

export const WRITER_COUNTS = [1, 4, 16, 64] as const;

/**
 * Lambda-shaped ingest: N independent writers, each with its own DynamoDB client and its own store (as
 * N Lambda containers serving concurrent requests are; nothing queues them in-process), each appending
 * one event at a time for a fixed window, all on ONE tenant, then the same N each on a tenant of its
 * own, in the same run. Straight to the store on DynamoDB Local: HTTP would add the same cost to both
 * layouts and hide nothing about the ledger head.
 */
export async function benchWriters(
  windowSec: number,
  counts: readonly number[] = WRITER_COUNTS,
  compareWith: ContentionStrategy | undefined = 'rebase',
): Promise<WritersResults> {
  const dynamoDb = await startDynamoDbLocal({ javaOptions: ['-Xmx2g'] });
  const admin = new DynamoDBClient(clientConfig(dynamoDb.endpoint));
  const tables = { eventsTable: 'writers-events', stateTable: 'writers-state' };
  await ensureLedgerTables(admin, tables);
  const strategy: ContentionStrategy = 'inbox';
  try {
    // The JVM and the SDK clients warm up first: the first seconds of a fresh DynamoDB Local are slower.
    for (const warm of [1, 16, 64]) {
      await runWriters(dynamoDb.endpoint, tables, warm, Math.min(3, windowSec), strategy, () => 'warm-up');
    }
    const transactionCost = await measureTransactionCost(
      dynamoDb.endpoint,
      tables,
      windowSec >= 10 ? 40 : 15,
    );
    const verifier = new DynamoDbEventStore({ client: DynamoDBDocumentClient.from(admin), ...tables });
    const measure = async (using: ContentionStrategy, writers: number): Promise<WritersRun> => {
      const label = `${using}-${writers}`;
      const oneTenant = await runWriters(dynamoDb.endpoint, tables, writers, windowSec, using, () => label);
      const ownTenants = await runWriters(
        dynamoDb.endpoint,
        tables,
        writers,
        windowSec,
        using,
        (writer) => `${label}-own-${writer}`,
      );
      const verification = await verifier.verifyLedger(label);
      process.stderr.write(
        `  writers (${using}) ${writers}: one tenant ${oneTenant.eventsPerSec}/s p99 ${oneTenant.p99Ms} ms, ${oneTenant.gaveUp} × 503; own tenants ${ownTenants.eventsPerSec}/s p99 ${ownTenants.p99Ms} ms\n`,
      );
      return {
        writers,
        oneTenant: {
          ...oneTenant,
          chainVerified:
            verification.ok && verification.checked === oneTenant.appended + oneTenant.replayedAfterGiveUp,
        },
        ownTenants,
      };
    };
    // The strategies alternate at each writer count, so neither gets the warmer engine.
    const runs: WritersRun[] = [];
    const baselineRuns: WritersRun[] = [];
    for (const writers of counts) {
      runs.push(await measure(strategy, writers));
      if (compareWith) baselineRuns.push(await measure(compareWith, writers));
    }
    const baseline = compareWith ? { strategy: compareWith, runs: baselineRuns } : undefined;
    return { windowSec, strategy, runs, ...(baseline ? { baseline } : {}), transactionCost };
  } finally {
    admin.destroy();
    await dynamoDb.stop();
  }
}

async function runWriters(
  endpoint: string,
  tables: { eventsTable: string; stateTable: string },
  writers: number,
  windowSec: number,
  contention: ContentionStrategy,
  tenantOf: (writer: number) => string,
): Promise<WritersFigure> {
  const latencies: number[] = [];
  let gaveUp = 0;
  let replayedAfterGiveUp = 0;
  let appended = 0;
  const clients = Array.from({ length: writers }, () => new DynamoDBClient(clientConfig(endpoint)));
  const sent = { transactions: 0, cancelled: 0 };
  let requests = 0;
  for (const client of clients) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        requests += 1;
        if (!/^TransactWrite(Items)?Command$/.test(String(context.commandName))) return next(args);
        sent.transactions += 1;
        try {
          return await next(args);
        } catch (error) {
          if ((error as Error).name === 'TransactionCanceledException') sent.cancelled += 1;
          throw error;
        }
      },
      { step: 'initialize', name: 'countTransactions' },
    );
  }
  const stores = clients.map(
    (client) =>
      new DynamoDbEventStore({
        client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
        ...tables,
        contention,
      }),
  );
  const started = performance.now();
  const stopAt = started + windowSec * 1000;
  await Promise.all(
    stores.map(async (store, writer) => {
      const tenant = tenantOf(writer);
      for (let n = 0; performance.now() < stopAt; n += 1) {
        const event = benchEvent(`${tenant}-w${writer}-${n}`, n);
        let retried = false;
        for (;;) {
          const sent = performance.now();
          try {
            const outcome = await store.appendEvents(tenant, [event]);
            latencies.push(performance.now() - sent);
            if (outcome.status === 'created') appended += 1;
            else if (retried) replayedAfterGiveUp += 1;
            break;
          } catch (error) {
            latencies.push(performance.now() - sent);
            if (!(error instanceof StorageUnavailableError)) throw error;
            gaveUp += 1;
            retried = true;
          }
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const client of clients) client.destroy();
  return {
    appended,
    eventsPerSec: round(appended / elapsed, 1),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    gaveUp,
    replayedAfterGiveUp,
    ...sent,
    eventsPerCommit: round(appended / Math.max(1, sent.transactions - sent.cancelled)),
    requestsPerEvent: round(requests / Math.max(1, appended)),
  };
}

/**
 * Batches of 1–16 events (16 is the inbox's round) appended one after another by one store on an idle
 * engine, each batch one transaction: the median cost per transaction, and what it allows per second.
 */
async function measureTransactionCost(
  endpoint: string,
  tables: { eventsTable: string; stateTable: string },
  samples: number,
): Promise<TransactionCost[]> {
  const client = new DynamoDBClient(clientConfig(endpoint));
  let items = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (/^TransactWrite(Items)?Command$/.test(String(context.commandName))) {
        items = ((args.input as { TransactItems?: unknown[] }).TransactItems ?? []).length;
      }
      return next(args);
    },
    { step: 'initialize', name: 'countTransactionItems' },
  );
  const store = new DynamoDbEventStore({
    client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    ...tables,
  });
  const costs: TransactionCost[] = [];
  try {
    for (const events of [1, 4, 8, 16]) {
      const tenant = `transaction-cost-${events}`;
      const times: number[] = [];
      for (let sample = -3; sample < samples; sample += 1) {
        const batch = Array.from({ length: events }, (_, i) =>
          benchEvent(`${tenant}-${sample}-${i}`, sample * events + i),
        );
        const started = performance.now();
        await store.appendEvents(tenant, batch);
        if (sample >= 0) times.push(performance.now() - started);
      }
      const msP50 = percentile(times, 50);
      costs.push({
        events,
        items,
        msP50: round(msP50),
        msPerItem: round(msP50 / items),
        eventsPerSec: round((events * 1000) / msP50, 1),
      });
      process.stderr.write(`  transaction of ${events} events (${items} items): p50 ${round(msP50)} ms\n`);
    }
    return costs;
  } finally {
    client.destroy();
  }
}

/** A CI job's test run, as ingest hands it to the store: its own stream, one of 50 releases. */
function benchEvent(id: string, n: number): IncomingEvent {
  const source = 'https://bench.local/writers';
  const data = {
    releaseId: `writers-release-${n % 50}`,
    suite: `suite-${id}`,
    passed: n % 7 !== 0,
    total: 120,
  };
  const payload = { specversion: '1.0', type: 'tests.completed', source, id, data };
  return {
    source,
    id,
    type: 'tests.completed',
    data,
    original: { format: 'cloudevent', payload },
    payloadHash: sha256Hex(canonicalJson(payload)),
  };
}

function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  };
}

/** The targets for one tenant at this many writers (16 and 64), beside the run's own figures. */
export function writersTargets(runs: readonly WritersRun[]) {
  const single = runs.find((run) => run.writers === 1)?.oneTenant.eventsPerSec ?? Number.NaN;
  return runs
    .filter((run) => run.writers >= 16)
    .map((run) => ({
      writers: run.writers,
      atLeastOneWriter: run.oneTenant.eventsPerSec >= single,
      atLeastHalfOwnTenants: run.oneTenant.eventsPerSec >= run.ownTenants.eventsPerSec / 2,
      no503: run.writers !== 16 || run.oneTenant.gaveUp === 0,
    }));
}
