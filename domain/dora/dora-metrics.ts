import type { StoredEvent } from '../ledger/ledger-event.ts';
import { addDays, type Bucket, bucketOf, dayOf, daysBetween } from './calendar.ts';
import type { CellDoc, DeploymentEvidence } from './cell-evidence.ts';
import { DEFAULT_DORA_DEFINITIONS, type DoraDefinitions, definitionsVersion } from './definitions.ts';
import { medianOfRuns, percentileOfRuns, sizeOf } from './percentiles.ts';
import { projectEvents } from './projection.ts';
import { MemoryProjectionStore } from './projection-store.ts';
import { type DoraScope, RATIO_SCALE, type Rollup, scopeKey, totalOf } from './rollups.ts';
import { changeFailureTier, frequencyTier, leadTimeTier, recoveryTier, type Tier } from './tiers.ts';

/** Whole UTC days: metrics are kept per day, so a window covers every day it touches. */
export interface DoraWindow {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly firstDay: string;
  readonly lastDay: string;
}

/** [from, to) widened to whole UTC days. */
export function doraWindow(from: string, to: string): DoraWindow {
  const firstDay = dayOf(from);
  const lastDay = dayOf(Math.max(Date.parse(to) - 1, Date.parse(from)));
  const days = daysBetween(firstDay, lastDay).length;
  return {
    from: `${firstDay}T00:00:00.000Z`,
    to: `${addDays(lastDay, 1)}T00:00:00.000Z`,
    days,
    firstDay,
    lastDay,
  };
}

export interface DoraNumbers {
  readonly deploymentFrequency: {
    readonly count: number;
    readonly rollbacks: number;
    readonly deployDays: number;
    readonly perDay: number;
    readonly perWeek: number;
    readonly tier: Tier;
  };
  readonly leadTimeForChanges: {
    readonly medianSeconds: number | null;
    readonly p90Seconds: number | null;
    readonly samples: number;
    readonly tier: Tier | null;
  };
  readonly changeFailureRate: {
    readonly rate: number | null;
    readonly failed: number;
    readonly total: number;
    readonly tier: Tier | null;
  };
  readonly failedDeploymentRecoveryTime: {
    readonly medianSeconds: number | null;
    readonly p90Seconds: number | null;
    readonly samples: number;
    /** Failed deployments not recovered yet: no sample until they are. */
    readonly unrecovered: number;
    readonly tier: Tier | null;
  };
  readonly deploymentReworkRate: {
    readonly rate: number | null;
    readonly unplanned: number;
    readonly total: number;
  };
  /**
   * Rework rate's two published wordings, each with the rule it counts by (the deployment's `reason`);
   * `deploymentReworkRate` keeps the reading by rollbacks, fixes and `planned: false`.
   */
  readonly reworkRate: { readonly readings: readonly ReworkReading[] };
  /**
   * Rollback deployments ÷ production deployments finished (successes, and failures of non-rollbacks):
   * the release-health target is below 2 %.
   */
  readonly rollbackRate: {
    readonly rate: number | null;
    readonly rollbacks: number;
    readonly total: number;
    /** The deployments the rate is made of (its evidence items). */
    readonly samples: number;
  };
  /**
   * Alerts in the first 24 h after each watched deployment against its own 7-day baseline: the median
   * ratio (over non-zero baselines, `samples` of them) and the share of watched deployments more than
   * 10 % above baseline (ratio > 1.10, or any alert over a zero baseline). Target: ≤ 10 % above.
   */
  readonly postReleaseAlertVolume: {
    readonly medianRatio: number | null;
    readonly shareAboveBaseline: number | null;
    readonly above: number;
    readonly watched: number;
    readonly samples: number;
  };
}

/** One published reading of rework rate: deployments of one `reason` ÷ successful production deployments. */
export interface ReworkReading {
  readonly rule: 'reason_incident' | 'reason_bug';
  /** Where the wording comes from, quoted. */
  readonly definition: string;
  readonly rate: number | null;
  readonly rework: number;
  readonly total: number;
}

