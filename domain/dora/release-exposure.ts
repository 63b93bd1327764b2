import type { StoredEvent } from '../ledger/ledger-event.ts';
import { dayOf, secondsBetween } from './calendar.ts';
import { type DoraDefinitions, isProductionEnvironment } from './definitions.ts';
import { facts } from './facts.ts';
import { mergeSorted, subtractSorted } from './percentiles.ts';
import type { ProjectionStore } from './projection-store.ts';
import { scopesOf } from './rollups.ts';

/**
 * Deploy ≠ release (issue 20): a release is *released to users* in a production environment when a
 * `feature.released` naming it (by `releaseId`, or by its service and version) reaches exposure 100.
 * Release frequency counts releases released to users; lead time to release runs from each of the
 * release's commits to that moment. Kept in documents of their own (`rexp`, `rtl`, `rcell`, `rscope`)
 * beside the deployment ones, merged so that any order of application gives the same documents.
 */

/** How a flag names its release: `id:<releaseId>`, or `sv:` and the JSON of [service, version]. */
export type ReleaseRef = string;

export function releaseRef(data: Record<string, unknown>): ReleaseRef | undefined {
  const releaseId = text(data.releaseId);
  if (releaseId) return `id:${releaseId}`;
  const service = text(data.service);
  const version = text(data.version);
  return service && version ? `sv:${JSON.stringify([service, version])}` : undefined;
}

/** The earliest report of exposure 100 of a ref in one environment (by occurrence, then seq). */
export interface FullExposure {
  readonly seq: number;
  readonly at: string;
  readonly flag: string;
  readonly service: string;
}

export interface ExposureFacts {
  /** Production environment → its earliest full exposure. */
  readonly environments: Readonly<Record<string, FullExposure>>;
}

/** What a `release.created` says of a release, for flags that name it by service and version. */
export interface ReleaseVersionFacts {
  readonly seq: number;
  readonly service: string;
  readonly version: string;
}

/** A (service, environment, day) of release evidence. */
export type ReleaseCellRef = readonly [service: string, environment: string, day: string];

export interface ReleaseCommitEvidence {
  readonly sha: string;
  readonly committedAt: string;
  readonly leadSeconds: number;
}

/** One release released to users in a production environment, and why it counts. */
export interface ReleaseEvidence {
  readonly releaseId: string | null;
  readonly service: string;
  readonly version: string | null;
  readonly environment: string;
  readonly team: string | null;
  readonly flag: string;
  readonly releasedAt: string;
  /** Whether that flag named the release by `releaseId` or by service and version. */
  readonly namedBy: 'releaseId' | 'service_version';
  readonly commits: readonly ReleaseCommitEvidence[];
}

export interface ReleaseCellDoc {
  readonly releases: readonly ReleaseEvidence[];
}

/** What one scope's releases contributed on one day: additive, as deployment rollups are. */
export interface ReleaseRollup {
  readonly releases: number;
  /** Lead time to release samples (seconds), sorted. */
  readonly leadRelease: readonly number[];
}

export const EMPTY_RELEASE_ROLLUP: ReleaseRollup = { releases: 0, leadRelease: [] };

export const releaseFacts = {
  exp: (store: ProjectionStore, ref: ReleaseRef) => store.get(['rexp', ref]) as ExposureFacts | undefined,
  ver: (store: ProjectionStore, releaseId: string) =>
    store.get(['rver', releaseId]) as ReleaseVersionFacts | undefined,
  bySv: (store: ProjectionStore, service: string, version: string) =>
    store.get(['relsv', service, version]) as { readonly releases: readonly string[] } | undefined,
  tl: (store: ProjectionStore, service: string, environment: string, day: string) =>
    store.get(['rtl', service, environment, day]) as { readonly refs: readonly ReleaseRef[] } | undefined,
};

/** Merges one event into the release-exposure facts; answers the release cells that may have changed. */
export function mergeExposure(
  store: ProjectionStore,
  event: StoredEvent,
  definitions: DoraDefinitions,
): ReleaseCellRef[] {
  const data = event.data as Record<string, unknown>;
  if (event.type === 'feature.released') return mergeFeatureReleased(store, event, data, definitions);
  if (event.type === 'release.created') return mergeReleaseVersion(store, event, data);
  return [];
}

