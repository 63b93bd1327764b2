import { addDays, secondsBetween } from './calendar.ts';
import { type DoraDefinitions, gapDays } from './definitions.ts';
import {
  type AlertVolume,
  type CellRef,
  type ChangeFacts,
  changesMergedAs,
  type DeploymentFacts,
  deploymentRevisions,
  deploymentsShipping,
  facts,
  finalTerminal,
  type IncidentFacts,
  isBefore,
  isFailedRollback,
  placement,
  previousInEnvironment,
  type Terminal,
  type TimelineEntry,
  walkDeployments,
  weekOf,
} from './facts.ts';
import type { ProjectionStore } from './projection-store.ts';
import type { RevisionRule } from './revisions.ts';

/** Why a deployment counts as needing intervention; the response names the rule for each link. */
export type FailureRule =
  | 'failed'
  /** A later deployment names it in `rollbackOf`. */
  | 'rolled_back'
  /** A `rollback.requested` naming it was carried out by the next deployment of its environment. */
  | 'rollback_requested'
  /** The next deployment of its environment was a rollback that named nothing (CDEvents `service.rolledback`). */
  | 'rolled_back_inferred'
  | 'fixed'
  | 'incident_explicit'
  | 'incident_within_gap';

type RemediationRule = 'rolled_back' | 'rollback_requested' | 'rolled_back_inferred' | 'fixed';

export interface FailureReason {
  readonly rule: FailureRule;
  /** The remediating deployment or the incident, when the rule has one. */
  readonly ref: string | null;
}

export interface CommitEvidence {
  readonly sha: string;
  readonly committedAt: string;
  readonly leadSeconds: number;
  /** This was the first production deployment of the service that contained the commit. */
  readonly firstInService: boolean;
  /** This was the first deployment to this environment that contained the commit. */
  readonly firstInEnvironment: boolean;
  /** Set when the sample comes from a CDEvents `change.merged` rather than a release's commits. */
  readonly changeId?: string;
  /**
   * Where the sample starts: a release commit's time (`commit`), else a `change.merged` event's first
   * commit time, creation time or merge time, whichever it carries first in that order.
   */
  readonly startRule: StartRule;
  /**
   * Set when the deployment was tied to the change by its merge commit rather than by time: the
   * deployment's `version` is that sha (`version`), or another revision field of the deployment or its
   * release, or its artifact's purl, names it (`artifactRevision`).
   */
  readonly matchedBy?: RevisionRule;
}

export type StartRule = 'commit' | 'change.first_commit' | 'change.created' | 'change.merged';

/** The start of a change's lead time sample and the rule that chose it. */
export function changeStart(change: ChangeFacts): { at: string; rule: StartRule } {
  const { firstCommitAt, createdAt, at } = change.merged;
  if (firstCommitAt && firstCommitAt <= at) return { at: firstCommitAt, rule: 'change.first_commit' };
  if (createdAt && createdAt <= at) return { at: createdAt, rule: 'change.created' };
  return { at, rule: 'change.merged' };
}

/** Everything one production deployment contributes to the metrics, and why. */
export interface DeploymentEvidence {
  readonly deploymentId: string;
  readonly service: string;
  readonly environment: string;
  readonly team: string | null;
  readonly releaseId: string | null;
  readonly version: string | null;
  readonly finishedAt: string;
  readonly outcome: 'succeeded' | 'failed';
  readonly rollback: boolean;
  /** Why it was unplanned (rework), or null for a planned deployment. */
  readonly unplanned: 'rollback' | 'fix' | 'planned_false' | null;
  /** The deployment's stated `reason` (`planned`, `incident`, `bug`, `rollback`, `other`), if any. */
  readonly reason: string | null;
  readonly failure: {
    readonly reasons: readonly FailureReason[];
    readonly failedAt: string;
    readonly recoveredAt: string | null;
    readonly recoverySeconds: number | null;
    /** `deployment:<id>` or `incident:<id>`. */
    readonly recoveredBy: string | null;
  } | null;
  readonly incidents: readonly {
    readonly incidentId: string;
    readonly rule: 'incident_explicit' | 'incident_within_gap';
    readonly openedAt: string;
    readonly resolvedAt: string | null;
  }[];
  readonly commits: readonly CommitEvidence[];
  /** Alerts in the first 24 h after it against its 7-day baseline (its watch); null until watched. */
  readonly alertVolume?: AlertVolume | null;
}

