import type { CellDoc, DeploymentEvidence } from './cell-evidence.ts';
import { inScope } from './dora-metrics.ts';
import type { DoraScope } from './rollups.ts';

export const doraMetricNames = [
  'deploymentFrequency',
  'leadTimeForChanges',
  'changeFailureRate',
  'failedDeploymentRecoveryTime',
  'deploymentReworkRate',
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

function assertNever(value: never): never {
  throw new Error(`unknown metric ${String(value)}`);
}
