import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ReactionsMode, startLocalRuntime } from '../infra/local/runtime.ts';
import { benchBundles } from './bundle-bench.ts';
import { benchDashboard, DASHBOARD_TENANT, dashboardSeed } from './dashboard-bench.ts';
import {
  benchFreshness,
  benchGate,
  benchRollback,
  benchTriggerRollback,
  decisionWatcher,
} from './decision-bench.ts';
import { benchIngest, type IngestFigures, type IngestResults } from './ingest-bench.ts';
import { mergeResults, withPartsRecorded } from './merge-results.ts';
import { benchMerkle } from './merkle-bench.ts';
import { benchMetrics, type MetricsRun } from './metrics-bench.ts';
import { attemptPart } from './parts.ts';
import { benchProjectionLayouts } from './projection-layout-bench.ts';
import { renderReport } from './report.ts';
import { phase } from './stats.ts';
import { benchWriters } from './writers-bench.ts';

const HELP = `Release Ledger benchmarks, on the local runtime (never part of npm test).

Usage: npm run bench [-- --quick] [-- --out <dir>] [-- --only metrics --sizes 100000]

  --quick         reduced counts and repetitions (a few minutes), for checking a change
  --merge         keep what <out>/latest.json holds for the parts not run now (with --only): a full run
                  takes over an hour, so one part can be re-measured after a change; each part's commit
                  and date are recorded under machine.parts
  --out <dir>     where to write latest.json and latest.md (default bench/results)
  --only <parts>  run only these parts, comma-separated: runtime (ingest with the reactions in the API's
                  process and in a worker per function, side by side; decisions, dashboard),
                  writers (N independent writers on one tenant against N tenants, as Lambda runs
                  them), metrics, merkle, bundles (default: all but merkle)
  --sizes <n,…>   history sizes for the metrics and merkle benchmarks (default 10000,100000,1000000;
                  quick: 10000); merkle: proofs, verification, tree build and append cost side by side
  --loader <how>  how the metrics benchmark stores histories: bulk (default; the append path's own
                  planning, items written with BatchWriteItem, ~6 items per event) or append
                  (appendEvents, one transaction per 10 events: hours at 1M). With bulk, the first 10k
                  events of each history (quick: 2k) are also appended through appendEvents to time the
                  real path.
  --projection <how>  how the metrics benchmark builds the DORA projection: projector (default: the
                  real catch-up, whose rate is the rebuild figure; above 100k events, and in quick
                  runs, it is timed on the appended sample and the rest is bulk-built) or bulk (the
                  projection's fold in memory, documents bulk-written; item-for-item what the
                  projector writes, see test/integration/bulk-projection.test.ts), or memory: NO
                  LEDGER IN DYNAMODB — each size's synthetic history is folded in memory, in a worker
                  thread of its own (two at a time), and only the documents the queried scopes' metrics
                  queries read (day, month and bin rollups of one service and of the whole tenant) are
                  written, once per storage layout (dora-2023.8: JSON sample lists, dora-2023.10:
                  binary), each on its own tenant; every size's queries are then timed in turns, and
                  answers checked against the domain's recompute over the same in-memory events (not a
                  re-read of the ledger). About 40 minutes at 1M (the fold), no ledger load.

A 1M history needs about 24 GB of memory: DynamoDB Local holds ~6M items (~14 GB) and the recompute
reads every event (the bench script gives Node a 12 GB heap). It takes about an hour here.

Every figure is a median or percentile over repeated runs; comparisons are ratios measured side by side
in the same run. Absolute times on a shared 2-core machine are noise; compare ratios between commits.
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      merge: { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/results' },
      sizes: { type: 'string' },
      only: { type: 'string' },
      loader: { type: 'string', default: 'bulk' },
      projection: { type: 'string', default: 'projector' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const quick = values.quick;
  const sizes = quick
    ? {
        ingest: 400,
        gate: 20,
        rollback: 10,
        bundleRepetitions: 3,
        histories: [10_000],
        appendSample: 2_000,
        queryRepetitions: 3,
        layoutRepetitions: 3,
        dashboardEvents: 10_000,
        dashboardLoads: 3,
        writersWindowSec: 4,
      }
    : {
        ingest: 2000,
        gate: 100,
        rollback: 40,
        bundleRepetitions: 5,
        histories: [10_000, 100_000, 1_000_000],
        appendSample: 10_000,
        queryRepetitions: 5,
        // Every size's queries in turns, ~50 ms each: more turns cost seconds and steady the medians.
        layoutRepetitions: 15,
        dashboardEvents: 10_000,
        dashboardLoads: 5,
        writersWindowSec: 15,
      };
  const histories = values.sizes ? values.sizes.split(',').map(Number) : sizes.histories;
  const parts = new Set(values.only ? values.only.split(',') : ['runtime', 'writers', 'metrics', 'bundles']);
  const unknown = [...parts].filter(
    (part) => !['runtime', 'writers', 'metrics', 'merkle', 'bundles'].includes(part),
  );
  if (
    unknown.length > 0 ||
    !['bulk', 'append'].includes(values.loader) ||
    !['projector', 'bulk', 'memory'].includes(values.projection)
  ) {
    throw new Error(
      `unknown --only part (${unknown.join(', ')}), --loader ${values.loader} or --projection ${values.projection}; see --help`,
    );
  }
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
    commit: gitCommit(),
    mode: quick ? 'quick' : 'full',
  };
  console.error(
    `release-ledger bench (${machine.mode}) on ${machine.cpus} CPUs, Node ${machine.node}, commit ${machine.commit}`,
  );

  const startedAt = performance.now();
  const durationsSec: Record<string, number> = {};
  const results: Record<string, unknown> = { machine };
  // A part that cannot run (no browser, a port taken) is named in the results; the others still run.
  const failures: Record<string, string> = {};
  if (parts.has('runtime')) await benchRuntime(results, sizes, durationsSec, failures);
  if (parts.has('writers')) {
    results.writers = await attemptPart(failures, 'writers', () =>
      phase(durationsSec, 'writers', () => benchWriters(sizes.writersWindowSec)),
    );
  }
  if (parts.has('metrics') && values.projection === 'memory') {
    results.metricsLayouts = await attemptPart(failures, 'metrics', () =>
      phase(durationsSec, 'metrics', () => benchProjectionLayouts(histories, sizes.layoutRepetitions)),
    );
  } else if (parts.has('metrics')) {
    results.metrics = await attemptPart(failures, 'metrics', () =>
      phase(durationsSec, 'metrics', () =>
        benchMetrics(histories, sizes.queryRepetitions, {
          loader: values.loader as 'bulk' | 'append',
          projection: values.projection as 'projector' | 'bulk',
          appendSample: sizes.appendSample,
          rebuildWholeUpTo: quick ? 0 : 100_000,
        }),
      ),
    );
  }
  const rebuilds = Object.values((results.metrics ?? {}) as Record<string, MetricsRun>).filter(
    (run) => run.projection.path !== 'bulk',
  );
  const largest = rebuilds.at(-1);
  if (largest) {
    // The top-level key: the real projector's catch-up rate from empty, at every size it ran.
    results.projection = {
      eventsPerSec: largest.projection.eventsPerSec,
      events: largest.projection.events ?? largest.events,
      bySize: Object.fromEntries(
        rebuilds.map((run) => [run.projection.events ?? run.events, run.projection.eventsPerSec]),
      ),
    };
  }
  if (parts.has('merkle')) {
    results.merkle = await attemptPart(failures, 'merkle', () =>
      phase(durationsSec, 'merkle', () => benchMerkle(histories)),
    );
  }
  if (parts.has('bundles')) {
    results.bundles = await attemptPart(failures, 'bundles', () =>
      phase(durationsSec, 'bundles', () => benchBundles(sizes.bundleRepetitions)),
    );
  }
  if (Object.keys(failures).length > 0) results.failures = failures;
  durationsSec.total = Math.round((performance.now() - startedAt) / 100) / 10;
  results.durationsSec = durationsSec;

  const outDir = resolve(values.out);
  mkdirSync(outDir, { recursive: true });
  const latest = join(outDir, 'latest.json');
  const written =
    values.merge && existsSync(latest)
      ? mergeResults(JSON.parse(readFileSync(latest, 'utf8')) as Record<string, unknown>, results, parts)
      : withPartsRecorded(results, parts);
  writeFileSync(latest, `${JSON.stringify(written, null, 2)}\n`);
  writeFileSync(join(outDir, 'latest.md'), renderReport(written as never));
  console.error(`wrote ${join(outDir, 'latest.json')} and latest.md`);
  const failed = Object.keys(failures);
  if (failed.length > 0) console.error(`not measured (reasons in the results): ${failed.join(', ')}`);
}

/** Ingest, decisions and dashboard: everything that needs the whole local runtime. */
async function benchRuntime(
  results: Record<string, unknown>,
  sizes: RunSizes,
  durations: Record<string, number>,
  failures: Record<string, string>,
): Promise<void> {
  results.ingest = await benchIngestSideBySide(sizes, durations, failures);
  const tokens = {
    writer: 'bench-writer-token-000001',
    admin: 'bench-admin-token-0000001',
    reader: 'bench-reader-token-000001',
    dashboardReader: 'bench-dashboard-reader-001',
  };
  const watcher = decisionWatcher();
  const runtime = await attemptPart(failures, 'runtime start', () =>
    phase(durations, 'runtime start', () =>
      startLocalRuntime({
        port: 0,
        dynamoDbPort: 0,
        tokens: [
          { token: tokens.writer, tenant: 'bench', role: 'writer' },
          { token: tokens.admin, tenant: 'bench', role: 'admin' },
          { token: tokens.reader, tenant: 'bench', role: 'reader' },
          { token: tokens.dashboardReader, tenant: DASHBOARD_TENANT, role: 'reader' },
        ],
        seed: dashboardSeed(sizes.dashboardEvents, durations),
        extraRules: [
          { name: 'bench-decisions', eventPattern: { source: ['release-ledger'] }, target: watcher.target },
        ],
        // What AWS runs: each reaction its own function, out of the API's process.
        reactions: 'workers',
      }),
    ),
  );
  if (!runtime) {
    for (const part of ['decisions', 'dashboard'])
      failures[part] = `the local runtime did not start (${failures['runtime start']})`;
    return;
  }
  try {
    await attemptPart(failures, 'decisions', () =>
      phase(durations, 'decisions', async () => {
        results.gate = await benchGate(runtime, tokens.writer, watcher, sizes.gate);
        results.rollback = await benchRollback(runtime, tokens, watcher, sizes.rollback);
        results.triggerRollback = await benchTriggerRollback(runtime, tokens, sizes.rollback);
        results.freshness = await benchFreshness(runtime, tokens, sizes.rollback);
      }),
    );
    results.dashboard = await attemptPart(failures, 'dashboard', () =>
      phase(durations, 'dashboard', () =>
        benchDashboard(runtime, tokens, sizes.dashboardEvents, sizes.dashboardLoads),
      ),
    );
  } finally {
    await runtime.stop();
  }
}

/**
 * Ingest with the reactions in the API's process and with each in its own worker, one after the other
 * on a fresh runtime each (its own DynamoDB Local, so neither inherits the other's tables or JIT), each
 * against its own bare-PutItem floor. The targets are the out-of-process figures.
 */
async function benchIngestSideBySide(
  sizes: RunSizes,
  durations: Record<string, number>,
  failures: Record<string, string>,
): Promise<IngestResults | undefined> {
  const token = 'bench-writer-token-000001';
  const measured: Partial<Record<ReactionsMode, IngestFigures>> = {};
  for (const reactions of ['in-process', 'workers'] as const) {
    measured[reactions] = await attemptPart(failures, `ingest (${reactions})`, () =>
      phase(durations, `ingest (${reactions})`, async () => {
        const runtime = await startLocalRuntime({
          port: 0,
          dynamoDbPort: 0,
          tokens: [{ token, tenant: 'bench', role: 'writer' }],
          reactions,
        });
        try {
          return {
            sequential: await benchIngest(runtime, token, sizes.ingest, 1, `sequential, ${reactions}`),
            concurrent16: await benchIngest(runtime, token, sizes.ingest, 16, `concurrent, ${reactions}`),
          };
        } finally {
          await runtime.stop();
        }
      }),
    );
  }
  const inProcess = measured['in-process'];
  const workers = measured.workers;
  if (workers) return { ...workers, reactions: 'workers', ...(inProcess ? { inProcess } : {}) };
  return inProcess ? { ...inProcess, reactions: 'in-process' } : undefined;
}

interface RunSizes {
  readonly ingest: number;
  readonly gate: number;
  readonly rollback: number;
  readonly dashboardEvents: number;
  readonly dashboardLoads: number;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