/** The evidence of one (service, environment, day): its production deployments, by finish time. */
export interface CellDoc {
  readonly deployments: readonly DeploymentEvidence[];
}

interface Success {
  readonly id: string;
  readonly at: string;
}

/**
 * Recomputes a cell from the facts alone (never from its previous value), so recomputing a cell
 * after any set of events gives what a full recomputation would.
 */
export function computeCell(
  store: ProjectionStore,
  [service, environment, day]: CellRef,
  definitions: DoraDefinitions,
): CellDoc | undefined {
  const here = (facts.tl(store, service, environment, day)?.deployments ?? [])
    .map((id) => facts.dep(store, id))
    .filter(
      (dep): dep is DeploymentFacts =>
        placement(dep)?.join('\u0000') === [service, environment, day].join('\u0000'),
    );
  if (here.length === 0) return undefined;
  const gapLinks = incidentsWithinGap(store, [service, environment, day], definitions);
  const deployments = here
    .map((dep) =>
      evidenceOf(store, dep, finalTerminal(dep) as Terminal, gapLinks.get(dep.id) ?? [], definitions),
    )
    .sort((a, b) =>
      a.finishedAt === b.finishedAt ? cmp(a.deploymentId, b.deploymentId) : cmp(a.finishedAt, b.finishedAt),
    );
  return { deployments };
}

/**
 * Incidents without a named deployment are blamed on the latest successful production deployment of the
 * same service and environment at or before their opening, within the gap. Only incidents opening from
 * this day to `gap` later can be blamed on this day's deployments; successes on earlier days are older
 * than every success today, so they never win against one.
 */
function incidentsWithinGap(
  store: ProjectionStore,
  [service, environment, day]: CellRef,
  definitions: DoraDefinitions,
): Map<string, IncidentFacts[]> {
  const successes: Success[] = [];
  const incidents: IncidentFacts[] = [];
  for (let ahead = 0; ahead <= gapDays(definitions); ahead += 1) {
    const timeline = facts.tl(store, service, environment, addDays(day, ahead));
    for (const id of timeline?.deployments ?? []) {
      const dep = facts.dep(store, id);
      const final = finalTerminal(dep);
      if (dep?.identity?.service === service && dep.identity.environment === environment && final?.ok) {
        successes.push({ id, at: final.at });
      }
    }
    for (const id of timeline?.incidents ?? []) {
      const incident = facts.inc(store, id);
      if (incident?.opened && !incident.opened.deploymentId) incidents.push(incident);
    }
  }
  const gapMs = definitions.incidentGapHours * 3_600_000;
  const links = new Map<string, IncidentFacts[]>();
  for (const incident of incidents) {
    const opened = incident.opened?.at as string;
    let latest: Success | undefined;
    for (const success of successes) {
      if (success.at > opened || Date.parse(opened) - Date.parse(success.at) > gapMs) continue;
      if (!latest || success.at > latest.at || (success.at === latest.at && success.id > latest.id))
        latest = success;
    }
    if (latest && latest.at.slice(0, 10) === day)
      links.set(latest.id, [...(links.get(latest.id) ?? []), incident]);
  }
  return links;
}

/**
 * What a successful deployment that names no deployment it undoes or fixes may still undo, by inference:
 * the previous deployment of its service and environment, when that one had a `rollback.requested`
 * before this finished and this is a rollback or deploys the requested version, or when this is a
 * rollback (CDEvents `service.rolledback`) at all.
 */
export function inferredRollbackTarget(
  store: ProjectionStore,
  dep: DeploymentFacts,
  final: Terminal,
  definitions: DoraDefinitions,
):
  | { readonly target: TimelineEntry; readonly rule: 'rollback_requested' | 'rolled_back_inferred' }
  | undefined {
  if (!dep.identity || !final.ok || final.rollbackOf !== null || final.fixes !== null) return undefined;
  const { service, environment, version } = dep.identity;
  if (!facts.senv(store, service)?.rollbacks) return undefined;
  const target = previousInEnvironment(
    store,
    service,
    environment,
    { id: dep.id, at: final.at },
    definitions,
  );
  if (!target) return undefined;
  const targetFacts = facts.dep(store, target.id);
  const requested = (targetFacts?.rollbackRequests ?? []).some(
    (r) => r.at <= final.at && (final.rollback || (r.toVersion !== null && r.toVersion === version)),
  );
  if (requested) return { target, rule: 'rollback_requested' };
  return final.rollback ? { target, rule: 'rolled_back_inferred' } : undefined;
}

