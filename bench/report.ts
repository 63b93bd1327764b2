import { BUNDLE_SIZE_LIMIT_BYTES } from '../infra/aws/bundling.ts';
import type { BundleRun } from './bundle-bench.ts';
import type { DashboardRun } from './dashboard-bench.ts';
import type { LatencyRun } from './decision-bench.ts';
import type { EngineFloor } from './engine-floor.ts';
import type { IngestResults, IngestRun, PerfectBatching } from './ingest-bench.ts';
import type { MerkleRun } from './merkle-bench.ts';
import type { MetricsRun } from './metrics-bench.ts';
import type { LayoutName, LayoutRun } from './projection-layout-bench.ts';
import {
  type TransactionCost,
  type WritersResults,
  type WritersRun,
  writersTargets,
} from './writers-bench.ts';

export interface BenchResults {
  readonly machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    date: string;
    commit: string;
    mode: string;
    /** Which commit and date each part's figures come from (a `--merge` run keeps earlier parts). */
    parts?: Record<string, { commit: string; date: string; mode: string }>;
  };
  /** Each part is absent when a run skipped it (`--only`). */
  readonly ingest?: IngestResults;
  readonly gate?: LatencyRun;
  readonly rollback?: LatencyRun;
  /** Absent in results written before it was measured. */
  readonly freshness?: LatencyRun;
  /** Last breaching `metric.observed` posted → its `rollback.requested` readable (absent before issue 19). */
  readonly triggerRollback?: LatencyRun;
  readonly dashboard?: DashboardRun;
  /** Independent writers on one tenant against the same writers on their own tenants (issue 16). */
  readonly writers?: WritersResults;
  readonly metrics?: Record<string, MetricsRun>;
  /** `--projection memory`: the query against each storage layout of one in-memory fold. */
  readonly metricsLayouts?: Record<string, LayoutRun>;
  /** The real projector's rebuild rate from empty (events/s), from the metrics runs that used it. */
  readonly projection?: { eventsPerSec: number; events: number; bySize: Record<string, number> };
  readonly bundles?: Record<string, BundleRun>;
  /** `--only merkle`: proofs, verification, the tree's build and the append path, by history size. */
  readonly merkle?: Record<string, MerkleRun>;
  /** Parts that could not run, each with the reason (absent when every part ran). */
  readonly failures?: Record<string, string>;
  /** Wall-clock seconds of each part and the whole run (absent in older results). */
  readonly durationsSec?: Record<string, number>;
}

const mark = (ok: boolean) => (ok ? 'met' : '**missed**');

function durationsLine(durations: Record<string, number>): string {
  const { total, ...parts } = durations;
  const each = Object.entries(parts).map(([part, seconds]) => `${part} ${seconds} s`);
  return `The run took ${total ?? '?'} s: ${each.join(', ')}.`;
}

/** The markdown summary the README quotes: every figure beside its target. */
export function renderReport(r: BenchResults): string {
  return [
    `# Benchmark results

Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, commit \`${r.machine.commit}\`,
${r.machine.date} (${r.machine.mode} run). Medians and percentiles over the run; ratios measured side by side.
${partsLine(r.machine.parts)}${r.durationsSec ? `\n${durationsLine(r.durationsSec)}\n` : ''}`,
    r.failures ? failuresSection(r.failures) : '',
    r.ingest ? ingestSection(r.ingest) : '',
    r.writers ? writersSection(r.writers) : '',
    r.gate && r.rollback ? decisionsSection(r.gate, r.rollback, r.freshness, r.triggerRollback) : '',
    r.dashboard ? dashboardSection(r.dashboard) : '',
    r.metrics ? metricsSection(r.metrics) : '',
    r.metricsLayouts ? layoutsSection(r.metricsLayouts) : '',
    r.bundles ? bundlesSection(r.bundles) : '',
    r.merkle ? merkleSection(r.merkle) : '',
  ]
    .filter((section) => section !== '')
    .join('\n');
}

