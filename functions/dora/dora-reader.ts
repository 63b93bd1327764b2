import { type Bucket, daysBetween } from '../../domain/dora/calendar.ts';
import { type DoraDefinitions, definitionsVersion } from '../../domain/dora/definitions.ts';
import {
  cellsInWindow,
  type DoraMetrics,
  type DoraWindow,
  projectAll,
  scopeRollups,
  summarize,
} from '../../domain/dora/dora-metrics.ts';
import {
  type DoraMetricName,
  type EvidenceItem,
  evidenceFor,
  evidencePagePlan,
} from '../../domain/dora/evidence.ts';
import type { MonthRollup, SampleField } from '../../domain/dora/month-rollups.ts';
import { type MonthlyPlan, monthlyPlan, summarizeMonthly } from '../../domain/dora/monthly-summary.ts';
import { keyId } from '../../domain/dora/projection-store.ts';
import type { ReleaseRollup } from '../../domain/dora/release-exposure.ts';
import {
  type DoraMetricsWithReleases,
  isReleaseMetric,
  type ReleaseEvidenceItem,
  type ReleaseMetricName,
  releaseCellsInWindow,
  releaseEvidenceFor,
  releaseEvidencePagePlan,
  releaseScopeRollups,
  withReleaseNumbers,
} from '../../domain/dora/release-metrics.ts';
import { type DoraScope, type Rollup, scopeKey } from '../../domain/dora/rollups.ts';
import type { StoredEvent } from '../../domain/ledger/ledger-event.ts';
import type { EventStore } from '../../domain/ports/event-store.ts';
import { documentClient } from '../adapters/dynamodb-document-client.ts';
import {
  type DoraCheckpoint,
  DynamoDbDoraStore,
  type QuarantinedEvent,
} from '../adapters/dynamodb-dora-store.ts';
import { DynamoDbLedgerPages } from '../adapters/dynamodb-ledger-pages.ts';
import { readConfig } from '../config.ts';

/** Where an answer came from, so a reader can tell how fresh it is. */
export type DoraSource =
  | {
      readonly kind: 'projection';
      readonly version: string;
      readonly seq: number;
      readonly itemsRead: number;
      /** Present once the projector has stepped over events it could not fold (newest last). */
      readonly quarantined?: { readonly count: number; readonly latest: readonly QuarantinedEvent[] };
    }
  | {
      readonly kind: 'replay';
      readonly asOf: string | null;
      readonly seq: number;
      readonly eventsRead: number;
    };

/**
 * Appends are recorded with the appender's clock, read before its transaction, so a later seq can
 * carry a slightly earlier `recordedAt`. An asOf replay reads on until events are this far past it.
 */
const RECORDING_SKEW_MS = 5 * 60_000;
const LEDGER_PAGE = 1000;

export interface DoraReader {
  metrics(
    scope: DoraScope,
    window: DoraWindow,
    bucket: Bucket,
    asOf: string | undefined,
  ): Promise<DoraMetricsWithReleases & { source: DoraSource }>;
  evidence(
    metric: DoraMetricName | ReleaseMetricName,
    scope: DoraScope,
    window: DoraWindow,
    page: { readonly cursor: number; readonly limit: number },
    asOf: string | undefined,
  ): Promise<{ items: (EvidenceItem | ReleaseEvidenceItem)[]; total: number; source: DoraSource }>;
}

/**
 * Metrics from the active projection (one Query of the scope's day rollups), or — for `asOf`, or before
 * any projection exists — recomputed from the ledger events recorded by then.
 */
