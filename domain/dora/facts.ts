import type { StoredEvent } from '../ledger/ledger-event.ts';
import { addDays, bucketOf, dayOf } from './calendar.ts';
import { type DoraDefinitions, gapDays, isProductionEnvironment } from './definitions.ts';
import type { ProjectionStore } from './projection-store.ts';
import { type Revisions, revisionKey, revisionsOf, sameCommit, shaIn } from './revisions.ts';

/**
 * The facts DORA needs, merged from ledger events so that any order of application gives the same
 * documents: sets are kept sorted, and where events disagree the lowest `seq` (identity) or the latest
 * occurrence (outcome) wins — both are properties of the events, not of when they were applied.
 */

/** A deployment's finishing report (`deployment.succeeded` or `deployment.failed`). */
export interface Terminal {
  readonly seq: number;
  readonly at: string;
  readonly ok: boolean;
  readonly rollbackOf: string | null;
  readonly fixes: string | null;
  /** A rollback: `rollbackOf` set, or a CDEvents `service.rolledback` (`rollback: true`). */
  readonly rollback: boolean;
  readonly planned: boolean;
  /** The success's `reason` (`incident`, `bug`, …), null when none was given. */
  readonly reason: string | null;
}

export interface DeploymentFacts {
  readonly id: string;
  /** From the deployment event with the lowest seq. */
  readonly identity: {
    readonly seq: number;
    readonly service: string;
    readonly environment: string;
    readonly releaseId: string | null;
    readonly version: string | null;
    /** The commits its version or revision fields name (see revisions.ts); absent when none. */
    readonly revisions?: Revisions;
  } | null;
  /** Sorted by seq. */
  readonly terminals: readonly Terminal[];
  /** Deployments whose `rollbackOf` or `fixes` names this one. */
  readonly remediatedBy: readonly string[];
  /** Incidents that name this deployment (`deploymentId`). */
  readonly incidents: readonly string[];
  /** `rollback.requested` decisions naming this deployment, sorted by seq. */
  readonly rollbackRequests: readonly RollbackRequest[];
  /** The first 24 h of its post-release watch (`release.watch.completed`, lowest seq); absent until watched. */
  readonly watch?: { readonly seq: number } & AlertVolume;
}

/** Alerts in the first 24 h after a deployment against its 7-day baseline (× 24 ÷ 168); ratio null at 0. */
export interface AlertVolume {
  readonly alerts: number;
  readonly baselineAlerts: number;
  readonly ratio: number | null;
}

export interface RollbackRequest {
  readonly seq: number;
  readonly at: string;
  readonly toVersion: string | null;
}

/** A CDEvents `change.merged`: lead time for deployments whose release lists no commits. */
export interface ChangeFacts {
  readonly id: string;
  /** From the event with the lowest seq. */
  readonly merged: {
    readonly seq: number;
    readonly at: string;
    readonly service: string;
    readonly sha: string | null;
    /** The change's first commit time, when the producer gave it: the preferred start of lead time. */
    readonly firstCommitAt?: string;
    /** When the change (pull or merge request) was opened: the start of lead time without a first commit. */
    readonly createdAt?: string;
  };
}

export interface ReleaseFacts {
  readonly id: string;
  readonly created: {
    readonly seq: number;
    readonly service: string;
    readonly team: string | null;
    /** [sha, commit time], sorted by sha. */
    readonly commits: readonly (readonly [string, string])[];
    /** The commits its version or revision fields (GitLab's `sha`, GitHub's `ref`) name; absent when none. */
    readonly revisions?: Revisions;
  } | null;
  /** Production deployments that name this release. */
  readonly deployments: readonly string[];
}

export interface IncidentFacts {
  readonly id: string;
  readonly opened: {
    readonly seq: number;
    readonly at: string;
    readonly service: string;
    readonly environment: string;
    readonly deploymentId: string | null;
  } | null;
  /** The earliest resolution reported. */
  readonly resolved: { readonly seq: number; readonly at: string } | null;
}

export interface TimelineFacts {
  readonly deployments: readonly string[];
  readonly incidents: readonly string[];
}

/** Production deployments of a service finishing in one week, in every environment, by finish time. */
export interface ServiceTimelineFacts {
  readonly deployments: readonly StoredEntry[];
}

/**
 * What is known of a service across its events (only ever grows): the production environments it deployed
 * to, and whether any of its events call for inference — a `change.merged`, or a rollback that names
 * nothing or a `rollback.requested`. Services without them skip the neighbour walks entirely.
 */
export interface ServiceEnvironmentsFacts {
  readonly environments: readonly string[];
  readonly changes?: true;
  readonly rollbacks?: true;
}

/** Changes of a service merged in one week: [changeId, merged at], by merge time. */
export interface ChangeWeekFacts {
  readonly changes: readonly (readonly [id: string, at: string])[];
}