function failuresSection(failures: Record<string, string>): string {
  return `## Not measured in this run

| part | why |
|---|---|
${Object.entries(failures)
  .map(([part, reason]) => `| ${part} | ${reason.replaceAll('|', '\\|')} |`)
  .join('\n')}
`;
}

function ingestSection(ingest: IngestResults): string {
  const label = { 'in-process': 'in the API’s process', workers: 'a worker per function' } as const;
  // Results before issue 16 hold one mode, the in-process one, and held the targets to it.
  const measured = ingest.reactions ?? 'in-process';
  const outOfProcess = measured === 'workers';
  const modes = [
    ...(ingest.inProcess
      ? [{ reactions: label['in-process'], figures: ingest.inProcess, targets: false }]
      : []),
    { reactions: label[measured], figures: ingest, targets: outOfProcess || ingest.reactions === undefined },
  ];
  const row = (clients: 1 | 16, reactions: string, run: IngestRun, targets: boolean) => {
    const [p99Target, target] =
      clients === 1 ? [15, 'p99 ≤ 15 ms, ratio ≤ 3'] : ([60, 'p99 ≤ 60 ms, ratio ≤ 3'] as const);
    const verdict = targets
      ? `${target}: ${mark(run.p99Ms <= p99Target && run.overheadRatio <= 3)}`
      : '— (held out of process)';
    return `| ${clients} | ${reactions} | ${run.p50Ms} ms | ${run.p99Ms} ms | ${run.eventsPerSec} | ${run.floorEventsPerSec} | ${run.overheadRatio} | ${verdict} |`;
  };
  const storeRow = (clients: 1 | 16, reactions: string, run: IngestRun) =>
    run.storeOnly
      ? [
          `| ${clients} | ${reactions}, **store only** (appendEvents, no HTTP) | ${run.storeOnly.p50Ms} ms | ${run.storeOnly.p99Ms} ms | ${run.storeOnly.eventsPerSec} | ${run.floorEventsPerSec} | ${run.storeOnly.overheadRatio} | — (the transaction alone) |`,
        ]
      : [];
  const rows = ([1, 16] as const).flatMap((clients) =>
    modes.flatMap(({ reactions, figures, targets }) => {
      const run = clients === 1 ? figures.sequential : figures.concurrent16;
      return [row(clients, reactions, run, targets), ...(targets ? storeRow(clients, reactions, run) : [])];
    }),
  );
  const inProcess = ingest.inProcess;
  const comparison =
    inProcess && outOfProcess
      ? `\nOut of the API's process against in it, same run: ${ratio(ingest.sequential, inProcess.sequential)} the events/s with 1 client, ${ratio(ingest.concurrent16, inProcess.concurrent16)} with 16 (each against its own floor; every request answered 201).\n`
      : '';
  const perfect = ingest.concurrent16.perfectBatching;
  return `## Ingest (HTTP → authorizer → handler → one TransactWriteItems on DynamoDB Local)

Reactions (stream relay, gate, projector, tree, rollback, bypass, watch) run either in the API's process
or, as on AWS where each is its own Lambda, in a worker thread per function; the targets are held to
the latter.

| clients | reactions | p50 | p99 | events/s | floor events/s (bare PutItem) | overhead ratio | target |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
${comparison}${perfect && perfect.length > 0 ? perfectBatchingSection(perfect, 16) : ''}`;
}