export function doraReader(
  tenant: string,
  deps: {
    /** Only its ledger pages are read (the `asOf` replay). */
    eventStore: Pick<EventStore, 'readLedger'>;
    doraStore: DynamoDbDoraStore;
    definitions: DoraDefinitions;
    /** Reads partly covered months by their days, as dora-2023.8 did (benchmarks compare). @default false */
    endMonthsAsDays?: boolean;
  },
): DoraReader {
  const { eventStore, doraStore, definitions } = deps;
  const replay = async (asOf: string | undefined) => {
    const { events, seq } = await recordedBy(eventStore, tenant, asOf);
    const source: DoraSource = { kind: 'replay', asOf: asOf ?? null, seq, eventsRead: events.length };
    return { store: projectAll(events, definitions), source };
  };
  const projected = definitionsVersion(definitions);
  return {
    async metrics(scope, window, bucket, asOf) {
      const read = asOf
        ? undefined
        : bucket === 'month'
          ? await monthlyActive(tenant, doraStore, projected, scope, window, deps)
          : await readActive(doraStore, tenant, projected, (version, checkpoint) =>
              projectedMetrics(tenant, doraStore, version, checkpoint, scope, window, bucket, deps),
            );
      if (read) return read;
      const { store, source } = await replay(asOf);
      const metrics = summarize(scope, window, scopeRollups(store, scope, window), bucket, projected);
      return { ...withReleaseNumbers(metrics, releaseScopeRollups(store, scope, window)), source };
    },
    async evidence(metric, scope, window, { cursor, limit }, asOf) {
      const read = asOf
        ? undefined
        : await readActive(doraStore, tenant, projected, (version, checkpoint) =>
            projectedEvidence(tenant, doraStore, version, checkpoint, metric, scope, window, cursor, limit),
          );
      if (read) return read;
      const { store, source } = await replay(asOf);
      const items = isReleaseMetric(metric)
        ? releaseEvidenceFor(metric, releaseCellsInWindow(store, window), scope)
        : evidenceFor(metric, cellsInWindow(store, window), scope);
      return { items: items.slice(cursor, cursor + limit), total: items.length, source };
    },
  };
}

/**
 * Reads the active projection without a round trip for its pointer: the version this code projects is
 * read while the pointer and that version's checkpoint come back in one BatchGet. Only when another
 * version is active (a rebuild not yet switched over) is the read made again for it. Undefined when no
 * projection is active yet.
 */
async function readActive<T>(
  doraStore: DynamoDbDoraStore,
  tenant: string,
  projected: string,
  read: (version: string, checkpoint: Promise<DoraCheckpoint>) => Promise<T>,
): Promise<T | undefined> {
  const pointer = doraStore.activeWithCheckpoint(tenant, projected);
  const speculative = read(
    projected,
    pointer.then(({ checkpoint }) => checkpoint),
  );
  // Discarded when another version is active; its failure then must not surface as unhandled.
  speculative.catch(() => undefined);
  const { active } = await pointer;
  if (!active) return undefined;
  if (active.version === projected) return speculative;
  return read(active.version, doraStore.checkpoint(tenant, active.version));
}

async function projectedMetrics(
  tenant: string,
  doraStore: DynamoDbDoraStore,
  version: string,
  checkpoint: Promise<DoraCheckpoint>,
  scope: DoraScope,
  window: DoraWindow,
  bucket: Bucket,
  options: { readonly endMonthsAsDays?: boolean },
): Promise<DoraMetricsWithReleases & { source: DoraSource }> {
  // Release numbers come from the scope's release rollups of the window's days, in every bucket.
  const releases = doraStore.releaseScopeRollups(
    tenant,
    version,
    scopeKey(scope),
    window.firstDay,
    window.lastDay,
  );
  if (bucket === 'month') {
    const key = scopeKey(scope);
    const plan = monthlyPlan(window, options.endMonthsAsDays ?? false);
    // Awaited together, so that a failure of either read never leaves the other's unhandled.
    const [monthly, releaseRollups] = await Promise.all([
      Promise.all([
        doraStore.monthsAndDays(tenant, version, key, plan.months, planDays(plan), metricsLists(scope)),
        checkpoint,
      ]).then(([documents, read]) =>
        monthlyMetrics(tenant, doraStore, version, read, documents, scope, window, plan),
      ),
      releases,
    ]);
    return withReleases(monthly, releaseRollups);
  }
  const [{ rollups, itemsRead }, read, releaseRollups] = await Promise.all([
    doraStore.scopeRollups(
      tenant,
      version,
      scopeKey(scope),
      window.firstDay,
      window.lastDay,
      metricsLists(scope),
    ),
    checkpoint,
    releases,
  ]);
  const metrics = summarize(scope, window, rollups, bucket, version);
  return {
    ...withReleaseNumbers(metrics, releaseRollups),
    source: projectionSource(version, read, itemsRead + releaseRollups.size),
  };
}

