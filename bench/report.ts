import { BUNDLE_SIZE_LIMIT_BYTES } from '../infra/aws/bundling.ts';
import type { BundleRun } from './bundle-bench.ts';
import type { DashboardRun } from './dashboard-bench.ts';
import type { LatencyRun } from './decision-bench.ts';
import type { IngestRun } from './ingest-bench.ts';
import type { MetricsRun } from './metrics-bench.ts';
import { type WritersResults, type WritersRun, writersTargets } from './writers-bench.ts';

export interface BenchResults {
  readonly machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    date: string;
    commit: string;
    mode: string;
  };
  /** Each part is absent when a run skipped it (`--only`). */
  readonly ingest?: { sequential: IngestRun; concurrent16: IngestRun };
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
  /** The real projector's rebuild rate from empty (events/s), from the metrics runs that used it. */
  readonly projection?: { eventsPerSec: number; events: number; bySize: Record<string, number> };
  readonly bundles?: Record<string, BundleRun>;
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
${r.durationsSec ? `\n${durationsLine(r.durationsSec)}\n` : ''}`,
    r.failures ? failuresSection(r.failures) : '',
    r.ingest ? ingestSection(r.ingest) : '',
    r.writers ? writersSection(r.writers) : '',
    r.gate && r.rollback ? decisionsSection(r.gate, r.rollback, r.freshness, r.triggerRollback) : '',
    r.dashboard ? dashboardSection(r.dashboard) : '',
    r.metrics ? metricsSection(r.metrics) : '',
    r.bundles ? bundlesSection(r.bundles) : '',
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

function ingestSection(ingest: { sequential: IngestRun; concurrent16: IngestRun }): string {
  const s = ingest.sequential;
  const c = ingest.concurrent16;
  return `## Ingest (HTTP → authorizer → handler → one TransactWriteItems on DynamoDB Local)

| clients | p50 | p99 | events/s | floor events/s (bare PutItem) | overhead ratio | target |
|---|---|---|---|---|---|---|
| 1 | ${s.p50Ms} ms | ${s.p99Ms} ms | ${s.eventsPerSec} | ${s.floorEventsPerSec} | ${s.overheadRatio} | p99 ≤ 15 ms, ratio ≤ 3: ${mark(s.p99Ms <= 15 && s.overheadRatio <= 3)} |
| 16 | ${c.p50Ms} ms | ${c.p99Ms} ms | ${c.eventsPerSec} | ${c.floorEventsPerSec} | ${c.overheadRatio} | p99 ≤ 60 ms, ratio ≤ 3: ${mark(c.p99Ms <= 60 && c.overheadRatio <= 3)} |
`;
}

function writersSection(w: WritersResults): string {
  const rows = (runs: readonly WritersRun[], strategy: string) =>
    runs
      .map(
        (run) =>
          `| ${strategy} | ${run.writers} | ${run.oneTenant.eventsPerSec} | ${run.oneTenant.p50Ms} ms | ${run.oneTenant.p99Ms} ms | ${run.oneTenant.gaveUp} | ${run.oneTenant.transactions} (${run.oneTenant.cancelled}) | ${run.oneTenant.eventsPerCommit} | ${run.oneTenant.chainVerified ? 'yes' : '**no**'} | ${run.ownTenants.eventsPerSec} | ${run.ownTenants.p50Ms} ms | ${run.ownTenants.p99Ms} ms | ${run.ownTenants.gaveUp} | ${round2(run.oneTenant.eventsPerSec / run.ownTenants.eventsPerSec)} |`,
      )
      .join('\n');
  const targets = writersTargets(w.runs)
    .map(
      (t) =>
        `${t.writers} writers: ≥ 1 writer ${mark(t.atLeastOneWriter)}, ≥ ½ own tenants ${mark(t.atLeastHalfOwnTenants)}${t.writers === 16 ? `, no 503 ${mark(t.no503)}` : ''}`,
    )
    .join('; ');
  return `## Writers as Lambda runs them (N containers, each its own client and store, one event per append, ${w.windowSec} s each)

| contention | writers | one tenant events/s | p50 | p99 | 503s | transactions (cancelled) | events per commit | chain verifies | own tenants events/s | p50 | p99 | 503s | one ÷ own |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows(w.runs, w.strategy)}
${w.baseline ? rows(w.baseline.runs, `${w.baseline.strategy} (before)`) : ''}

Targets (one tenant, \`${w.strategy}\`): ${targets}.
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

function metricsSection(metrics: Record<string, MetricsRun>): string {
  const load = (m: MetricsRun) =>
    m.loader === 'bulk'
      ? `${m.loadEventsPerSec} (bulk loader${m.appendEventsPerSec === undefined ? '' : `; append path ${m.appendEventsPerSec} on the first ${m.appendSample ?? m.events}`})`
      : `${m.loadEventsPerSec} (append path)`;
  return `## DORA queries: projection vs recomputing from the ledger (one-year window, monthly series)

| events | load (events/s) | projection rebuild (events/s, real projector) | scope | query | items read | recompute | speedup | same answer |
|---|---|---|---|---|---|---|---|---|
${Object.values(metrics)
  .flatMap((m) =>
    (['service', 'tenant'] as const).map(
      (scope) =>
        `| ${m.events} | ${load(m)} | ${m.projection.path === 'bulk' ? `— (built by bulk fold in ${m.projection.seconds} s, not the projector)` : m.projection.events ? `${m.projection.eventsPerSec} (on the first ${m.projection.events}; the rest bulk-built)` : m.projection.eventsPerSec} | ${scope === 'service' ? 'one service' : 'whole tenant'} | ${m[scope].queryMs} ms | ${m[scope].itemsRead} | ${m[scope].recomputeMs} ms | ${m[scope].speedup}× | ${m[scope].answersEqual ? 'yes' : '**no**'} |`,
    ),
  )
  .join('\n')}

Targets: items read identical at 100k and 1M events for the same window; speedup ≥ 100× at 1M; equal answers.
`;
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