/** The best a rotation of full commits could do for `clients` clients of one tenant on this engine. */
function perfectBatchingSection(figures: readonly PerfectBatching[], clients: number): string {
  const best = figures.reduce((low, figure) => (figure.p99Ms < low.p99Ms ? figure : low));
  const fastest = Math.max(...figures.map((figure) => figure.eventsPerSec));
  const meanBound = (clients / fastest) * 1000;
  const rotation = `the best rotation, with no HTTP at all, has p99 ${best.p99Ms} ms (${best.batchEvents} events per commit)`;
  const verdict =
    best.p99Ms > 60
      ? `so p99 ≤ 60 ms at ${clients} clients is **out of reach on this engine in this run**: ${rotation}`
      : best.p99Ms > 45
        ? `so p99 ≤ 60 ms at ${clients} clients leaves at most ${round2(60 - best.p99Ms)} ms on this engine for HTTP, the authorizer, the handler and hashing: ${rotation}`
        : `so the engine leaves room for p99 ≤ 60 ms at ${clients} clients: ${rotation}`;
  const rows = figures.map(
    (f) =>
      `| ${f.batchEvents} | ${f.groups} | ${f.commitP50Ms} ms | ${f.commitP99Ms} ms | ${f.p50Ms} ms | ${f.p99Ms} ms | ${f.eventsPerSec} |`,
  );
  return `
### ${clients} clients on one tenant: the best any rotation of full commits could do

A tenant's chain takes one commit at a time, so ${clients} clients of one tenant are answered by a rotation
of commits. With every commit full and nothing else in the way (no HTTP, no handler, each client back
the instant it is answered), a request waits for the other groups' commits and then its own. Built from
back-to-back transactions on the same engine in the same run, reactions running:

| events per commit | commits in a rotation | one commit, p50 | one commit, p99 | request p50 | request p99 | events/s |
|---|---|---|---|---|---|---|
${rows.join('\n')}

By Little's law no schedule's mean latency can be below ${clients} clients ÷ ${fastest} events/s (the fastest rotation) = ${meanBound.toFixed(1)} ms, ${verdict}.
`;
}

/** How many times the other's events/s a run reached (`1.12×`). */
function ratio(run: IngestRun, other: IngestRun): string {
  return `${(run.eventsPerSec / other.eventsPerSec).toFixed(2)}×`;
}

function writersSection(w: WritersResults): string {
  const rows = (runs: readonly WritersRun[], strategy: string) =>
    runs
      .map(
        (run) =>
          `| ${strategy} | ${run.writers} | ${run.oneTenant.eventsPerSec} | ${run.oneTenant.p50Ms} ms | ${run.oneTenant.p99Ms} ms | ${run.oneTenant.gaveUp} | ${run.oneTenant.transactions} (${run.oneTenant.cancelled}) | ${run.oneTenant.eventsPerCommit} | ${run.oneTenant.requestsPerEvent ?? '—'} | ${run.ownTenants.requestsPerEvent ?? '—'} | ${run.oneTenant.chainVerified ? 'yes' : '**no**'} | ${run.ownTenants.eventsPerSec} | ${run.ownTenants.p50Ms} ms | ${run.ownTenants.p99Ms} ms | ${run.ownTenants.gaveUp} | ${round2(run.oneTenant.eventsPerSec / run.ownTenants.eventsPerSec)} |`,
      )
      .join('\n');
  const targets = writersTargets(w.runs)
    .map(
      (t) =>
        `${t.writers} writers: ≥ 1 writer ${mark(t.atLeastOneWriter)}, ≥ ½ own tenants ${mark(t.atLeastHalfOwnTenants)}${t.writers === 16 ? `, no 503 ${mark(t.no503)}` : ''}`,
    )
    .join('; ');
  return `## Writers as Lambda runs them (N containers, each its own client and store, one event per append, ${w.windowSec} s each)

| contention | writers | one tenant events/s | p50 | p99 | 503s | transactions (cancelled) | events per commit | requests per event (one tenant) | requests per event (own tenants) | chain verifies | own tenants events/s | p50 | p99 | 503s | one ÷ own |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows(w.runs, w.strategy)}
${w.baseline ? rows(w.baseline.runs, `${w.baseline.strategy} (before)`) : ''}

Targets (one tenant, \`${w.strategy}\`): ${targets}.
${w.transactionCost ? transactionCostTable(w.transactionCost) : ''}`;
}