function mergeFeatureReleased(
  store: ProjectionStore,
  event: StoredEvent,
  data: Record<string, unknown>,
  definitions: DoraDefinitions,
): ReleaseCellRef[] {
  const ref = releaseRef(data);
  const service = text(data.service);
  const environment = text(data.environment);
  const flag = text(data.flag);
  if (!ref || !service || !environment || !flag || data.exposure !== 100) return [];
  if (!isProductionEnvironment(definitions, environment)) return [];
  const before = releaseFacts.exp(store, ref) ?? { environments: {} };
  const held = before.environments[environment];
  const at = utc(event.occurredAt);
  const dirty = siblingCells(store, ref, environment);
  if (held && (held.at < at || (held.at === at && held.seq <= event.seq))) return dirty;
  const next: FullExposure = { seq: event.seq, at, flag, service };
  store.set(['rexp', ref], { environments: { ...before.environments, [environment]: next } });
  const from = held ? cellOfExposure(environment, held) : undefined;
  const to = cellOfExposure(environment, next);
  if (from) moveRef(store, from, ref, -1);
  moveRef(store, to, ref, 1);
  return [...(from ? [from] : []), to, ...dirty];
}

function mergeReleaseVersion(
  store: ProjectionStore,
  event: StoredEvent,
  data: Record<string, unknown>,
): ReleaseCellRef[] {
  const releaseId = text(data.releaseId);
  const service = text(data.service);
  const version = text(data.version);
  if (!releaseId || !service || !version) return [];
  const before = releaseFacts.ver(store, releaseId);
  const dirty = [...refCells(store, `id:${releaseId}`)];
  if (before && before.seq <= event.seq) return dirty;
  if (before) {
    const old = releaseFacts.bySv(store, before.service, before.version)?.releases ?? [];
    const rest = old.filter((id) => id !== releaseId);
    store.set(['relsv', before.service, before.version], rest.length > 0 ? { releases: rest } : undefined);
    dirty.push(...refCells(store, svRef(before.service, before.version)));
  }
  store.set(['rver', releaseId], { seq: event.seq, service, version });
  const list = releaseFacts.bySv(store, service, version)?.releases ?? [];
  if (!list.includes(releaseId))
    store.set(['relsv', service, version], { releases: [...list, releaseId].sort() });
  return [...dirty, ...refCells(store, svRef(service, version))];
}

/** The cells of every environment a ref reached 100 in. */
function refCells(store: ProjectionStore, ref: ReleaseRef): ReleaseCellRef[] {
  return Object.entries(releaseFacts.exp(store, ref)?.environments ?? {}).map(([environment, exposure]) =>
    cellOfExposure(environment, exposure),
  );
}

/** The other refs naming the same release: its id for a service version, its service version for an id. */
function siblingRefs(store: ProjectionStore, ref: ReleaseRef): ReleaseRef[] {
  if (ref.startsWith('id:')) {
    const version = releaseFacts.ver(store, ref.slice(3));
    return version ? [svRef(version.service, version.version)] : [];
  }
  const [service, version] = JSON.parse(ref.slice(3)) as [string, string];
  return (releaseFacts.bySv(store, service, version)?.releases ?? []).map((id) => `id:${id}`);
}

function siblingCells(store: ProjectionStore, ref: ReleaseRef, environment: string): ReleaseCellRef[] {
  return siblingRefs(store, ref).flatMap((sibling) => {
    const exposure = releaseFacts.exp(store, sibling)?.environments[environment];
    return exposure ? [cellOfExposure(environment, exposure)] : [];
  });
}

function cellOfExposure(environment: string, exposure: FullExposure): ReleaseCellRef {
  return [exposure.service, environment, dayOf(exposure.at)];
}

function moveRef(store: ProjectionStore, cell: ReleaseCellRef, ref: ReleaseRef, sign: 1 | -1): void {
  const refs = releaseFacts.tl(store, ...cell)?.refs ?? [];
  const next = sign === 1 ? [...new Set([...refs, ref])].sort() : refs.filter((r) => r !== ref);
  store.set(['rtl', ...cell], next.length > 0 ? { refs: next } : undefined);
}

/**
 * Recomputes a release cell from the facts alone. A release named both by id and by service and version
 * counts once per environment, at the earlier of the two (on a tie, the `id:` ref).
 */
