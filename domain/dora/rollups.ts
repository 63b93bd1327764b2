import { canonicalJson } from '../ledger/canonical-json.ts';
import type { DeploymentEvidence } from './cell-evidence.ts';
import { mergeSorted, type SortedRuns, subtractSorted } from './percentiles.ts';

/**
 * What one scope contributed on one day. Every field is additive (counts, and multisets of sample
 * seconds kept sorted), so a scope's day is the sum of its cells and an update is "minus old, plus new".
 */
export interface Rollup {
  /** Successful production deployments, rollbacks included. */
  readonly deployments: number;
  readonly rollbacks: number;
  /** Deployments counted by change failure rate: finished, rollbacks excluded. */
  readonly changes: number;
  readonly failedChanges: number;
  /** Successful deployments that were rollbacks, fixes or `planned: false`. */
  readonly unplanned: number;
  /** Failed deployments with no recovery yet (no sample). */
  readonly unrecovered: number;
  /** Successful deployments with `reason: incident` (rework, the metrics guide's reading). */
  readonly reworkIncident: number;
  /** Successful deployments with `reason: bug` (rework, the Quick Check's reading). */
  readonly reworkBug: number;
  /** Lead time samples, commit → first production deployment of the service. */
  readonly leadService: readonly number[];
  /** Lead time samples, commit → first deployment to this environment. */
  readonly leadEnvironment: readonly number[];
  readonly recovery: readonly number[];
  /** Watched deployments (a `firstDay` recorded) and those more than 10 % above baseline (see `alertAbove`). */
  readonly alertWatched: number;
  readonly alertAbove: number;
  /** First-day alert ratios over a non-zero baseline, × 10 000 rounded (samples are integers). */
  readonly alertRatios: readonly number[];
}

/** Sample lists hold integers: an alert ratio is kept in ten-thousandths. */
export const RATIO_SCALE = 10_000;

/** More than 10 % above the baseline: ratio > 1.10, or any alert over a zero baseline. */
export function alertAbove(v: NonNullable<DeploymentEvidence['alertVolume']>): boolean {
  return v.ratio === null ? v.alerts > 0 : v.ratio > 1.1;
}

export const EMPTY_ROLLUP: Rollup = {
  deployments: 0,
  rollbacks: 0,
  changes: 0,
  failedChanges: 0,
  unplanned: 0,
  unrecovered: 0,
  reworkIncident: 0,
  reworkBug: 0,
  leadService: [],
  leadEnvironment: [],
  recovery: [],
  alertWatched: 0,
  alertAbove: 0,
  alertRatios: [],
};

export function rollupOf(deployments: readonly DeploymentEvidence[]): Rollup {
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  const succeeded = deployments.filter((d) => d.outcome === 'succeeded');
  const changes = deployments.filter((d) => !d.rollback);
  const watched = succeeded.flatMap((d) => (d.alertVolume ? [d.alertVolume] : []));
  return {
    deployments: succeeded.length,
    rollbacks: succeeded.filter((d) => d.rollback).length,
    changes: changes.length,
    failedChanges: changes.filter((d) => d.failure).length,
    unplanned: succeeded.filter((d) => d.unplanned).length,
    unrecovered: changes.filter((d) => d.failure && d.failure.recoverySeconds === null).length,
    reworkIncident: succeeded.filter((d) => d.reason === 'incident').length,
    reworkBug: succeeded.filter((d) => d.reason === 'bug').length,
    leadService: sorted(
      deployments.flatMap((d) => d.commits.filter((c) => c.firstInService).map((c) => c.leadSeconds)),
    ),
    leadEnvironment: sorted(
      deployments.flatMap((d) => d.commits.filter((c) => c.firstInEnvironment).map((c) => c.leadSeconds)),
    ),
    recovery: sorted(
      deployments.flatMap((d) => (d.failure?.recoverySeconds != null ? [d.failure.recoverySeconds] : [])),
    ),
    alertWatched: watched.length,
    alertAbove: watched.filter(alertAbove).length,
    alertRatios: sorted(
      watched.flatMap((v) => (v.ratio === null ? [] : [Math.round(v.ratio * RATIO_SCALE)])),
    ),
  };
}