async function projectedEvidence(
  tenant: string,
  doraStore: DynamoDbDoraStore,
  version: string,
  checkpoint: Promise<DoraCheckpoint>,
  metric: DoraMetricName | ReleaseMetricName,
  scope: DoraScope,
  window: DoraWindow,
  cursor: number,
  limit: number,
): Promise<{ items: (EvidenceItem | ReleaseEvidenceItem)[]; total: number; source: DoraSource }> {
  if (isReleaseMetric(metric)) {
    const [rollups, read] = await Promise.all([
      doraStore.releaseScopeRollups(tenant, version, scopeKey(scope), window.firstDay, window.lastDay),
      checkpoint,
    ]);
    const plan = releaseEvidencePagePlan(metric, rollups, cursor, limit);
    const cells = await doraStore.releaseCells(tenant, version, plan.days);
    const items = releaseEvidenceFor(metric, cells, scope).slice(plan.skip, plan.skip + limit);
    return { items, total: plan.total, source: projectionSource(version, read, rollups.size + cells.length) };
  }
  // The scope's rollups count every day's items, so only the days of this page have their cells read.
  const [{ rollups }, read] = await Promise.all([
    doraStore.scopeRollups(tenant, version, scopeKey(scope), window.firstDay, window.lastDay),
    checkpoint,
  ]);
  const plan = evidencePagePlan(metric, rollups, scope.environment !== undefined, cursor, limit);
  const cells = await doraStore.cells(tenant, version, plan.days);
  const items = evidenceFor(metric, cells, scope).slice(plan.skip, plan.skip + limit);
  return { items, total: plan.total, source: projectionSource(version, read, rollups.size + cells.length) };
}

/**
 * The monthly read of the active projection in two rounds: the pointer, this version's checkpoint, its
 * month rollups and the partial months' days in one BatchGet (beside the release rollups' Query), then
 * the sample bins the order statistics fall in. Read speculatively as `readActive` does: only when
 * another version is active is it read again, for that version. Undefined when none is active yet.
 */
async function monthlyActive(
  tenant: string,
  doraStore: DynamoDbDoraStore,
  projected: string,
  scope: DoraScope,
  window: DoraWindow,
  options: { readonly endMonthsAsDays?: boolean },
): Promise<(DoraMetricsWithReleases & { source: DoraSource }) | undefined> {
  const key = scopeKey(scope);
  const plan = monthlyPlan(window, options.endMonthsAsDays ?? false);
  const releases = doraStore.releaseScopeRollups(tenant, projected, key, window.firstDay, window.lastDay);
  // Discarded when another version (or none) is active; its failure then must not surface as unhandled.
  releases.catch(() => undefined);
  const documents = await doraStore.monthsAndDays(
    tenant,
    projected,
    key,
    plan.months,
    planDays(plan),
    metricsLists(scope),
    { withPointer: true },
  );
  const active = documents.pointer?.active;
  if (!active) return undefined;
  if (active.version !== projected) {
    return projectedMetrics(
      tenant,
      doraStore,
      active.version,
      doraStore.checkpoint(tenant, active.version),
      scope,
      window,
      'month',
      options,
    );
  }
  const checkpoint = documents.pointer?.checkpoint as DoraCheckpoint;
  return withReleases(
    await monthlyMetrics(tenant, doraStore, projected, checkpoint, documents, scope, window, plan),
    await releases,
  );
}

/** The days a monthly plan reads as day rollups. */
function planDays(plan: MonthlyPlan): string[] {
  return plan.dayRanges.flatMap((range) => daysBetween(range.first, range.last));
}