export interface CommitFacts {
  readonly releases: readonly string[];
  /**
   * `change.merged` events whose merge commit is this sha: a squash merge's one commit, whose own time
   * is the merge, so its lead time starts at the change's first commit instead.
   */
  readonly changes?: readonly string[];
}

/**
 * What names a commit of a service, kept under the sha's first 7 digits so an abbreviation finds the full
 * sha and the other way round: changes merged as it, production deployments and releases that ship it.
 */
export interface RevisionIndexFacts {
  readonly changes?: readonly string[];
  readonly deployments?: readonly string[];
  readonly releases?: readonly string[];
}

/** A (service, environment, day) whose evidence must be recomputed. */
export type CellRef = readonly [service: string, environment: string, day: string];

export const facts = {
  dep: (store: ProjectionStore, id: string) => store.get(['dep', id]) as DeploymentFacts | undefined,
  rel: (store: ProjectionStore, id: string) => store.get(['rel', id]) as ReleaseFacts | undefined,
  inc: (store: ProjectionStore, id: string) => store.get(['inc', id]) as IncidentFacts | undefined,
  tl: (store: ProjectionStore, service: string, environment: string, day: string) =>
    store.get(['tl', service, environment, day]) as TimelineFacts | undefined,
  commit: (store: ProjectionStore, service: string, sha: string) =>
    store.get(['commit', service, sha]) as CommitFacts | undefined,
  stl: (store: ProjectionStore, service: string, week: string) =>
    store.get(['stl', service, week]) as ServiceTimelineFacts | undefined,
  chg: (store: ProjectionStore, id: string) => store.get(['chg', id]) as ChangeFacts | undefined,
  chgwk: (store: ProjectionStore, service: string, week: string) =>
    store.get(['chgwk', service, week]) as ChangeWeekFacts | undefined,
  senv: (store: ProjectionStore, service: string) =>
    store.get(['senv', service]) as ServiceEnvironmentsFacts | undefined,
  rev: (store: ProjectionStore, service: string, key: string) =>
    store.get(['rev', service, key]) as RevisionIndexFacts | undefined,
};

/** The terminal report that decides a deployment's outcome: the latest by occurrence, then by seq. */
export function finalTerminal(dep: DeploymentFacts | undefined): Terminal | undefined {
  let best: Terminal | undefined;
  for (const t of dep?.terminals ?? []) {
    if (!best || t.at > best.at || (t.at === best.at && t.seq > best.seq)) best = t;
  }
  return best;
}

/** Where a production deployment sits: its service, environment and finishing day. */
export function placement(dep: DeploymentFacts | undefined): CellRef | undefined {
  const final = finalTerminal(dep);
  if (!dep?.identity || !final) return undefined;
  return [dep.identity.service, dep.identity.environment, dayOf(final.at)];
}

/**
 * Merges one ledger event into the facts and answers which cells may have changed because of it.
 * Unknown and non-production events change nothing.
 */
export function mergeEvent(
  store: ProjectionStore,
  event: StoredEvent,
  definitions: DoraDefinitions,
): CellRef[] {
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'deployment.requested':
    case 'deployment.started':
    case 'deployment.succeeded':
    case 'deployment.failed':
    case 'deployment.progressed':
      return mergeDeployment(store, event, data, definitions);
    case 'release.created':
      return mergeRelease(store, event, data, definitions);
    case 'incident.opened':
    case 'incident.resolved':
      return mergeIncident(store, event, data, definitions);
    case 'rollback.requested':
      return mergeRollbackRequest(store, event, data, definitions);
    case 'change.merged':
      return mergeChange(store, event, data, definitions);
    case 'release.watch.completed':
      return mergeWatch(store, event, data, definitions);
    default:
      return [];
  }
}