export function addRollups(a: Rollup, b: Rollup, sign: 1 | -1 = 1): Rollup {
  const samples = sign === 1 ? mergeSorted : subtractSorted;
  return {
    deployments: a.deployments + sign * b.deployments,
    rollbacks: a.rollbacks + sign * b.rollbacks,
    changes: a.changes + sign * b.changes,
    failedChanges: a.failedChanges + sign * b.failedChanges,
    unplanned: a.unplanned + sign * b.unplanned,
    unrecovered: a.unrecovered + sign * b.unrecovered,
    reworkIncident: (a.reworkIncident ?? 0) + sign * (b.reworkIncident ?? 0),
    reworkBug: (a.reworkBug ?? 0) + sign * (b.reworkBug ?? 0),
    leadService: samples(a.leadService, b.leadService),
    leadEnvironment: samples(a.leadEnvironment, b.leadEnvironment),
    recovery: samples(a.recovery, b.recovery),
    alertWatched: (a.alertWatched ?? 0) + sign * (b.alertWatched ?? 0),
    alertAbove: (a.alertAbove ?? 0) + sign * (b.alertAbove ?? 0),
    alertRatios: samples(a.alertRatios ?? [], b.alertRatios ?? []),
  };
}

type SampleField = 'leadService' | 'leadEnvironment' | 'recovery' | 'alertRatios';

/** A window's rollups added up: counts summed, samples left as each day's sorted run (never merged). */
export type RollupTotals = Omit<Rollup, SampleField> & { readonly [field in SampleField]: SortedRuns };

/**
 * The totals of many rollups, holding what adding them one by one would (the same counts, the same
 * multisets of samples) without merging any sample list: order statistics select across the runs.
 */
export function totalOf(rollups: readonly Rollup[]): RollupTotals {
  const count = (field: Exclude<keyof Rollup, SampleField>) =>
    rollups.reduce((sum, rollup) => sum + (rollup[field] ?? 0), 0);
  return {
    deployments: count('deployments'),
    rollbacks: count('rollbacks'),
    changes: count('changes'),
    failedChanges: count('failedChanges'),
    unplanned: count('unplanned'),
    unrecovered: count('unrecovered'),
    reworkIncident: count('reworkIncident'),
    reworkBug: count('reworkBug'),
    alertWatched: count('alertWatched'),
    alertAbove: count('alertAbove'),
    leadService: rollups.map((rollup) => rollup.leadService),
    leadEnvironment: rollups.map((rollup) => rollup.leadEnvironment),
    recovery: rollups.map((rollup) => rollup.recovery),
    alertRatios: rollups.map((rollup) => rollup.alertRatios ?? []),
  };
}

export function isEmptyRollup(r: Rollup): boolean {
  return (
    r.deployments === 0 &&
    r.changes === 0 &&
    r.unplanned === 0 &&
    r.leadService.length === 0 &&
    r.leadEnvironment.length === 0 &&
    r.recovery.length === 0
  );
}

/** A query's filters; an absent filter means "all". */
export interface DoraScope {
  readonly service?: string | undefined;
  readonly environment?: string | undefined;
  readonly team?: string | undefined;
}

/** The scope's key in storage: canonical JSON of the filters given, `{}` for the whole tenant. */
export function scopeKey(scope: DoraScope): string {
  return canonicalJson({ service: scope.service, environment: scope.environment, team: scope.team });
}

/** The eight scopes a deployment of (service, environment, team) counts in (four without a team). */
export function scopesOf(service: string, environment: string, team: string | null): string[] {
  const keys: string[] = [];
  for (const s of [service, undefined]) {
    for (const e of [environment, undefined]) {
      for (const t of team === null ? [undefined] : [team, undefined]) {
        keys.push(scopeKey({ service: s, environment: e, team: t }));
      }
    }
  }
  return keys;
}
