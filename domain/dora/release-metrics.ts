import { addDays, dayOf, daysBetween } from './calendar.ts';
import type { DoraMetrics, DoraWindow } from './dora-metrics.ts';
import { medianOfRuns, percentileOfRuns, sizeOf } from './percentiles.ts';
import type { MemoryProjectionStore } from './projection-store.ts';
import type { ReleaseCellDoc, ReleaseEvidence, ReleaseRollup } from './release-exposure.ts';
import { type DoraScope, scopeKey } from './rollups.ts';
import { frequencyTier, leadTimeTier, type Tier } from './tiers.ts';

/**
 * Deploy ≠ release (issue 20): release frequency and lead time to release, beside deployment frequency
 * and lead time, from the scope's release rollups of the window's days (one item per day that had any).
 */
export interface ReleaseNumbers {
  readonly releaseFrequency: {
    /** Releases released to users (a flag naming them reached exposure 100) in production. */
    readonly count: number;
    readonly releaseDays: number;
    readonly perDay: number;
    readonly perWeek: number;
    readonly tier: Tier;
  };
  readonly leadTimeToRelease: {
    /** Commit → the release's exposure reaching 100. */
    readonly medianSeconds: number | null;
    readonly p90Seconds: number | null;
    readonly samples: number;
    readonly tier: Tier | null;
  };
}

export const releaseMetricNames = ['releaseFrequency', 'leadTimeToRelease'] as const;
export type ReleaseMetricName = (typeof releaseMetricNames)[number];

export function isReleaseMetric(metric: string): metric is ReleaseMetricName {
  return (releaseMetricNames as readonly string[]).includes(metric);
}

export function releaseNumbers(
  days: readonly string[],
  rollupsByDay: ReadonlyMap<string, ReleaseRollup>,
): ReleaseNumbers {
  const present = days.flatMap((day) => {
    const rollup = rollupsByDay.get(day);
    return rollup ? [rollup] : [];
  });
  const count = present.reduce((sum, r) => sum + r.releases, 0);
  const runs = present.map((r) => r.leadRelease);
  const perDay = days.length === 0 ? 0 : count / days.length;
  const medianSeconds = medianOfRuns(runs);
  return {
    releaseFrequency: {
      count,
      releaseDays: present.filter((r) => r.releases > 0).length,
      perDay,
      perWeek: perDay * 7,
      tier: frequencyTier(perDay),
    },
    leadTimeToRelease: {
      medianSeconds,
      p90Seconds: percentileOfRuns(runs, 90),
      samples: sizeOf(runs),
      tier: leadTimeTier(medianSeconds),
    },
  };
}

export type DoraMetricsWithReleases = DoraMetrics &
  ReleaseNumbers & { readonly series: readonly (DoraMetrics['series'][number] & ReleaseNumbers)[] };

/** The metrics with the release numbers added to the window and to every bucket of the series. */
export function withReleaseNumbers<M extends DoraMetrics>(
  metrics: M,
  rollupsByDay: ReadonlyMap<string, ReleaseRollup>,
): M & DoraMetricsWithReleases {
  return {
    ...metrics,
    ...releaseNumbers(daysBetween(metrics.window.firstDay, metrics.window.lastDay), rollupsByDay),
    series: metrics.series.map((entry) => {
      const first = dayOf(entry.from);
      return {
        ...entry,
        ...releaseNumbers(daysBetween(first, addDays(first, entry.days - 1)), rollupsByDay),
      };
    }),
  };
}

/** The scope's release rollups of a window, from a projection held in memory (the asOf path). */
export function releaseScopeRollups(
  store: MemoryProjectionStore,
  scope: DoraScope,
  window: DoraWindow,
): Map<string, ReleaseRollup> {
  const key = scopeKey(scope);
  const rollups = new Map<string, ReleaseRollup>();
  for (const day of daysBetween(window.firstDay, window.lastDay)) {
    const rollup = store.get(['rscope', key, day]) as ReleaseRollup | undefined;
    if (rollup) rollups.set(day, rollup);
  }
  return rollups;
}

/** Every release cell of a window held in memory, oldest day first. */
export function releaseCellsInWindow(store: MemoryProjectionStore, window: DoraWindow): ReleaseCellDoc[] {
  return store
    .entries('rcell')
    .filter(({ key }) => (key[3] as string) >= window.firstDay && (key[3] as string) <= window.lastDay)
    .sort((a, b) => ((a.key[3] as string) < (b.key[3] as string) ? -1 : 1))
    .map(({ value }) => value as ReleaseCellDoc);
}

export type ReleaseEvidenceItem =
  | ({ readonly kind: 'release' } & ReleaseEvidence)
  | {
      readonly kind: 'commit';
      readonly sha: string;
      readonly committedAt: string;
      readonly releaseId: string | null;
      readonly version: string | null;
      readonly environment: string;
      readonly flag: string;
      readonly releasedAt: string;
      readonly leadSeconds: number;
      readonly rule: 'commit_to_full_exposure';
    };

/** The items behind a release metric: the releases released to users, or their commits for lead time. */
export function releaseEvidenceFor(
  metric: ReleaseMetricName,
  cells: readonly ReleaseCellDoc[],
  scope: DoraScope,
): ReleaseEvidenceItem[] {
  const releases = cells.flatMap((cell) => cell.releases.filter((r) => inReleaseScope(r, scope)));
  if (metric === 'releaseFrequency') return releases.map((r) => ({ kind: 'release', ...r }));
  return releases.flatMap((r) =>
    r.commits.map(
      (c): ReleaseEvidenceItem => ({
        kind: 'commit',
        sha: c.sha,
        committedAt: c.committedAt,
        releaseId: r.releaseId,
        version: r.version,
        environment: r.environment,
        flag: r.flag,
        releasedAt: r.releasedAt,
        leadSeconds: c.leadSeconds,
        rule: 'commit_to_full_exposure',
      }),
    ),
  );
}

/** Which days one page of release evidence lies on, counted from the day rollups (as `evidencePagePlan`). */
export function releaseEvidencePagePlan(
  metric: ReleaseMetricName,
  rollupsByDay: ReadonlyMap<string, ReleaseRollup>,
  cursor: number,
  limit: number,
): { readonly total: number; readonly days: readonly string[]; readonly skip: number } {
  let before = 0;
  let total = 0;
  const days: string[] = [];
  for (const day of [...rollupsByDay.keys()].sort()) {
    const rollup = rollupsByDay.get(day) as ReleaseRollup;
    const count = metric === 'releaseFrequency' ? rollup.releases : rollup.leadRelease.length;
    if (count > 0 && total + count > cursor && total < cursor + limit) {
      if (days.length === 0) before = total;
      days.push(day);
    }
    total += count;
  }
  return { total, days, skip: cursor - before };
}

function inReleaseScope(release: ReleaseEvidence, scope: DoraScope): boolean {
  return (
    (scope.service === undefined || release.service === scope.service) &&
    (scope.environment === undefined || release.environment === scope.environment) &&
    (scope.team === undefined || release.team === scope.team)
  );
}
