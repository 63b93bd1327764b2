import { BUNDLE_SIZE_LIMIT_BYTES } from '../infra/aws/bundling.ts';
import type { BundleRun } from './bundle-bench.ts';
import type { DashboardRun } from './dashboard-bench.ts';
import type { LatencyRun } from './decision-bench.ts';
import type { IngestRun } from './ingest-bench.ts';
import type { MetricsRun } from './metrics-bench.ts';

export interface BenchResults {
  readonly machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    date: string;
    commit: string;
    mode: string;
  };
  readonly ingest: { sequential: IngestRun; concurrent16: IngestRun };
  readonly gate: LatencyRun;
  readonly rollback: LatencyRun;
  /** Absent in results written before it was measured. */
  readonly freshness?: LatencyRun;
  readonly dashboard: DashboardRun;
  readonly metrics: Record<string, MetricsRun>;
  readonly bundles: Record<string, BundleRun>;
}

const mark = (ok: boolean) => (ok ? 'met' : '**missed**');

/** The markdown summary the README quotes: every figure beside its target. */
export function renderReport(r: BenchResults): string {
  const s = r.ingest.sequential;
  const c = r.ingest.concurrent16;
  const bundleRows = Object.entries(r.bundles)
    .map(
      ([name, b]) =>
        `| ${name} | ${(b.bytes / 1024).toFixed(1)} KB | ${b.coldImportMs} ms | ${mark(b.bytes <= BUNDLE_SIZE_LIMIT_BYTES && b.coldImportMs <= 100)} |`,
    )
    .join('\n');
  return `# Benchmark results

Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, commit \`${r.machine.commit}\`,
${r.machine.date} (${r.machine.mode} run). Medians and percentiles over the run; ratios measured side by side.

## Ingest (HTTP → authorizer → handler → one TransactWriteItems on DynamoDB Local)

| clients | p50 | p99 | events/s | floor events/s (bare PutItem) | overhead ratio | target |
|---|---|---|---|---|---|---|
| 1 | ${s.p50Ms} ms | ${s.p99Ms} ms | ${s.eventsPerSec} | ${s.floorEventsPerSec} | ${s.overheadRatio} | p99 ≤ 15 ms, ratio ≤ 3: ${mark(s.p99Ms <= 15 && s.overheadRatio <= 3)} |
| 16 | ${c.p50Ms} ms | ${c.p99Ms} ms | ${c.eventsPerSec} | ${c.floorEventsPerSec} | ${c.overheadRatio} | p99 ≤ 60 ms, ratio ≤ 3: ${mark(c.p99Ms <= 60 && c.overheadRatio <= 3)} |

## Decisions (appended → decision appended, through stream relay, bus and rule)

| decision | p50 | p99 | samples | target |
|---|---|---|---|---|
| gate (\`deployment.requested\` → \`gate.evaluated\`) | ${r.gate.p50Ms} ms | ${r.gate.p99Ms} ms | ${r.gate.samples} | p99 ≤ 1 s: ${mark(r.gate.p99Ms <= 1000)} |
| rollback (\`incident.opened\` → \`rollback.requested\`) | ${r.rollback.p50Ms} ms | ${r.rollback.p99Ms} ms | ${r.rollback.samples} | p99 ≤ 1 s: ${mark(r.rollback.p99Ms <= 1000)} |
${r.freshness ? `| DORA projection (deployment appended → metrics include it) | ${r.freshness.p50Ms} ms | ${r.freshness.p99Ms} ms | ${r.freshness.samples} | within 1 s: ${mark(r.freshness.p99Ms <= 1000)} |\n` : ''}
## Dashboard (headless Chromium, a year of history in the tenant)

| events | first render (navigation → every panel on screen), median | loads | target |
|---|---|---|---|
| ${r.dashboard.events} | ${r.dashboard.firstRenderMs} ms | ${r.dashboard.loads} | < 1 s: ${mark(r.dashboard.firstRenderMs < 1000)} |

## DORA queries: projection vs recomputing from the ledger (one-year window, monthly series)

| events | load (events/s, real append path) | projection rebuild (events/s) | scope | query | items read | recompute | speedup | same answer |
|---|---|---|---|---|---|---|---|---|
${Object.values(r.metrics)
  .flatMap((m) =>
    (['service', 'tenant'] as const).map(
      (scope) =>
        `| ${m.events} | ${m.loadEventsPerSec} | ${m.projection.eventsPerSec} | ${scope === 'service' ? 'one service' : 'whole tenant'} | ${m[scope].queryMs} ms | ${m[scope].itemsRead} | ${m[scope].recomputeMs} ms | ${m[scope].speedup}× | ${m[scope].answersEqual ? 'yes' : '**no**'} |`,
    ),
  )
  .join('\n')}

Targets: items read identical at 100k and 1M events for the same window; speedup ≥ 100× at 1M; equal answers.

## Lambda bundles (the CDK stack's esbuild settings: ESM, minified, AWS SDK included; cold \`import\` median)

| function | size | cold import | target ≤ 400 KB, ≤ 100 ms |
|---|---|---|---|
${bundleRows}
`;
}