export interface DoraMetrics extends DoraNumbers {
  readonly scope: DoraScope;
  readonly window: DoraWindow;
  readonly series: readonly ({
    readonly bucket: string;
    readonly from: string;
    readonly days: number;
  } & DoraNumbers)[];
  readonly definitionsVersion: string;
  /** Medians and p90 are computed from every sample (nearest-rank p90); no sketch is used. */
  readonly percentiles: 'exact';
}

/**
 * The five metrics of a scope over a window, from its per-day rollups (absent days had nothing).
 * Lead time counts a commit at its first deployment to the environment when the scope names one, and
 * at its first production deployment of the service otherwise.
 */
export function summarize(
  scope: DoraScope,
  window: DoraWindow,
  rollupsByDay: ReadonlyMap<string, Rollup>,
  bucket: Bucket,
  version: string,
): DoraMetrics {
  const days = daysBetween(window.firstDay, window.lastDay);
  const buckets = new Map<string, string[]>();
  for (const day of days) {
    const key = bucketOf(day, bucket);
    const bucketDays = buckets.get(key);
    if (bucketDays) bucketDays.push(day);
    else buckets.set(key, [day]);
  }
  const byEnvironment = scope.environment !== undefined;
  return {
    scope,
    window,
    ...numbers(days, rollupsByDay, byEnvironment),
    series: [...buckets].map(([key, bucketDays]) => ({
      bucket: key,
      from: `${bucketDays[0]}T00:00:00.000Z`,
      days: bucketDays.length,
      ...numbers(bucketDays, rollupsByDay, byEnvironment),
    })),
    definitionsVersion: version,
    percentiles: 'exact',
  };
}

function numbers(
  days: readonly string[],
  rollupsByDay: ReadonlyMap<string, Rollup>,
  byEnvironment: boolean,
): DoraNumbers {
  const present = days.flatMap((day) => {
    const rollup = rollupsByDay.get(day);
    return rollup ? [rollup] : [];
  });
  const total = totalOf(present);
  const lead = byEnvironment ? total.leadEnvironment : total.leadService;
  return numbersOf(
    { ...total, deployDays: present.filter((rollup) => rollup.deployments > 0).length },
    days.length,
    { median: medianOfRuns(lead), p90: percentileOfRuns(lead, 90), samples: sizeOf(lead) },
    {
      median: medianOfRuns(total.recovery),
      p90: percentileOfRuns(total.recovery, 90),
      samples: sizeOf(total.recovery),
    },
    { median: medianOfRuns(total.alertRatios), p90: null, samples: sizeOf(total.alertRatios) },
  );
}

/** The counts a period's numbers are made of (a sum of day or month rollups). */
export interface PeriodCounts {
  readonly deployments: number;
  readonly rollbacks: number;
  readonly changes: number;
  readonly failedChanges: number;
  readonly unplanned: number;
  readonly unrecovered: number;
  readonly reworkIncident: number;
  readonly reworkBug: number;
  readonly alertWatched: number;
  readonly alertAbove: number;
  readonly deployDays: number;
}

/** The order statistics of one sample field over a period. */
export interface SampleStats {
  readonly median: number | null;
  readonly p90: number | null;
  readonly samples: number;
}

/** The five metrics of a period of `days` days, from its counts and sample statistics. */
export function numbersOf(
  total: PeriodCounts,
  days: number,
  lead: SampleStats,
  recovery: SampleStats,
  alerts: SampleStats,
): DoraNumbers {
  const perDay = days === 0 ? 0 : total.deployments / days;
  const rate = total.changes === 0 ? null : total.failedChanges / total.changes;
  return {
    deploymentFrequency: {
      count: total.deployments,
      rollbacks: total.rollbacks,
      deployDays: total.deployDays,
      perDay,
      perWeek: perDay * 7,
      tier: frequencyTier(perDay),
    },
    leadTimeForChanges: {
      medianSeconds: lead.median,
      p90Seconds: lead.p90,
      samples: lead.samples,
      tier: leadTimeTier(lead.median),
    },
    changeFailureRate: {
      rate,
      failed: total.failedChanges,
      total: total.changes,
      tier: changeFailureTier(rate),
    },
    failedDeploymentRecoveryTime: {
      medianSeconds: recovery.median,
      p90Seconds: recovery.p90,
      samples: recovery.samples,
      unrecovered: total.unrecovered,
      tier: recoveryTier(recovery.median),
    },
    deploymentReworkRate: {
      rate: total.deployments === 0 ? null : total.unplanned / total.deployments,
      unplanned: total.unplanned,
      total: total.deployments,
    },
    reworkRate: {
      readings: [
        reading(
          'reason_incident',
          'DORA metrics guide: unplanned, "as a result of an incident in production"',
          total.reworkIncident,
          total.deployments,
        ),
        reading(
          'reason_bug',
          'DORA Quick Check: "to address a user-facing bug"',
          total.reworkBug,
          total.deployments,
        ),
      ],
    },
    rollbackRate: rollbackRateOf(total),
    postReleaseAlertVolume: {
      medianRatio: alerts.median === null ? null : alerts.median / RATIO_SCALE,
      shareAboveBaseline: total.alertWatched === 0 ? null : total.alertAbove / total.alertWatched,
      above: total.alertAbove,
      watched: total.alertWatched,
      samples: alerts.samples,
    },
  };
}