function mergeDeployment(
  store: ProjectionStore,
  event: StoredEvent,
  data: Record<string, unknown>,
  definitions: DoraDefinitions,
): CellRef[] {
  const id = text(data.deploymentId);
  const environment = text(data.environment);
  const service = text(data.service);
  if (!id || !environment || !service || !isProductionEnvironment(definitions, environment)) return [];
  const before = facts.dep(store, id) ?? emptyDeployment(id);
  const identity =
    before.identity && before.identity.seq < event.seq
      ? before.identity
      : {
          seq: event.seq,
          service,
          environment,
          releaseId: text(data.releaseId),
          version: text(data.version),
          ...nonEmpty('revisions', revisionsOf(data)),
        };
  let terminals = before.terminals;
  // A progressive deployment has finished once all traffic is on it: weight 100 is a successful finishing
  // report. A `deployment.succeeded` after it is another report of the same deployment, and the latest
  // report decides the outcome and finish time, so the deployment is still counted once.
  const fullTraffic = event.type === 'deployment.progressed' && data.weight === 100;
  if (
    (event.type === 'deployment.succeeded' || event.type === 'deployment.failed' || fullTraffic) &&
    !terminals.some((t) => t.seq === event.seq)
  ) {
    const rollbackOf = event.type === 'deployment.succeeded' ? text(data.rollbackOf) : null;
    const terminal: Terminal = {
      seq: event.seq,
      at: utc(event.occurredAt),
      ok: event.type !== 'deployment.failed',
      rollbackOf,
      fixes: event.type === 'deployment.succeeded' ? text(data.fixes) : null,
      rollback: rollbackOf !== null || data.rollback === true,
      planned: data.planned !== false,
      reason: event.type === 'deployment.succeeded' ? text(data.reason) : null,
    };
    terminals = [...terminals, terminal].sort((a, b) => a.seq - b.seq);
  }
  const after: DeploymentFacts = { ...before, identity, terminals };
  store.set(['dep', id], after);
  if (after.identity) {
    const inferable =
      after.rollbackRequests.length > 0 || after.terminals.some((t) => t.rollback && t.rollbackOf === null);
    noteService(store, after.identity.service, {
      environment: after.identity.environment,
      ...(inferable ? { rollbacks: true } : {}),
    });
  }

  const dirty: CellRef[] = [];
  moveInTimeline(store, 'deployments', id, placement(before), placement(after));
  updateServiceTimeline(store, before, after);
  for (const cell of [placement(before), placement(after)]) {
    if (cell) dirty.push(...gapNeighbourhood(cell, definitions));
  }
  // Inferred links run to the neighbours: the deployment before this one (a rollback without `rollbackOf`
  // undoes it) and the next ones (their changes start where this one's end).
  for (const [dep, final] of [
    [before, finalTerminal(before)],
    [after, finalTerminal(after)],
  ] as const) {
    if (dep.identity && final)
      dirty.push(...neighbourCells(store, dep.identity, { id, at: final.at }, definitions));
  }
  // A remediation is recorded on the deployment it remedies, which may not have arrived yet.
  for (const target of new Set([...after.terminals.flatMap((t) => [t.rollbackOf, t.fixes])])) {
    if (!target || target === id) continue;
    const remedied: DeploymentFacts = facts.dep(store, target) ?? emptyDeployment(target);
    if (!remedied.remediatedBy.includes(id)) {
      store.set(['dep', target], { ...remedied, remediatedBy: addSorted(remedied.remediatedBy, id) });
    }
    const cell = placement(remedied);
    if (cell) dirty.push(cell);
  }
  const releaseId = after.identity?.releaseId;
  if (releaseId) {
    const release = facts.rel(store, releaseId) ?? emptyRelease(releaseId);
    if (!release.deployments.includes(id)) {
      store.set(['rel', releaseId], { ...release, deployments: addSorted(release.deployments, id) });
    }
    dirty.push(...leadTimeNeighbourhood(store, releaseId));
  }
  reindex(store, 'deployments', id, shippedBy(before.identity), shippedBy(after.identity));
  // Whether it ships a change's merge commit decides that change's first deployment, here and elsewhere.
  for (const dep of [before, after]) {
    if (dep.identity)
      dirty.push(
        ...revisionNeighbourhood(store, dep.identity.service, deploymentRevisions(store, dep), definitions),
      );
  }
  return dirty;
}

function mergeRollbackRequest(
  store: ProjectionStore,
  event: StoredEvent,
  data: Record<string, unknown>,
  definitions: DoraDefinitions,
): CellRef[] {
  const id = text(data.deploymentId);
  if (!id) return [];
  const before = facts.dep(store, id) ?? emptyDeployment(id);
  if (!before.rollbackRequests.some((r) => r.seq === event.seq)) {
    const request: RollbackRequest = {
      seq: event.seq,
      at: utc(event.occurredAt),
      toVersion: text(data.toVersion),
    };
    store.set(['dep', id], {
      ...before,
      rollbackRequests: [...before.rollbackRequests, request].sort((a, b) => a.seq - b.seq),
    });
  }
  for (const service of new Set([text(data.service), before.identity?.service ?? null])) {
    if (service) noteService(store, service, { rollbacks: true });
  }
  const final = finalTerminal(before);
  if (!before.identity || !final) return [];
  const here = placement(before);
  return [
    ...(here ? [here] : []),
    ...neighbourCells(store, before.identity, { id, at: final.at }, definitions),
  ];
}

function mergeWatch(
  store: ProjectionStore,
  event: StoredEvent,
  data: Record<string, unknown>,
  definitions: DoraDefinitions,
): CellRef[] {
  const id = text(data.deploymentId);
  const environment = text(data.environment);
  if (!id || !environment || !isProductionEnvironment(definitions, environment)) return [];
  // Older watches carry no `firstDay`; a 24 h watch's own counts are its first day.
  const day = (data.firstDay ?? (data.hours === 24 ? data : null)) as Record<string, unknown> | null;
  if (!day || typeof day.alerts !== 'number' || typeof day.baselineAlerts !== 'number') return [];
  const before = facts.dep(store, id) ?? emptyDeployment(id);
  if (!before.watch || event.seq < before.watch.seq) {
    const ratio = typeof day.ratio === 'number' ? day.ratio : null;
    const watch = { seq: event.seq, alerts: day.alerts, baselineAlerts: day.baselineAlerts, ratio };
    store.set(['dep', id], { ...before, watch });
  }
  const here = placement(before);
  return here ? [here] : [];
}