function transactionCostTable(costs: readonly TransactionCost[]): string {
  const best = Math.max(...costs.map((cost) => cost.eventsPerSec));
  return `
The engine's ceiling for one tenant, same run: one store appending batches back to back on the idle
engine, one transaction per batch (a tenant's chain admits one commit at a time). At best
**${best} events/s** per tenant on this engine, before any waiting writer's reads.

| events per transaction | items | p50 | per item | events/s at most |
|---|---|---|---|---|
${costs.map((cost) => `| ${cost.events} | ${cost.items} | ${cost.msP50} ms | ${cost.msPerItem} ms | ${cost.eventsPerSec} |`).join('\n')}
`;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function decisionsSection(
  gate: LatencyRun,
  rollback: LatencyRun,
  freshness: LatencyRun | undefined,
  trigger: LatencyRun | undefined,
): string {
  return `## Decisions (appended → decision appended, through stream relay, bus and rule)

| decision | p50 | p99 | samples | target |
|---|---|---|---|---|
| gate (\`deployment.requested\` → \`gate.evaluated\`) | ${gate.p50Ms} ms | ${gate.p99Ms} ms | ${gate.samples} | p99 ≤ 1 s: ${mark(gate.p99Ms <= 1000)} |
| rollback (\`incident.opened\` → \`rollback.requested\`) | ${rollback.p50Ms} ms | ${rollback.p99Ms} ms | ${rollback.samples} | p99 ≤ 1 s: ${mark(rollback.p99Ms <= 1000)} |
${trigger ? `| trigger to decision (last breaching \`metric.observed\` posted → \`rollback.requested\` readable) | ${trigger.p50Ms} ms | ${trigger.p99Ms} ms | ${trigger.samples} | p99 ≤ 1 s: ${mark(trigger.p99Ms <= 1000)} |\n` : ''}${freshness ? `| DORA projection (deployment appended → metrics include it) | ${freshness.p50Ms} ms | ${freshness.p99Ms} ms | ${freshness.samples} | within 1 s: ${mark(freshness.p99Ms <= 1000)} |\n` : ''}`;
}

function dashboardSection(dashboard: DashboardRun): string {
  return `## Dashboard (headless Chromium, a year of history in the tenant)

| events | first render (navigation → every panel on screen), median | loads | target |
|---|---|---|---|
| ${dashboard.events} | ${dashboard.firstRenderMs} ms | ${dashboard.loads} | < 1 s: ${mark(dashboard.firstRenderMs < 1000)} |
${dashboard.browser ? `\nBrowser: Chromium ${dashboard.browser.version} (${dashboard.browser.source}).\n` : ''}`;
}

function merkleSection(runs: Record<string, MerkleRun>): string {
  const sizes = Object.values(runs);
  const row = (label: string, cell: (m: MerkleRun) => string) =>
    `| ${label} | ${sizes.map(cell).join(' | ')} |`;
  return `## Merkle tree, proofs and bounded verification (DynamoDB Local)

| figure | ${sizes.map((m) => `${m.events} events`).join(' | ')} |
|---|${sizes.map(() => '---').join('|')}|
${[
  row('tree build from empty', (m) => `${m.treeBuild.seconds} s, ${m.treeBuild.leavesPerSec} leaves/s`),
  row('inclusion proof (server)', (m) => `p50 ${m.inclusionProofMs.p50} ms, p95 ${m.inclusionProofMs.p95}`),
  row(
    'consistency proof (server)',
    (m) => `p50 ${m.consistencyProofMs.p50} ms, p95 ${m.consistencyProofMs.p95}`,
  ),
  row(
    'verify one inclusion / consistency proof',
    (m) => `${m.verifyInclusionMs.p50} / ${m.verifyConsistencyMs.p50} ms`,
  ),
  row(
    'bounded verify (GET /v1/audit/verify)',
    (m) =>
      `p50 ${m.boundedVerifyMs.p50} ms, ${m.boundedVerifyMs.behind} behind: ${mark(m.boundedVerifyMs.p50 < 2000)} (< 2 s)`,
  ),
  row(
    'append alone / while the tree extends',
    (m) => `p50 ${m.append.appendAloneMsP50} / ${m.append.appendWhileTreeExtendsMsP50} ms`,
  ),
  row('tree extension after one append (async)', (m) => `p50 ${m.append.treeExtendAfterAppendMsP50} ms`),
].join('\n')}
`;
}

function metricsSection(metrics: Record<string, MetricsRun>): string {
  const load = (m: MetricsRun) =>
    m.loader === 'bulk'
      ? `${m.loadEventsPerSec} (bulk loader${m.appendEventsPerSec === undefined ? '' : `; append path ${m.appendEventsPerSec} on the first ${m.appendSample ?? m.events}`})`
      : `${m.loadEventsPerSec} (append path)`;
  return `## DORA queries: projection vs recomputing from the ledger (one-year window, monthly series)

| events | load (events/s) | projection rebuild (events/s, real projector) | scope | query | requests | items read | bytes read | recompute | speedup | same answer |
|---|---|---|---|---|---|---|---|---|---|---|
${Object.values(metrics)
  .flatMap((m) =>
    (['service', 'tenant'] as const).map(
      (scope) =>
        `| ${m.events} | ${load(m)} | ${m.projection.path === 'bulk' ? `— (built by bulk fold in ${m.projection.seconds} s, not the projector)` : m.projection.events ? `${m.projection.eventsPerSec} (on the first ${m.projection.events}; the rest bulk-built)` : m.projection.eventsPerSec} | ${scope === 'service' ? 'one service' : 'whole tenant'} | ${m[scope].queryMs} ms | ${m[scope].requests ?? '—'} | ${m[scope].itemsRead} | ${m[scope].bytesRead === undefined ? '—' : `${(m[scope].bytesRead / 1024).toFixed(1)} KB`} | ${m[scope].recomputeMs} ms | ${m[scope].speedup}× | ${m[scope].answersEqual ? 'yes' : '**no**'} |`,
    ),
  )
  .join('\n')}

Targets: items read identical at 100k and 1M events for the same window; speedup ≥ 100× at 1M; equal answers.
${queryTargets(Object.values(metrics).map((m) => ({ events: m.events, service: m.service.queryMs, tenant: m.tenant.queryMs, engine: m.engine })))}`;
}

/**
 * The query-time targets (whole tenant ≤ 100 ms at 1M and within 1.5× of 100k, one service ≤ 20 ms at
 * every size) judged on the run's figures, beside what one request costs on the engine that served them.
 */
function queryTargets(
  runs: readonly {
    events: number;
    service: number;
    tenant: number;
    engine?: EngineFloor | undefined;
    queriesInTurns?: boolean | undefined;
  }[],
): string {
  const at = (events: number) => runs.find((run) => run.events === events);
  const million = at(1_000_000);
  const hundredK = at(100_000);
  const flat =
    million && hundredK
      ? `whole tenant ${million.tenant} ms at 1M (≤ 100 ms: ${mark(million.tenant <= 100)}), ${round2(million.tenant / hundredK.tenant)}× the 100k figure (≤ 1.5×: ${mark(million.tenant <= 1.5 * hundredK.tenant)})`
      : 'whole tenant at 1M against 100k: not in this run';
  const service = `one service ≤ 20 ms at every size: ${mark(runs.every((run) => run.service <= 20))}`;
  const engines = runs
    .filter((run) => run.engine)
    .map(
      (run) =>
        `${run.events}: GetItem p50 ${run.engine?.getItemMsP50} ms, four at once ${run.engine?.parallel4MsP50} ms`,
    );
  const sameEngine = runs.length > 0 && runs.every((run) => run.queriesInTurns);
  const engineLine = sameEngine
    ? ` One request on this engine, measured once before the queries: GetItem p50 ${runs[0]?.engine?.getItemMsP50} ms, four at once ${runs[0]?.engine?.parallel4MsP50} ms.`
    : engines.length > 0
      ? ` One request on this engine, measured before each size's queries: ${engines.join('; ')}.`
      : '';
  return `Query targets: ${flat}; ${service}.${engineLine}
`;
}

function layoutsSection(runs: Record<string, LayoutRun>): string {
  const rows = Object.values(runs).flatMap((run) =>
    (Object.entries(run.layouts) as [LayoutName, LayoutRun['layouts'][LayoutName]][]).flatMap(
      ([name, layout]) =>
        (['service', 'tenant'] as const).map((scope) => {
          const q = layout[scope];
          return `| ${run.events} | ${name} | ${scope === 'service' ? 'one service' : 'whole tenant'} | ${q.queryMs} ms | ${q.requests ?? '—'} | ${q.itemsRead} | ${(q.bytesRead / 1024).toFixed(1)} KB | ${q.answersEqual ? 'yes' : '**no**'} |`;
        }),
    ),
  );
  const folds = Object.values(runs)
    .map(
      (run) => `${run.events} events folded in ${run.foldSeconds} s, ${run.documents} documents per layout`,
    )
    .join('; ');
  return `## DORA queries by projection layout (one-year window, monthly series; projection folded in memory)

No ledger in DynamoDB (\`--projection memory\`): the synthetic history is folded in memory by the
projection's own fold, only the queried scopes' day, month and bin rollups are written (once per layout,
own tenant), and each answer is compared with the domain's recompute over the same in-memory events.
dora-2023.8: sample lists as JSON text, partly covered months read by their days; dora-2023.10: binary
lists, a mostly covered end month read as its month less the days outside. ${folds}.
${
  Object.values(runs).every((run) => run.queriesInTurns)
    ? `Each size is folded in a worker thread of its own (two at a time), which hands back only the queried documents and the recompute's answers, so no fold is in the heap that times the queries; every size's queries are then timed in turns against the same engine (${Object.values(runs)[0]?.repetitions} turns after an untimed one; medians).\n`
    : 'Each size was folded and queried in turn, in the same heap: the larger folds slowed every request of their own queries.\n'
}
| events | layout | scope | query (median) | requests | items read | bytes read | same answer as recompute |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${queryTargets(Object.values(runs).map((run) => ({ events: run.events, service: run.layouts['dora-2023.10'].service.queryMs, tenant: run.layouts['dora-2023.10'].tenant.queryMs, engine: run.engine, queriesInTurns: run.queriesInTurns })))}`;
}

function bundlesSection(bundles: Record<string, BundleRun>): string {
  const rows = Object.entries(bundles)
    .map(
      ([name, b]) =>
        `| ${name} | ${(b.bytes / 1024).toFixed(1)} KB | ${b.coldImportMs} ms | ${mark(b.bytes <= BUNDLE_SIZE_LIMIT_BYTES && b.coldImportMs <= 100)} |`,
    )
    .join('\n');
  return `## Lambda bundles (the CDK stack's esbuild settings: ESM, minified, AWS SDK included; cold \`import\` median)

| function | size | cold import | target ≤ 400 KB, ≤ 100 ms |
|---|---|---|---|
${rows}
`;
}

/** Only when the parts come from more than one run: then each names its own commit and date. */
function partsLine(parts: BenchResults['machine']['parts']): string {
  const stamps = Object.entries(parts ?? {});
  if (new Set(stamps.map(([, stamp]) => `${stamp.commit} ${stamp.date}`)).size <= 1) return '';
  const list = stamps.map(
    ([part, stamp]) => `${part} at \`${stamp.commit}\` (${stamp.date.slice(0, 10)}, ${stamp.mode})`,
  );
  return `Parts measured in separate runs (\`--merge\`): ${list.join('; ')}.\n`;
}
