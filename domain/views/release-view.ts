import type { StoredEvent } from '../ledger/ledger-event.ts';
import type { DeploymentView } from './deployment-view.ts';
import type { LinkedTestRun, LinkRule } from './release-links.ts';

export interface ReleaseView {
  readonly releaseId: string;
  readonly service: string | null;
  readonly version: string | null;
  readonly team: string | null;
  readonly notes: string | null;
  readonly createdAt: string | null;
  /** True when the ledger created the release because a deployment named an unknown service version. */
  readonly implicit: boolean;
  readonly commits: readonly { readonly sha: string; readonly timestamp: string }[];
  readonly approvals: readonly {
    readonly environment: string;
    readonly approver: string;
    readonly at: string;
  }[];
  /** The latest result of each test suite, and the rule that tied its run to this release. */
  readonly tests: readonly {
    readonly suite: string;
    readonly passed: boolean;
    readonly at: string;
    readonly seq: number;
    readonly linkedBy: LinkRule;
  }[];
  /** Per environment, its deployments of this release in order and the status of the latest. */
  readonly environments: Readonly<
    Record<
      string,
      { readonly status: DeploymentView['status']; readonly deployments: readonly DeploymentView[] }
    >
  >;
  /**
   * Deploy ≠ release: per environment with a deployment or a flag, whether the release was deployed (a
   * deployment of it succeeded, even if later rolled back, or took all traffic) and whether it is released to users (a flag naming it reached exposure 100), with
   * the latest exposure of each flag naming it.
   */
  readonly delivery: Readonly<Record<string, EnvironmentDelivery>>;
}

export interface EnvironmentDelivery {
  readonly deployed: boolean;
  readonly deployedAt: string | null;
  readonly released: boolean;
  /** When a flag naming it first reached 100 (by occurrence). */
  readonly releasedAt: string | null;
  readonly flags: readonly {
    readonly flag: string;
    readonly exposure: number;
    readonly at: string;
    readonly seq: number;
  }[];
}

/** Deployment ids in the order the release's stream first mentions them. */
export function deploymentIdsOf(releaseEvents: readonly StoredEvent[]): string[] {
  const ids = releaseEvents
    .filter((event) => event.type.startsWith('deployment.'))
    .map((event) => String((event.data as Record<string, unknown>).deploymentId));
  return [...new Set(ids)];
}

/**
 * A release's view from its stream. Deployment statuses come from each deployment's own stream
 * (passed in), because a rollback of this release's deployment is recorded on another release.
 */
export function releaseView(
  releaseId: string,
  releaseEvents: readonly StoredEvent[],
  deployments: readonly DeploymentView[],
  /** Test runs linked by any rule (`readLinkedTestRuns`); when absent, the stream's own runs (`explicit`). */
  linkedRuns?: readonly LinkedTestRun[],
  /** `feature.released` naming the release by service and version (its `feature/<service@version>` stream). */
  versionFlagEvents: readonly StoredEvent[] = [],
): ReleaseView | undefined {
  if (releaseEvents.length === 0) return undefined;
  let view: ReleaseView = {
    releaseId,
    service: null,
    version: null,
    team: null,
    notes: null,
    createdAt: null,
    implicit: false,
    commits: [],
    approvals: [],
    tests: [],
    environments: {},
    delivery: {},
  };
  for (const event of releaseEvents) {
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'release.created':
        if (view.createdAt !== null) break;
        view = {
          ...view,
          service: String(data.service),
          version: String(data.version),
          team: typeof data.team === 'string' ? data.team : null,
          notes: typeof data.notes === 'string' ? data.notes : null,
          createdAt: event.occurredAt,
          implicit: data.implicit === true,
          commits: Array.isArray(data.commits) ? (data.commits as ReleaseView['commits']) : [],
        };
        break;
      case 'approval.granted':
        view = {
          ...view,
          approvals: [
            ...view.approvals,
            { environment: String(data.environment), approver: String(data.approver), at: event.occurredAt },
          ],
        };
        break;
      case 'tests.completed':
        if (linkedRuns !== undefined) break;
        view = {
          ...view,
          tests: [
            ...view.tests.filter((t) => t.suite !== data.suite),
            {
              suite: String(data.suite),
              passed: data.passed === true,
              at: event.occurredAt,
              seq: event.seq,
              linkedBy: 'explicit',
            },
          ],
        };
        break;
      default:
        if (event.type.startsWith('deployment.') && view.service === null) {
          view = {
            ...view,
            service: typeof data.service === 'string' ? data.service : null,
            version: typeof data.version === 'string' ? data.version : null,
          };
        }
    }
  }
  for (const { event, linkedBy } of linkedRuns ?? []) {
    const data = event.data as Record<string, unknown>;
    view = {
      ...view,
      tests: [
        ...view.tests.filter((t) => t.suite !== data.suite),
        {
          suite: String(data.suite),
          passed: data.passed === true,
          at: event.occurredAt,
          seq: event.seq,
          linkedBy,
        },
      ],
    };
  }
  const environments: Record<string, { status: DeploymentView['status']; deployments: DeploymentView[] }> =
    {};
  for (const deployment of deployments) {
    const environment = deployment.environment ?? 'unknown';
    const entry = environments[environment] ?? { status: deployment.status, deployments: [] };
    entry.deployments.push(deployment);
    entry.status = deployment.status;
    environments[environment] = entry;
  }
  return { ...view, environments, delivery: deliveryOf(view, releaseEvents, versionFlagEvents, deployments) };
}