function withReleases(
  monthly: DoraMetrics & { source: DoraSource },
  releaseRollups: ReadonlyMap<string, ReleaseRollup>,
): DoraMetricsWithReleases & { source: DoraSource } {
  return {
    ...withReleaseNumbers(monthly, releaseRollups),
    source: withItems(monthly.source, releaseRollups.size),
  };
}

/**
 * A monthly answer from month rollups and the partial months' days, and the sample bins the order
 * statistics fall in: one more round trip (one BatchGet) loads those bins, and the answer is final.
 */
async function monthlyMetrics(
  tenant: string,
  doraStore: DynamoDbDoraStore,
  version: string,
  read: DoraCheckpoint,
  {
    months,
    days,
  }: { readonly months: ReadonlyMap<string, MonthRollup>; readonly days: ReadonlyMap<string, Rollup> },
  scope: DoraScope,
  window: DoraWindow,
  plan: MonthlyPlan,
): Promise<DoraMetrics & { source: DoraSource }> {
  const key = scopeKey(scope);
  const bins = new Map<string, readonly number[]>();
  const inputs = {
    months,
    days,
    bin: (month: string, field: string, bin: number) => bins.get(keyId(['mbin', key, month, field, bin])),
  };
  for (;;) {
    const { metrics, missing } = summarizeMonthly(scope, window, plan, inputs, key, version);
    if (missing.length === 0) {
      return {
        ...metrics,
        source: projectionSource(version, read, months.size + days.size + bins.size),
      };
    }
    const found = await doraStore.load(tenant, version, missing);
    // A bin the month counts but storage lacks would loop forever: count it as empty and go on.
    for (const k of missing) bins.set(keyId(k), (found.get(keyId(k)) as number[] | undefined) ?? []);
  }
}

/**
 * The sample lists a scope's metrics use: its lead times by environment when it names one, else by
 * service (never both), its recoveries and its alert ratios. The other lead list is not read.
 */
function metricsLists(scope: DoraScope): readonly SampleField[] {
  return [scope.environment !== undefined ? 'leadEnvironment' : 'leadService', 'recovery', 'alertRatios'];
}

function withItems(source: DoraSource, more: number): DoraSource {
  return source.kind === 'projection' ? { ...source, itemsRead: source.itemsRead + more } : source;
}

function projectionSource(version: string, checkpoint: DoraCheckpoint, itemsRead: number): DoraSource {
  return {
    kind: 'projection',
    version,
    seq: checkpoint.seq,
    itemsRead,
    ...(checkpoint.quarantinedCount > 0
      ? { quarantined: { count: checkpoint.quarantinedCount, latest: checkpoint.quarantined } }
      : {}),
  };
}

/** The tenant's events recorded at or before `asOf` (all of them without it), in seq order. */
async function recordedBy(
  eventStore: Pick<EventStore, 'readLedger'>,
  tenant: string,
  asOf: string | undefined,
): Promise<{ events: StoredEvent[]; seq: number }> {
  const limit = asOf ? Date.parse(asOf) : Number.POSITIVE_INFINITY;
  const events: StoredEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await eventStore.readLedger(tenant, after, LEDGER_PAGE);
    for (const event of page.events) {
      const recorded = Date.parse(event.recordedAt);
      if (recorded > limit + RECORDING_SKEW_MS) return { events, seq: events.at(-1)?.seq ?? 0 };
      if (recorded <= limit) events.push(event);
    }
    const last = page.events.at(-1);
    if (page.next === undefined || !last) return { events, seq: events.at(-1)?.seq ?? 0 };
    after = last.seq;
  }
}

/** The reader for a tenant over this container's clients and the configured definitions. */
export function tenantDoraReader(tenant: string): DoraReader {
  // Not `adapters()`: it builds the event store, whose append path would only weigh on this bundle.
  const config = readConfig();
  const dynamoDb = documentClient(config);
  return doraReader(tenant, {
    eventStore: new DynamoDbLedgerPages({ client: dynamoDb, eventsTable: config.eventsTable }),
    doraStore: new DynamoDbDoraStore({ client: dynamoDb, stateTable: config.stateTable }),
    definitions: config.doraDefinitions,
  });
}