/** The deployments after this one in its environment that roll it back by inference (at most one). */
function inferredRollbacksOf(
  store: ProjectionStore,
  dep: DeploymentFacts,
  final: Terminal,
  definitions: DoraDefinitions,
): { rule: RemediationRule; id: string; at: string }[] {
  const identity = dep.identity as NonNullable<DeploymentFacts['identity']>;
  if (!facts.senv(store, identity.service)?.rollbacks) return [];
  let found: { rule: RemediationRule; id: string; at: string } | undefined;
  walkDeployments(store, identity.service, { id: dep.id, at: final.at }, 'ahead', definitions, (entry) => {
    if (entry.environment !== identity.environment) return false;
    const next = facts.dep(store, entry.id);
    const nextFinal = finalTerminal(next);
    if (next && nextFinal) {
      const inferred = inferredRollbackTarget(store, next, nextFinal, definitions);
      if (inferred?.target.id === dep.id) found = { rule: inferred.rule, id: next.id, at: nextFinal.at };
    }
    return !isFailedRollback(entry);
  });
  return found ? [found] : [];
}

function evidenceOf(
  store: ProjectionStore,
  dep: DeploymentFacts,
  final: Terminal,
  gapIncidents: readonly IncidentFacts[],
  definitions: DoraDefinitions,
): DeploymentEvidence {
  const identity = dep.identity as NonNullable<DeploymentFacts['identity']>;
  const release = identity.releaseId ? facts.rel(store, identity.releaseId) : undefined;
  const incidents = [
    ...dep.incidents
      .map((id) => facts.inc(store, id))
      .filter((i): i is IncidentFacts => i?.opened?.deploymentId === dep.id)
      .map((i) => ({ incident: i, rule: 'incident_explicit' as const })),
    ...gapIncidents.map((i) => ({ incident: i, rule: 'incident_within_gap' as const })),
  ].map(({ incident, rule }) => ({
    incidentId: incident.id,
    rule,
    openedAt: incident.opened?.at as string,
    resolvedAt: incident.resolved?.at ?? null,
  }));

  const remediations = [
    ...dep.remediatedBy.flatMap((id): { rule: RemediationRule; id: string; at: string }[] => {
      const by = finalTerminal(facts.dep(store, id));
      if (!by?.ok) return [];
      if (by.rollbackOf === dep.id) return [{ rule: 'rolled_back', id, at: by.at }];
      if (by.fixes === dep.id) return [{ rule: 'fixed', id, at: by.at }];
      return [];
    }),
    ...inferredRollbacksOf(store, dep, final, definitions),
  ];
  // A deployment carrying out a rollback decision is a rollback, whether or not its producer said so.
  const rollback =
    final.rollback || inferredRollbackTarget(store, dep, final, definitions)?.rule === 'rollback_requested';
  const reasons: FailureReason[] = [
    ...(final.ok ? [] : [{ rule: 'failed' as const, ref: null }]),
    ...remediations.map((r) => ({ rule: r.rule, ref: r.id })),
    ...incidents.map((i) => ({ rule: i.rule, ref: i.incidentId })),
  ];
  return {
    deploymentId: dep.id,
    service: identity.service,
    environment: identity.environment,
    team: release?.created?.team ?? null,
    releaseId: identity.releaseId,
    version: identity.version,
    finishedAt: final.at,
    outcome: final.ok ? 'succeeded' : 'failed',
    rollback,
    unplanned: !final.ok
      ? null
      : rollback
        ? 'rollback'
        : final.fixes
          ? 'fix'
          : final.planned
            ? null
            : 'planned_false',
    reason: final.ok ? (final.reason ?? null) : null,
    failure: reasons.length === 0 || rollback ? null : recovery(final, reasons, remediations, incidents),
    incidents,
    commits: final.ok ? commitsFirstDeployedBy(store, dep, final, definitions) : [],
    alertVolume: dep.watch
      ? { alerts: dep.watch.alerts, baselineAlerts: dep.watch.baselineAlerts, ratio: dep.watch.ratio }
      : null,
  };
}

/**
 * Failed at the deployment's finish when it failed or was remedied without an incident; when only
 * incidents tell us, at the first incident's opening (earlier detection is unknown). Recovered at the
 * earliest of a remediating deployment succeeding or a linked incident resolving.
 */