function deliveryOf(
  view: ReleaseView,
  releaseEvents: readonly StoredEvent[],
  versionFlagEvents: readonly StoredEvent[],
  deployments: readonly DeploymentView[],
): Record<string, EnvironmentDelivery> {
  const delivery: Record<string, EnvironmentDelivery> = {};
  const none: EnvironmentDelivery = {
    deployed: false,
    deployedAt: null,
    released: false,
    releasedAt: null,
    flags: [],
  };
  const entry = (environment: string): EnvironmentDelivery => delivery[environment] ?? none;
  for (const deployment of deployments) {
    const environment = deployment.environment ?? 'unknown';
    const current = entry(environment);
    const fullTraffic = deployment.traffic.find((step) => step.weight === 100)?.at ?? null;
    // A rolled back deployment had succeeded: the release was deployed there (the environment's status says
    // it no longer is).
    const finished = deployment.status === 'succeeded' || deployment.status === 'rolled_back';
    const at = finished ? (deployment.finishedAt ?? fullTraffic) : fullTraffic;
    delivery[environment] = current;
    if (at === null) continue;
    delivery[environment] = {
      ...current,
      deployed: true,
      deployedAt: current.deployedAt === null || at < current.deployedAt ? at : current.deployedAt,
    };
  }
  const flags = new Map<number, StoredEvent>();
  for (const event of [...releaseEvents, ...versionFlagEvents]) {
    if (event.type !== 'feature.released') continue;
    const data = event.data as Record<string, unknown>;
    // A version's stream may hold another service's release of the same version name only by mistake;
    // an exposure naming another release id is that release's.
    const mine =
      data.releaseId === view.releaseId ||
      (data.releaseId === undefined && data.service === view.service && data.version === view.version);
    if (mine) flags.set(event.seq, event);
  }
  for (const event of [...flags.values()].sort((a, b) => a.seq - b.seq)) {
    const data = event.data as Record<string, unknown>;
    const environment = String(data.environment);
    const current = entry(environment);
    const exposure = Number(data.exposure);
    const full = exposure === 100;
    delivery[environment] = {
      ...current,
      released: current.released || full,
      releasedAt:
        full && (current.releasedAt === null || event.occurredAt < current.releasedAt)
          ? event.occurredAt
          : current.releasedAt,
      flags: [
        ...current.flags.filter((f) => f.flag !== data.flag),
        { flag: String(data.flag), exposure, at: event.occurredAt, seq: event.seq },
      ],
    };
  }
  return delivery;
}