export function computeReleaseCell(
  store: ProjectionStore,
  [service, environment, day]: ReleaseCellRef,
): ReleaseCellDoc | undefined {
  const releases: ReleaseEvidence[] = [];
  for (const ref of releaseFacts.tl(store, service, environment, day)?.refs ?? []) {
    const exposure = releaseFacts.exp(store, ref)?.environments[environment];
    if (!exposure || exposure.service !== service || dayOf(exposure.at) !== day) continue;
    const earlier = siblingRefs(store, ref).some((sibling) => {
      const other = releaseFacts.exp(store, sibling)?.environments[environment];
      return other !== undefined && (other.at < exposure.at || (other.at === exposure.at && sibling < ref));
    });
    if (!earlier) releases.push(evidenceOf(store, ref, environment, exposure));
  }
  if (releases.length === 0) return undefined;
  // Evidence holds no seqs (a new ledger order renumbers them); ties are broken by what the events say.
  releases.sort(
    (a, b) =>
      cmp(a.releasedAt, b.releasedAt) || cmp(a.flag, b.flag) || cmp(a.releaseId ?? '', b.releaseId ?? ''),
  );
  return { releases };
}

function evidenceOf(
  store: ProjectionStore,
  ref: ReleaseRef,
  environment: string,
  exposure: FullExposure,
): ReleaseEvidence {
  const byId = ref.startsWith('id:');
  const sv = byId ? undefined : (JSON.parse(ref.slice(3)) as [string, string]);
  // By service and version, the release is the one `release.created` gave them (the lowest id if several).
  const releaseId = byId
    ? ref.slice(3)
    : (releaseFacts.bySv(store, sv?.[0] ?? '', sv?.[1] ?? '')?.releases[0] ?? null);
  const release = releaseId ? facts.rel(store, releaseId) : undefined;
  const version = byId ? (releaseFacts.ver(store, ref.slice(3))?.version ?? null) : (sv?.[1] ?? null);
  return {
    releaseId,
    service: exposure.service,
    version,
    environment,
    team: release?.created?.team ?? null,
    flag: exposure.flag,
    releasedAt: exposure.at,
    namedBy: byId ? 'releaseId' : 'service_version',
    commits: (release?.created?.commits ?? []).map(([sha, committedAt]) => ({
      sha,
      committedAt,
      leadSeconds: Math.max(0, secondsBetween(committedAt, exposure.at)),
    })),
  };
}

export function releaseRollupOf(releases: readonly ReleaseEvidence[]): ReleaseRollup {
  return {
    releases: releases.length,
    leadRelease: releases.flatMap((r) => r.commits.map((c) => c.leadSeconds)).sort((a, b) => a - b),
  };
}

/** Recomputes the dirty release cells and moves each scope's release rollup by (new cell − old cell). */
export function projectReleaseCells(store: ProjectionStore, dirty: Iterable<ReleaseCellRef>): void {
  const unique = new Map<string, ReleaseCellRef>();
  for (const cell of dirty) unique.set(cell.join('\u0000'), cell);
  for (const [, cell] of [...unique].sort(([a], [b]) => cmp(a, b))) {
    const before = store.get(['rcell', ...cell]) as ReleaseCellDoc | undefined;
    const after = computeReleaseCell(store, cell);
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    store.set(['rcell', ...cell], after);
    applyToScopes(store, cell[2], before?.releases ?? [], -1);
    applyToScopes(store, cell[2], after?.releases ?? [], 1);
  }
}

function applyToScopes(
  store: ProjectionStore,
  day: string,
  releases: readonly ReleaseEvidence[],
  sign: 1 | -1,
): void {
  const byScope = new Map<string, ReleaseEvidence[]>();
  for (const release of releases) {
    for (const key of scopesOf(release.service, release.environment, release.team)) {
      byScope.set(key, [...(byScope.get(key) ?? []), release]);
    }
  }
  for (const [key, list] of byScope) {
    const current = (store.get(['rscope', key, day]) as ReleaseRollup | undefined) ?? EMPTY_RELEASE_ROLLUP;
    const delta = releaseRollupOf(list);
    const next: ReleaseRollup = {
      releases: current.releases + sign * delta.releases,
      leadRelease: (sign === 1 ? mergeSorted : subtractSorted)(current.leadRelease, delta.leadRelease),
    };
    store.set(['rscope', key, day], next.releases === 0 && next.leadRelease.length === 0 ? undefined : next);
  }
}

function svRef(service: string, version: string): ReleaseRef {
  return `sv:${JSON.stringify([service, version])}`;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function utc(instant: string): string {
  return new Date(instant).toISOString();
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