function recovery(
  final: Terminal,
  reasons: readonly FailureReason[],
  remediations: readonly { id: string; at: string }[],
  incidents: readonly { incidentId: string; openedAt: string; resolvedAt: string | null }[],
): NonNullable<DeploymentEvidence['failure']> {
  const firstIncident = incidents.map((i) => i.openedAt).sort()[0];
  const failedAt = !final.ok || remediations.length > 0 || !firstIncident ? final.at : firstIncident;
  const candidates = [
    ...remediations.map((r) => ({ at: r.at, by: `deployment:${r.id}` })),
    ...incidents.flatMap((i) => (i.resolvedAt ? [{ at: i.resolvedAt, by: `incident:${i.incidentId}` }] : [])),
  ].sort((a, b) => (a.at === b.at ? cmp(a.by, b.by) : cmp(a.at, b.at)));
  const recovered = candidates[0];
  return {
    reasons,
    failedAt,
    recoveredAt: recovered?.at ?? null,
    recoverySeconds: recovered ? Math.max(0, secondsBetween(failedAt, recovered.at)) : null,
    recoveredBy: recovered?.by ?? null,
  };
}

/**
 * The release's commits for which this deployment was the first successful production deployment of
 * any release of the service listing the commit (in any production environment, and in this one).
 */
function commitsFirstDeployedBy(
  store: ProjectionStore,
  dep: DeploymentFacts,
  final: Terminal,
  definitions: DoraDefinitions,
): CommitEvidence[] {
  const identity = dep.identity as NonNullable<DeploymentFacts['identity']>;
  const release = identity.releaseId ? facts.rel(store, identity.releaseId) : undefined;
  if (!release?.created || release.created.commits.length === 0)
    return changesFirstDeployedBy(store, dep, final, definitions);
  const service = release.created.service;
  const mine = { id: dep.id, at: final.at };
  const earlier = (a: Success, b: Success) => a.at < b.at || (a.at === b.at && a.id < b.id);
  return release.created.commits.flatMap(([sha, listedAt]) => {
    let firstInService = true;
    let firstInEnvironment = true;
    const commit = facts.commit(store, service, sha);
    const squash = squashedChange(store, service, commit?.changes, listedAt);
    const committedAt = squash?.start.at ?? listedAt;
    for (const releaseId of commit?.releases ?? []) {
      const other = facts.rel(store, releaseId);
      if (!other?.created?.commits.some(([s]) => s === sha)) continue;
      for (const id of other.deployments) {
        if (id === dep.id) continue;
        const otherDep = facts.dep(store, id);
        const otherFinal = finalTerminal(otherDep);
        if (!otherDep?.identity || otherDep.identity.releaseId !== releaseId || !otherFinal?.ok) continue;
        if (earlier({ id, at: otherFinal.at }, mine)) {
          firstInService = false;
          if (otherDep.identity.environment === identity.environment) firstInEnvironment = false;
        }
      }
    }
    if (!firstInService && !firstInEnvironment) return [];
    return [
      {
        sha,
        committedAt,
        leadSeconds: Math.max(0, secondsBetween(committedAt, final.at)),
        firstInService,
        firstInEnvironment,
        ...(squash ? { changeId: squash.change.id } : {}),
        startRule: squash?.start.rule ?? ('commit' as const),
      },
    ];
  });
}

/**
 * A release commit that is a change's merge commit (a squash merge: one commit timed at the merge)
 * starts its lead time where the change does, when that is earlier than the commit's own time.
 */
function squashedChange(
  store: ProjectionStore,
  service: string,
  changeIds: readonly string[] | undefined,
  committedAt: string,
): { change: ChangeFacts; start: { at: string; rule: StartRule } } | undefined {
  let best: { change: ChangeFacts; start: { at: string; rule: StartRule } } | undefined;
  for (const id of changeIds ?? []) {
    const change = facts.chg(store, id);
    if (change?.merged.service !== service) continue;
    const start = changeStart(change);
    if (start.at < committedAt && (!best || start.at < best.start.at)) best = { change, start };
  }
  return best;
}

/**
 * A successful production deployment whose release lists no commits ships the changes merged as a commit
 * its version or revision fields name (a squash merge deployed by its sha).
 */