function reading(
  rule: ReworkReading['rule'],
  definition: string,
  rework: number,
  total: number,
): ReworkReading {
  return { rule, definition, rate: total === 0 ? null : rework / total, rework, total };
}

function rollbackRateOf(total: PeriodCounts): DoraNumbers['rollbackRate'] {
  const finished = total.changes + total.rollbacks;
  return {
    rate: finished === 0 ? null : total.rollbacks / finished,
    rollbacks: total.rollbacks,
    total: finished,
    samples: finished,
  };
}

export interface ComputeDoraOptions {
  readonly scope: DoraScope;
  /** RFC 3339; widened to whole UTC days. */
  readonly from: string;
  readonly to: string;
  /** @default 'day' */
  readonly bucket?: Bucket;
  /** @default DEFAULT_DORA_DEFINITIONS */
  readonly definitions?: DoraDefinitions;
}

/** A projection of a whole event list held in memory: the full recomputation, and the asOf path. */
export function projectAll(
  events: readonly StoredEvent[],
  definitions: DoraDefinitions,
): MemoryProjectionStore {
  const store = new MemoryProjectionStore();
  projectEvents(
    store,
    [...events].sort((a, b) => a.seq - b.seq),
    definitions,
  );
  return store;
}

/**
 * The DORA metrics of a scope recomputed from raw ledger events (of the tenant, or at least every event
 * of the scope's services). Gates use it for one service and environment over the last N days.
 */
export function computeDora(events: readonly StoredEvent[], options: ComputeDoraOptions): DoraMetrics {
  const definitions = options.definitions ?? DEFAULT_DORA_DEFINITIONS;
  const store = projectAll(events, definitions);
  const window = doraWindow(options.from, options.to);
  return summarize(
    options.scope,
    window,
    scopeRollups(store, options.scope, window),
    options.bucket ?? 'day',
    definitionsVersion(definitions),
  );
}

export function scopeRollups(
  store: MemoryProjectionStore,
  scope: DoraScope,
  window: DoraWindow,
): Map<string, Rollup> {
  const key = scopeKey(scope);
  const rollups = new Map<string, Rollup>();
  for (const day of daysBetween(window.firstDay, window.lastDay)) {
    const rollup = store.get(['scope', key, day]) as Rollup | undefined;
    if (rollup) rollups.set(day, rollup);
  }
  return rollups;
}

/** Every cell of a window held in memory, oldest first (the evidence of the asOf path). */
export function cellsInWindow(store: MemoryProjectionStore, window: DoraWindow): CellDoc[] {
  return store
    .entries('cell')
    .filter(({ key }) => (key[3] as string) >= window.firstDay && (key[3] as string) <= window.lastDay)
    .sort((a, b) => ((a.key[3] as string) < (b.key[3] as string) ? -1 : 1))
    .map(({ value }) => value as CellDoc);
}

export function inScope(deployment: DeploymentEvidence, scope: DoraScope): boolean {
  return (
    (scope.service === undefined || deployment.service === scope.service) &&
    (scope.environment === undefined || deployment.environment === scope.environment) &&
    (scope.team === undefined || deployment.team === scope.team)
  );
}