function mergeChange(
  store: ProjectionStore,
  event: StoredEvent,
  data: Record<string, unknown>,
  definitions: DoraDefinitions,
): CellRef[] {
  const id = text(data.changeId);
  const service = text(data.service) ?? repositoryName(text(data.repository));
  if (!id || !service) return [];
  const before = facts.chg(store, id);
  if (before && before.merged.seq <= event.seq) return [];
  const after: ChangeFacts = {
    id,
    merged: {
      seq: event.seq,
      at: utc(event.occurredAt),
      service,
      sha: text(data.mergeCommitSha) ?? text(data.sha),
      ...startTimes(data),
    },
  };
  store.set(['chg', id], after);
  noteService(store, service, { changes: true });
  indexMergeCommit(store, before, after);
  const merged = (c: ChangeFacts | undefined) => {
    const sha = c && shaIn(c.merged.sha);
    return c && sha ? { service: c.merged.service, revisions: [sha] } : undefined;
  };
  reindex(store, 'changes', id, merged(before), merged(after));
  const dirty: CellRef[] = [];
  if (before) {
    const key = ['chgwk', before.merged.service, weekOf(dayOf(before.merged.at))] as const;
    const rest = (facts.chgwk(store, key[1], key[2])?.changes ?? []).filter(([x]) => x !== id);
    store.set(key, rest.length > 0 ? { changes: rest } : undefined);
  }
  const key = ['chgwk', service, weekOf(dayOf(after.merged.at))] as const;
  const list = (facts.chgwk(store, key[1], key[2])?.changes ?? []).filter(([x]) => x !== id);
  store.set(key, {
    changes: [...list, [id, after.merged.at] as const].sort((a, b) =>
      isBefore({ id: a[0], at: a[1] }, { id: b[0], at: b[1] }) ? -1 : 1,
    ),
  });
  for (const change of before ? [before, after] : [after])
    dirty.push(...changeCells(store, change, definitions));
  return dirty;
}

/**
 * The cells a change's samples can be in: the next successful deployment at or after its merge, per
 * environment (by time), and every production deployment shipping its merge commit (by revision).
 */
function changeCells(store: ProjectionStore, change: ChangeFacts, definitions: DoraDefinitions): CellRef[] {
  const { service, at } = change.merged;
  const cells = nextSuccessPerEnvironment(store, service, { id: '', at }, definitions, true).map((next) =>
    cellOf(service, next),
  );
  for (const { dep } of deploymentsShipping(store, change)) {
    const cell = placement(dep);
    if (cell) cells.push(cell);
  }
  return cells;
}

/**
 * The cells of the changes merged as any of these commits: a deployment or release naming them changes
 * which deployment first shipped those changes, and whether they still count by time.
 */
function revisionNeighbourhood(
  store: ProjectionStore,
  service: string,
  revisions: Revisions,
  definitions: DoraDefinitions,
): CellRef[] {
  if (revisions.length === 0 || !facts.senv(store, service)?.changes) return [];
  const cells: CellRef[] = [];
  for (const change of changesMergedAs(store, service, revisions)) {
    cells.push(...changeCells(store, change.change, definitions));
  }
  return cells;
}

/** The changes of a service whose merge commit is one of these, with the revision that names it. */
export function changesMergedAs(
  store: ProjectionStore,
  service: string,
  revisions: Revisions,
): { change: ChangeFacts; revision: Revisions[number] }[] {
  const found = new Map<string, { change: ChangeFacts; revision: Revisions[number] }>();
  for (const key of new Set(revisions.map(([sha]) => revisionKey(sha)))) {
    for (const id of facts.rev(store, service, key)?.changes ?? []) {
      const change = facts.chg(store, id);
      const sha = change && shaIn(change.merged.sha);
      if (!change || !sha || change.merged.service !== service || found.has(id)) continue;
      const revision = revisions.find(([r]) => sameCommit(r, sha));
      if (revision) found.set(id, { change, revision });
    }
  }
  return [...found.values()];
}

/**
 * The production deployments of the change's service that ship its merge commit, by their own revision
 * fields or their release's, with the revision that matched. Any outcome: callers decide what counts.
 */
