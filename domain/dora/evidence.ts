import type { CellDoc, DeploymentEvidence, StartRule } from './cell-evidence.ts';
import { inScope } from './dora-metrics.ts';
import type { RevisionRule } from './revisions.ts';
import type { DoraScope, Rollup } from './rollups.ts';

export const doraMetricNames = [
  'deploymentFrequency',
  'leadTimeForChanges',
  'changeFailureRate',
  'failedDeploymentRecoveryTime',
  'deploymentReworkRate',
  'rollbackRate',
  'postReleaseAlertVolume',
] as const;
export type DoraMetricName = (typeof doraMetricNames)[number];

export type EvidenceItem =
  | ({ readonly kind: 'deployment' } & DeploymentEvidence)
  | {
      readonly kind: 'commit';
      readonly sha: string;
      /** The CDEvents change the sample comes from, when it is not a release's commit. */
      readonly changeId?: string;
      readonly committedAt: string;
      readonly deploymentId: string;
      readonly releaseId: string | null;
      readonly deployedAt: string;
      readonly leadSeconds: number;
      /** Where this lead time starts (`committedAt`): see `StartRule`. */
      readonly startRule: StartRule;
      /** How the deployment was tied to the change when by its merge commit, not by time: see `RevisionRule`. */
      readonly matchedBy?: RevisionRule;
      /** Which first deployment this lead time runs to. */
      readonly rule: 'first_production_deployment_of_service' | 'first_deployment_to_environment';
    };

/**
 * The items behind one metric, in the order the cells hold them: the deployments counted (each with its
 * failure reasons, linked incidents and recovery) or, for lead time, the commits with their deployment.
 */
export function evidenceFor(
  metric: DoraMetricName,
  cells: readonly CellDoc[],
  scope: DoraScope,
): EvidenceItem[] {
  const deployments = cells.flatMap((cell) => cell.deployments.filter((d) => inScope(d, scope)));
  const asItem = (d: DeploymentEvidence): EvidenceItem => ({ kind: 'deployment', ...d });
  switch (metric) {
    case 'deploymentFrequency':
      return deployments.filter((d) => d.outcome === 'succeeded').map(asItem);
    case 'changeFailureRate':
      return deployments.filter((d) => !d.rollback).map(asItem);
    case 'failedDeploymentRecoveryTime':
      return deployments.filter((d) => d.failure).map(asItem);
    case 'deploymentReworkRate':
      return deployments.filter((d) => d.outcome === 'succeeded').map(asItem);
    case 'rollbackRate':
      // Every finished deployment the rate divides by: successes, and failures that were not rollbacks.
      return deployments.filter((d) => d.outcome === 'succeeded' || !d.rollback).map(asItem);
    case 'postReleaseAlertVolume':
      return deployments.filter((d) => d.outcome === 'succeeded' && d.alertVolume).map(asItem);
    case 'leadTimeForChanges': {
      const byEnvironment = scope.environment !== undefined;
      return deployments.flatMap((d) =>
        d.commits
          .filter((c) => (byEnvironment ? c.firstInEnvironment : c.firstInService))
          .map(
            (c): EvidenceItem => ({
              kind: 'commit',
              sha: c.sha,
              ...(c.changeId !== undefined ? { changeId: c.changeId } : {}),
              committedAt: c.committedAt,
              deploymentId: d.deploymentId,
              releaseId: d.releaseId,
              deployedAt: d.finishedAt,
              leadSeconds: c.leadSeconds,
              startRule: c.startRule,
              ...(c.matchedBy !== undefined ? { matchedBy: c.matchedBy } : {}),
              rule: byEnvironment
                ? 'first_deployment_to_environment'
                : 'first_production_deployment_of_service',
            }),
          ),
      );
    }
    default:
      return assertNever(metric);
  }
}

/** How many evidence items of a metric a scope's day rollup stands for (what `evidenceFor` lists). */
export function evidenceCount(metric: DoraMetricName, rollup: Rollup, byEnvironment: boolean): number {
  switch (metric) {
    case 'deploymentFrequency':
    case 'deploymentReworkRate':
      return rollup.deployments;
    case 'changeFailureRate':
      return rollup.changes;
    case 'failedDeploymentRecoveryTime':
      return rollup.failedChanges;
    case 'rollbackRate':
      return rollup.changes + rollup.rollbacks;
    case 'postReleaseAlertVolume':
      return rollup.alertWatched ?? 0;
    case 'leadTimeForChanges':
      return (byEnvironment ? rollup.leadEnvironment : rollup.leadService).length;
    default:
      return assertNever(metric);
  }
}

/**
 * Which days one page of evidence lies on, from the scope's day rollups: the items before `cursor` are
 * skipped by count, so a page reads the cells of the days it shows and no others.
 */
export function evidencePagePlan(
  metric: DoraMetricName,
  rollupsByDay: ReadonlyMap<string, Rollup>,
  byEnvironment: boolean,
  cursor: number,
  limit: number,
): { readonly total: number; readonly days: readonly string[]; readonly skip: number } {
  let before = 0;
  let total = 0;
  const days: string[] = [];
  for (const day of [...rollupsByDay.keys()].sort()) {
    const count = evidenceCount(metric, rollupsByDay.get(day) as Rollup, byEnvironment);
    if (count > 0 && total + count > cursor && total < cursor + limit) {
      if (days.length === 0) before = total;
      days.push(day);
    }
    total += count;
  }
  return { total, days, skip: cursor - before };
}

function assertNever(value: never): never {
  throw new Error(`unknown metric ${String(value)}`);
}