function shipsByRevision(store: ProjectionStore, dep: DeploymentFacts): boolean {
  if (!dep.identity || !finalTerminal(dep)?.ok) return false;
  const release = dep.identity.releaseId ? facts.rel(store, dep.identity.releaseId) : undefined;
  return !release?.created || release.created.commits.length === 0;
}

/**
 * The changes this deployment ships by their merge commit, where it is the first deployment shipping them
 * (of the service, or of its environment), as for a release's commits.
 */
function changesShippedByRevision(
  store: ProjectionStore,
  dep: DeploymentFacts,
  final: Terminal,
): { change: ChangeFacts; rule: RevisionRule; firstInService: boolean; firstInEnvironment: boolean }[] {
  const { service, environment } = dep.identity as NonNullable<DeploymentFacts['identity']>;
  const mine = { id: dep.id, at: final.at };
  return changesMergedAs(store, service, deploymentRevisions(store, dep)).flatMap(({ change, revision }) => {
    let firstInService = true;
    let firstInEnvironment = true;
    for (const other of deploymentsShipping(store, change)) {
      const otherFinal = finalTerminal(other.dep);
      if (other.dep.id === dep.id || !otherFinal || !shipsByRevision(store, other.dep)) continue;
      if (isBefore({ id: other.dep.id, at: otherFinal.at }, mine)) {
        firstInService = false;
        if (other.dep.identity?.environment === environment) firstInEnvironment = false;
      }
    }
    return firstInService || firstInEnvironment
      ? [{ change, rule: revision[1], firstInService, firstInEnvironment }]
      : [];
  });
}

/**
 * When only CDEvents are available, a deployment's release lists no commits; the changes it first shipped
 * are then those merged as a commit it names (`changesShippedByRevision`), and the service's other
 * `change.merged` after the previous successful production deployment and at or before this one (in any
 * environment for the service-wide sample, in this environment for the per-environment one), searching
 * back at most the lookback. A change that a deployment ships by its merge commit never counts by time.
 */
function changesFirstDeployedBy(
  store: ProjectionStore,
  dep: DeploymentFacts,
  final: Terminal,
  definitions: DoraDefinitions,
): CommitEvidence[] {
  const { service, environment } = dep.identity as NonNullable<DeploymentFacts['identity']>;
  if (!facts.senv(store, service)?.changes) return [];
  const byRevision = changesShippedByRevision(store, dep, final);
  const shippedByRevision = (change: ChangeFacts) =>
    deploymentsShipping(store, change).some(({ dep: other }) => shipsByRevision(store, other));
  const mine = { id: dep.id, at: final.at };
  let previousAny: string | undefined;
  let previousHere: string | undefined;
  walkDeployments(store, service, mine, 'back', definitions, (entry) => {
    if (!entry.ok) return false;
    previousAny ??= entry.at;
    if (entry.environment === environment) previousHere = entry.at;
    return previousHere !== undefined;
  });
  const horizon = addDays(final.at.slice(0, 10), -definitions.lookbackDays);
  const changes: ChangeFacts[] = [];
  for (let week = weekOf(final.at.slice(0, 10)); week >= weekOf(horizon); week = addDays(week, -7)) {
    if (previousHere !== undefined && week < weekOf(previousHere.slice(0, 10))) break;
    for (const [id, at] of facts.chgwk(store, service, week)?.changes ?? []) {
      if (at > final.at || at.slice(0, 10) < horizon || (previousHere !== undefined && at <= previousHere))
        continue;
      const change = facts.chg(store, id);
      if (change?.merged.service === service && change.merged.at === at && !shippedByRevision(change))
        changes.push(change);
    }
  }
  const samples = [
    ...changes.map((change) => ({
      change,
      firstInService: previousAny === undefined || change.merged.at > previousAny,
      firstInEnvironment: true,
      rule: undefined,
    })),
    ...byRevision,
  ];
  return samples
    .sort((a, b) => cmp(a.change.merged.at, b.change.merged.at) || cmp(a.change.id, b.change.id))
    .map(({ change: c, firstInService, firstInEnvironment, rule }) => {
      const start = changeStart(c);
      return {
        sha: c.merged.sha ?? c.id,
        committedAt: start.at,
        leadSeconds: Math.max(0, secondsBetween(start.at, final.at)),
        firstInService,
        firstInEnvironment,
        changeId: c.id,
        startRule: start.rule,
        ...(rule ? { matchedBy: rule } : {}),
      };
    });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