export function deploymentsShipping(
  store: ProjectionStore,
  change: ChangeFacts,
): { dep: DeploymentFacts; revision: Revisions[number] }[] {
  const { service } = change.merged;
  const sha = shaIn(change.merged.sha);
  if (!sha) return [];
  const index = facts.rev(store, service, revisionKey(sha));
  const ids = new Set(index?.deployments ?? []);
  for (const releaseId of index?.releases ?? [])
    for (const id of facts.rel(store, releaseId)?.deployments ?? []) ids.add(id);
  const out: { dep: DeploymentFacts; revision: Revisions[number] }[] = [];
  for (const id of [...ids].sort()) {
    const dep = facts.dep(store, id);
    if (!dep || dep.identity?.service !== service) continue;
    const revision = deploymentRevisions(store, dep).find(([r]) => sameCommit(r, sha));
    if (revision) out.push({ dep, revision });
  }
  return out;
}

/** The commits a deployment ships by its own fields and its release's; the version's rule wins a tie. */
export function deploymentRevisions(store: ProjectionStore, dep: DeploymentFacts): Revisions {
  const own = dep.identity?.revisions ?? [];
  const releaseId = dep.identity?.releaseId;
  const ofRelease = (releaseId && facts.rel(store, releaseId)?.created?.revisions) || [];
  if (ofRelease.length === 0) return own;
  const merged = new Map<string, Revisions[number][1]>();
  for (const [sha, rule] of [...own, ...ofRelease]) {
    if (!merged.has(sha) || rule === 'version') merged.set(sha, rule);
  }
  return [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The revisions a deployment's identity names, with its service, for the revision index. */
function shippedBy(
  identity: DeploymentFacts['identity'],
): { service: string; revisions: readonly string[] } | undefined {
  return identity?.revisions
    ? { service: identity.service, revisions: identity.revisions.map(([s]) => s) }
    : undefined;
}

/** Moves `id` in the revision index from the buckets of `before` to those of `after`. */
function reindex(
  store: ProjectionStore,
  list: keyof RevisionIndexFacts,
  id: string,
  before: { service: string; revisions: readonly string[] } | undefined,
  after: { service: string; revisions: readonly string[] } | undefined,
): void {
  const keys = (x: typeof before) =>
    new Set(x ? x.revisions.map((sha) => JSON.stringify([x.service, revisionKey(sha)])) : []);
  const old = keys(before);
  const next = keys(after);
  for (const key of new Set([...old, ...next])) {
    if (old.has(key) && next.has(key)) continue;
    const [service, prefix] = JSON.parse(key) as [string, string];
    const doc: Record<keyof RevisionIndexFacts, readonly string[] | undefined> = {
      changes: undefined,
      deployments: undefined,
      releases: undefined,
      ...facts.rev(store, service, prefix),
    };
    const ids = (doc[list] ?? []).filter((x) => x !== id);
    doc[list] = next.has(key) ? addSorted(ids, id) : ids;
    // Fixed field order, empty lists left out: any order of events writes the same document.
    const updated: RevisionIndexFacts = {
      ...nonEmpty('changes', doc.changes ?? []),
      ...nonEmpty('deployments', doc.deployments ?? []),
      ...nonEmpty('releases', doc.releases ?? []),
    };
    store.set(['rev', service, prefix], Object.keys(updated).length === 0 ? undefined : updated);
  }
}

/** Keeps the commit index naming the change under its merge commit (and no longer under an old one). */
function indexMergeCommit(store: ProjectionStore, before: ChangeFacts | undefined, after: ChangeFacts): void {
  const { service, sha } = after.merged;
  if (before?.merged.sha && (before.merged.sha !== sha || before.merged.service !== service)) {
    const old = facts.commit(store, before.merged.service, before.merged.sha);
    const rest = (old?.changes ?? []).filter((c) => c !== after.id);
    if (old)
      store.set(['commit', before.merged.service, before.merged.sha], {
        releases: old.releases,
        ...(rest.length ? { changes: rest } : {}),
      });
  }
  if (!sha) return;
  const commit = facts.commit(store, service, sha) ?? { releases: [] };
  if (!(commit.changes ?? []).includes(after.id))
    store.set(['commit', service, sha], { ...commit, changes: addSorted(commit.changes ?? [], after.id) });
}

/** The optional lead time starts a `change.merged` carries, normalised to UTC; unparseable ones are dropped. */
function startTimes(data: Record<string, unknown>): { firstCommitAt?: string; createdAt?: string } {
  const out: { firstCommitAt?: string; createdAt?: string } = {};
  for (const field of ['firstCommitAt', 'createdAt'] as const) {
    const value = text(data[field]);
    if (value && !Number.isNaN(Date.parse(value))) out[field] = utc(value);
  }
  return out;
}

/** `github.com/acme/checkout` → `checkout`: the service a change belongs to when the producer names none. */
function repositoryName(repository: string | null): string | null {
  const name = repository
    ?.split('/')
    .filter((part) => part.length > 0)
    .pop();
  return name ? name.replace(/\.git$/, '') : null;
}

function mergeRelease(
  store: ProjectionStore,
  event: StoredEvent,
  data: Record<string, unknown>,
  definitions: DoraDefinitions,
): CellRef[] {
  const id = text(data.releaseId);
  const service = text(data.service);
  if (!id || !service) return [];
  const before = facts.rel(store, id) ?? emptyRelease(id);
  if (before.created && before.created.seq <= event.seq) return [];
  const commits = new Map<string, string>();
  for (const commit of Array.isArray(data.commits) ? data.commits : []) {
    const sha = text((commit as Record<string, unknown>).sha);
    const at = text((commit as Record<string, unknown>).timestamp);
    if (!sha || !at || Number.isNaN(Date.parse(at))) continue;
    const iso = new Date(at).toISOString();
    const known = commits.get(sha);
    commits.set(sha, known && known < iso ? known : iso);
  }
  const created = {
    seq: event.seq,
    service,
    team: text(data.team),
    commits: [...commits].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ...nonEmpty('revisions', revisionsOf(data)),
  };
  store.set(['rel', id], { ...before, created });
  for (const [sha] of created.commits) {
    const commit = facts.commit(store, service, sha) ?? { releases: [] };
    if (!commit.releases.includes(id))
      store.set(['commit', service, sha], { ...commit, releases: addSorted(commit.releases, id) });
  }
  const revised = (r: ReleaseFacts['created']) =>
    r?.revisions ? { service: r.service, revisions: r.revisions.map(([sha]) => sha) } : undefined;
  reindex(store, 'releases', id, revised(before.created), revised(created));
  const dirty = leadTimeNeighbourhood(store, id);
  // Its commits and revisions decide whether its deployments ship changes by revision.
  for (const r of [before.created, created]) {
    if (r?.revisions) dirty.push(...revisionNeighbourhood(store, r.service, r.revisions, definitions));
  }
  for (const depId of before.deployments) {
    const dep = facts.dep(store, depId);
    if (dep?.identity)
      dirty.push(
        ...revisionNeighbourhood(store, dep.identity.service, deploymentRevisions(store, dep), definitions),
      );
  }
  return dirty;
}

function mergeIncident(
  store: ProjectionStore,
  event: StoredEvent,
  data: Record<string, unknown>,
  definitions: DoraDefinitions,
): CellRef[] {
  const id = text(data.incidentId);
  if (!id) return [];
  const before = facts.inc(store, id) ?? { id, opened: null, resolved: null };
  let after: IncidentFacts = before;
  if (event.type === 'incident.opened') {
    const service = text(data.service);
    const environment = text(data.environment);
    if (!service || !environment || !isProductionEnvironment(definitions, environment)) return [];
    if (!before.opened || event.seq < before.opened.seq) {
      after = {
        ...before,
        opened: {
          seq: event.seq,
          at: utc(event.occurredAt),
          service,
          environment,
          deploymentId: text(data.deploymentId),
        },
      };
    }
  } else {
    const at = utc(event.occurredAt);
    if (
      !before.resolved ||
      at < before.resolved.at ||
      (at === before.resolved.at && event.seq < before.resolved.seq)
    ) {
      after = { ...before, resolved: { seq: event.seq, at } };
    }
  }
  store.set(['inc', id], after);
  const dirty: CellRef[] = [];
  // Incidents that name a deployment are linked to it; only the others wait in the timeline.
  const gapCell = (incident: IncidentFacts): CellRef | undefined =>
    incident.opened && !incident.opened.deploymentId
      ? [incident.opened.service, incident.opened.environment, dayOf(incident.opened.at)]
      : undefined;
  moveInTimeline(store, 'incidents', id, gapCell(before), gapCell(after));
  for (const incident of [before, after]) {
    const named = incident.opened?.deploymentId;
    if (named) {
      const dep = facts.dep(store, named) ?? emptyDeployment(named);
      if (incident === after && !dep.incidents.includes(id)) {
        store.set(['dep', named], { ...dep, incidents: addSorted(dep.incidents, id) });
      }
      const cell = placement(dep);
      if (cell) dirty.push(cell);
    }
    const cell = gapCell(incident);
    if (cell) dirty.push(...gapNeighbourhood(cell, definitions));
  }
  return dirty;
}

/**
 * The days whose deployments an event at `cell` can affect through the incident gap: a success or an
 * incident on day d can change which deployment of days d-gap…d an incident is blamed on.
 */
function gapNeighbourhood([service, environment, day]: CellRef, definitions: DoraDefinitions): CellRef[] {
  const cells: CellRef[] = [];
  for (let back = 0; back <= gapDays(definitions); back += 1) {
    cells.push([service, environment, addDays(day, -back)]);
  }
  return cells;
}

/**
 * Lead time is decided across releases: a commit counts once, at the first production deployment of any
 * release of the service that lists it. A change to one release can move that first deployment, so every
 * deployment of every release sharing a commit with it is recomputed.
 */
function leadTimeNeighbourhood(store: ProjectionStore, releaseId: string): CellRef[] {
  const release = facts.rel(store, releaseId);
  const releases = new Set([releaseId]);
  if (release?.created) {
    for (const [sha] of release.created.commits) {
      for (const other of facts.commit(store, release.created.service, sha)?.releases ?? [])
        releases.add(other);
    }
  }
  const cells: CellRef[] = [];
  for (const id of releases) {
    for (const depId of facts.rel(store, id)?.deployments ?? []) {
      const cell = placement(facts.dep(store, depId));
      if (cell) cells.push(cell);
    }
  }
  return cells;
}

/** A point in a service's deployment order: by finish time, then by id. */
export interface Instant {
  readonly id: string;
  readonly at: string;
}

export function isBefore(a: Instant, b: Instant): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

/** A finished production deployment as a service's weekly timeline holds it: enough to walk without its facts. */
export interface TimelineEntry {
  readonly id: string;
  readonly at: string;
  readonly environment: string;
  readonly ok: boolean;
  /** Its producer called it a rollback (`rollbackOf` or `rollback: true`). */
  readonly rollback: boolean;
}

type StoredEntry = readonly [id: string, at: string, environment: string, ok: boolean, rollback: boolean];

/** The week (its Monday) a day falls in: service timelines and change indexes are kept per week. */
export function weekOf(day: string): string {
  return bucketOf(day, 'week');
}

function entryOf(dep: DeploymentFacts): StoredEntry | undefined {
  const final = finalTerminal(dep);
  if (!dep.identity || !final) return undefined;
  return [dep.id, final.at, dep.identity.environment, final.ok, final.rollback];
}

/**
 * The production deployments of a service that finished (with any outcome) in order, walking from `from`
 * backwards or forwards for at most `lookbackDays`, stopping when `visit` returns true. `from` itself is
 * never visited. Reads one document per week walked.
 */
export function walkDeployments(
  store: ProjectionStore,
  service: string,
  from: Instant,
  direction: 'back' | 'ahead',
  definitions: DoraDefinitions,
  visit: (entry: TimelineEntry) => boolean,
): void {
  const start = dayOf(from.at);
  const limit = addDays(start, direction === 'back' ? -definitions.lookbackDays : definitions.lookbackDays);
  const step = direction === 'back' ? -7 : 7;
  for (
    let week = weekOf(start);
    direction === 'back' ? week >= weekOf(limit) : week <= limit;
    week = addDays(week, step)
  ) {
    const entries = (facts.stl(store, service, week)?.deployments ?? [])
      .map(([id, at, environment, ok, rollback]): TimelineEntry => ({ id, at, environment, ok, rollback }))
      .filter((e) =>
        direction === 'back'
          ? isBefore(e, from) && dayOf(e.at) >= limit
          : isBefore(from, e) && dayOf(e.at) <= limit,
      );
    if (direction === 'back') entries.reverse();
    for (const entry of entries) if (visit(entry)) return;
  }
}

/** A rollback that failed changed nothing, so a later rollback still undoes what came before it. */
export function isFailedRollback(entry: { readonly ok: boolean; readonly rollback: boolean }): boolean {
  return !entry.ok && entry.rollback;
}

/**
 * What a rollback of the same service and environment would undo: the previous finished deployment
 * there, stepping over failed rollbacks.
 */
export function previousInEnvironment(
  store: ProjectionStore,
  service: string,
  environment: string,
  from: Instant,
  definitions: DoraDefinitions,
): TimelineEntry | undefined {
  let previous: TimelineEntry | undefined;
  walkDeployments(store, service, from, 'back', definitions, (entry) => {
    if (entry.environment !== environment || isFailedRollback(entry)) return false;
    previous = entry;
    return true;
  });
  return previous;
}

/**
 * The first successful deployment after `from` in each production environment of the service
 * (`inclusive`: a deployment finishing exactly at `from` counts, as a change merged then ships with it).
 */
export function nextSuccessPerEnvironment(
  store: ProjectionStore,
  service: string,
  from: Instant,
  definitions: DoraDefinitions,
  inclusive = false,
): TimelineEntry[] {
  const seen = new Map<string, TimelineEntry>();
  const origin = inclusive ? { id: '', at: from.at } : from;
  // Every environment with a deployment is known, so the walk can stop once each has its first success.
  const environments = facts.senv(store, service)?.environments ?? [];
  if (environments.length === 0) return [];
  walkDeployments(store, service, origin, 'ahead', definitions, (entry) => {
    if (entry.ok && !seen.has(entry.environment)) seen.set(entry.environment, entry);
    return environments.every((e) => seen.has(e));
  });
  return [...seen.values()];
}

/** The cell a timeline entry's evidence lives in. */
export function cellOf(service: string, entry: TimelineEntry): CellRef {
  return [service, entry.environment, dayOf(entry.at)];
}

/**
 * The cells whose inferred links a deployment at `at` can change: the previous deployment of its
 * environment (which it may roll back), the next one there (which may roll it back), and the next
 * successful one in every environment (whose first-shipped changes begin after it).
 */
function neighbourCells(
  store: ProjectionStore,
  identity: NonNullable<DeploymentFacts['identity']>,
  at: Instant,
  definitions: DoraDefinitions,
): CellRef[] {
  const cells: CellRef[] = [];
  const known = facts.senv(store, identity.service);
  // Failed rollbacks are stepped over when a rollback looks for what it undoes, so they are here too.
  for (const direction of known?.rollbacks ? (['back', 'ahead'] as const) : []) {
    walkDeployments(store, identity.service, at, direction, definitions, (entry) => {
      if (entry.environment !== identity.environment) return false;
      cells.push(cellOf(identity.service, entry));
      return !isFailedRollback(entry);
    });
  }
  if (known?.changes) {
    for (const entry of nextSuccessPerEnvironment(store, identity.service, at, definitions))
      cells.push(cellOf(identity.service, entry));
  }
  return cells;
}

function noteService(
  store: ProjectionStore,
  service: string,
  note: { readonly environment?: string; readonly changes?: true; readonly rollbacks?: true },
): void {
  const known = facts.senv(store, service) ?? { environments: [] };
  const environments =
    note.environment === undefined || known.environments.includes(note.environment)
      ? known.environments
      : addSorted(known.environments, note.environment);
  const next: ServiceEnvironmentsFacts = {
    environments,
    ...(known.changes || note.changes ? { changes: true } : {}),
    ...(known.rollbacks || note.rollbacks ? { rollbacks: true } : {}),
  };
  if (JSON.stringify(next) !== JSON.stringify(known)) store.set(['senv', service], next);
}

/** Keeps the deployment's entry in its service's weekly timeline equal to its facts. */
function updateServiceTimeline(
  store: ProjectionStore,
  before: DeploymentFacts,
  after: DeploymentFacts,
): void {
  const old = entryOf(before);
  const next = entryOf(after);
  if (JSON.stringify(old) === JSON.stringify(next)) return;
  if (old && before.identity) {
    const key = ['stl', before.identity.service, weekOf(dayOf(old[1]))] as const;
    const rest = (facts.stl(store, key[1], key[2])?.deployments ?? []).filter(([id]) => id !== old[0]);
    store.set(key, rest.length > 0 ? { deployments: rest } : undefined);
  }
  if (next && after.identity) {
    const key = ['stl', after.identity.service, weekOf(dayOf(next[1]))] as const;
    const list = (facts.stl(store, key[1], key[2])?.deployments ?? []).filter(([id]) => id !== next[0]);
    const deployments = [...list, next].sort((a, b) =>
      isBefore({ id: a[0], at: a[1] }, { id: b[0], at: b[1] }) ? -1 : 1,
    );
    store.set(key, { deployments });
  }
}

function moveInTimeline(
  store: ProjectionStore,
  list: 'deployments' | 'incidents',
  id: string,
  from: CellRef | undefined,
  to: CellRef | undefined,
): void {
  if (from && to && from.join('\u0000') === to.join('\u0000')) {
    const timeline = facts.tl(store, ...to) ?? { deployments: [], incidents: [] };
    if (!timeline[list].includes(id))
      store.set(['tl', ...to], { ...timeline, [list]: addSorted(timeline[list], id) });
    return;
  }
  if (from) {
    const timeline = facts.tl(store, ...from);
    if (timeline?.[list].includes(id)) {
      const next = { ...timeline, [list]: timeline[list].filter((x) => x !== id) };
      store.set(['tl', ...from], next.deployments.length + next.incidents.length === 0 ? undefined : next);
    }
  }
  if (to) {
    const timeline = facts.tl(store, ...to) ?? { deployments: [], incidents: [] };
    if (!timeline[list].includes(id))
      store.set(['tl', ...to], { ...timeline, [list]: addSorted(timeline[list], id) });
  }
}

function emptyDeployment(id: string): DeploymentFacts {
  return { id, identity: null, terminals: [], remediatedBy: [], incidents: [], rollbackRequests: [] };
}

function emptyRelease(id: string): ReleaseFacts {
  return { id, created: null, deployments: [] };
}

function addSorted(values: readonly string[], value: string): string[] {
  return [...values, value].sort();
}

/** `{ [name]: values }` when there are any, else nothing: documents stay as small as before. */
function nonEmpty<K extends string, T>(name: K, values: readonly T[]): { [P in K]?: readonly T[] } {
  return (values.length > 0 ? { [name]: values } : {}) as { [P in K]?: readonly T[] };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** Occurrence times are compared as strings, so they are normalised to UTC first. */
function utc(instant: string): string {
  return new Date(instant).toISOString();
}
