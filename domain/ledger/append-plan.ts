import { canonicalJson } from './canonical-json.ts';
import { type ChainHead, chainHash, eventHash, GENESIS_HASH, sha256Hex } from './hash-chain.ts';
import type {
  AppendResult,
  IncomingEvent,
  LedgerEnvelope,
  StoredEvent,
  StreamName,
  StreamPosition,
} from './ledger-event.ts';
import { escapeIdPart, streamsOf } from './streams.ts';

/** The source the ledger itself uses for events it derives (implicit releases, later decisions). */
export const LEDGER_SOURCE = 'release-ledger';

/** (source, id) identifies an event, as CloudEvents defines; hashed so any characters are safe in keys. */
export function idempotencyKey(source: string, id: string): string {
  return sha256Hex(canonicalJson([source, id]));
}

export interface IdempotencyRecord {
  readonly payloadHash: string;
  readonly result: AppendResult;
}

export interface DuplicateCheck {
  /** Events never seen before, in submission order. */
  readonly fresh: readonly IncomingEvent[];
  /** Results already stored for events submitted before, by their position in the submission. */
  readonly replayed: ReadonlyMap<number, AppendResult>;
  /** Positions whose (source, id) was stored with another payload. */
  readonly conflicts: readonly number[];
}

/** Splits a submission into new events, exact replays and conflicting reuses of an identity. */
export function checkDuplicates(
  events: readonly IncomingEvent[],
  records: ReadonlyMap<string, IdempotencyRecord>,
): DuplicateCheck {
  const fresh: IncomingEvent[] = [];
  const replayed = new Map<number, AppendResult>();
  const conflicts: number[] = [];
  events.forEach((event, index) => {
    const record = records.get(idempotencyKey(event.source, event.id));
    if (!record) fresh.push(event);
    else if (record.payloadHash === event.payloadHash) replayed.set(index, record.result);
    else conflicts.push(index);
  });
  return { fresh, replayed, conflicts };
}

export interface ReleaseFacts {
  readonly releaseId: string;
  readonly service: string;
  readonly version: string;
}

/** What the store knows about releases the submission refers to. */
export interface ReleaseCatalog {
  readonly byId: ReadonlyMap<string, ReleaseFacts>;
  /** Keyed by `releaseKey(service, version)`. */
  readonly byServiceVersion: ReadonlyMap<string, string>;
}

export function releaseKey(service: string, version: string): string {
  return sha256Hex(canonicalJson([service, version]));
}

/** The release ids and (service, version) pairs whose facts a submission needs looked up. */
export function releaseLookups(events: readonly IncomingEvent[]): {
  readonly ids: string[];
  readonly serviceVersions: { service: string; version: string }[];
} {
  const ids = new Set<string>();
  const pairs = new Map<string, { service: string; version: string }>();
  for (const event of events) {
    const { releaseId, service, version } = event.data as Record<string, unknown>;
    if (typeof releaseId === 'string') ids.add(releaseId);
    if (typeof service === 'string' && typeof version === 'string' && refersToRelease(event)) {
      pairs.set(releaseKey(service, version), { service, version });
      // The id an implicit release would take is read too, so one already taken is seen before writing.
      if (event.type !== 'release.created') ids.add(implicitReleaseId(service, version));
    }
  }
  return { ids: [...ids], serviceVersions: [...pairs.values()] };
}

function refersToRelease(event: IncomingEvent): boolean {
  return event.type === 'release.created' || event.type.startsWith('deployment.');
}

/**
 * The id of the release the ledger creates for a deployment of an artifact it has no release for:
 * `service@version` with `%` and `@` percent-encoded in each part, so no two (service, version) pairs
 * share one (`a@b`+`c` is `a%40b@c`, `a`+`b@c` is `a@b%40c`). Names without `@` or `%` keep the id they
 * always had. Ids stored under the older unescaped form are never recomputed: deployments find their
 * release through the (service, version) index.
 */
export function implicitReleaseId(service: string, version: string): string {
  return `${escapeIdPart(service, '@')}@${escapeIdPart(version, '@')}`;
}

/** The (service, version) whose implicit release id this is, if it has that form. */
function implicitPairOf(releaseId: string): { service: string; version: string } | undefined {
  const parts = releaseId.split('@');
  if (parts.length !== 2) return undefined;
  const [service = '', version = ''] = parts.map((part) =>
    part.replaceAll('%40', '@').replaceAll('%25', '%'),
  );
  return implicitReleaseId(service, version) === releaseId ? { service, version } : undefined;
}

/** What a deployment's earlier events established: the store keeps it beside the deployment's stream head. */
export interface DeploymentFacts {
  readonly releaseId: string;
  /** Null while the deployment's release is unknown. */
  readonly service: string | null;
  readonly environment: string;
  /**
   * Whether a `deployment.succeeded` (or a `deployment.progressed` at weight 100: all traffic on it) was
   * recorded for it: only then can a rollback name it.
   */
  readonly succeeded: boolean;
}

/** The facts a deployment's stored history establishes (for stream heads written before facts were kept). */
export function deploymentFactsOf(history: readonly StoredEvent[]): DeploymentFacts | undefined {
  let facts: DeploymentFacts | undefined;
  for (const event of history) {
    if (!event.type.startsWith('deployment.')) continue;
    const data = event.data as Record<string, unknown>;
    facts = {
      releaseId: facts?.releaseId ?? String(data.releaseId),
      service: facts?.service ?? (typeof data.service === 'string' ? data.service : null),
      environment: facts?.environment ?? String(data.environment),
      succeeded: (facts?.succeeded ?? false) || finishesDeployment(event.type, data),
    };
  }
  return facts;
}

/** A success, or a progressive deployment taking all traffic (issue 20). */
function finishesDeployment(type: string, data: Record<string, unknown>): boolean {
  return type === 'deployment.succeeded' || (type === 'deployment.progressed' && data.weight === 100);
}

/** The deployments whose facts a submission is judged against: its own and those its rollbacks name. */
export function deploymentLookups(events: readonly IncomingEvent[]): string[] {
  const ids = new Set<string>();
  for (const event of events) {
    if (!event.type.startsWith('deployment.')) continue;
    const { deploymentId, rollbackOf } = event.data as Record<string, unknown>;
    ids.add(String(deploymentId));
    if (typeof rollbackOf === 'string') ids.add(rollbackOf);
  }
  return [...ids];
}

/**
 * An event the ledger will not store because it contradicts what the ledger holds: `invalid` (400) when
 * the event itself is wrong, `taken` (409) when the release id it needs belongs to another release.
 */
export interface Refusal {
  readonly event: IncomingEvent;
  readonly kind: 'invalid' | 'taken';
  /** The failing field, from the event's root (`['data', 'service']`). */
  readonly path: readonly string[];
  readonly message: string;
}

export interface ResolvedReleases {
  /** The submission with every deployment's releaseId, service and version filled in where known. */
  readonly events: readonly IncomingEvent[];
  /** Releases to create implicitly, placed before the first event that needs them. */
  readonly implicit: readonly IncomingEvent[];
  /** Releases first seen in this submission: the store indexes them by id and by (service, version). */
  readonly newReleases: readonly (ReleaseFacts & { readonly createdAt: string | undefined })[];
  /** Facts of the deployments this submission writes, as they stand after it. */
  readonly deployments: ReadonlyMap<string, DeploymentFacts>;
  /** Events refused; when any is, the submission must be stored not at all. */
  readonly refusals: readonly Refusal[];
}

/**
 * A deployment names its release by id or by (service, version); the stored event always carries all
 * three so later readers (gates, DORA) never have to join, and the release catalogue wins over what the
 * client sent. A deployment of an artifact with no known release creates the release implicitly (see
 * `implicitReleaseId`). Refused, so gates and DORA never judge a deployment by a false claim: a service
 * or version that contradicts the named release, a release, service or environment other than the
 * deployment's earlier events gave, a `rollbackOf` that names no earlier success of the same service
 * and environment, and a release id already held by another release.
 */
export function resolveReleases(
  events: readonly IncomingEvent[],
  catalog: ReleaseCatalog,
  knownDeployments: ReadonlyMap<string, DeploymentFacts> = new Map(),
): ResolvedReleases {
  const byId = new Map(catalog.byId);
  const byServiceVersion = new Map(catalog.byServiceVersion);
  const deployments = new Map(knownDeployments);
  const written = new Map<string, DeploymentFacts>();
  const implicit: IncomingEvent[] = [];
  const newReleases: (ReleaseFacts & { createdAt: string | undefined })[] = [];
  const refusals: Refusal[] = [];
  const refuse = (
    event: IncomingEvent,
    field: string,
    message: string,
    kind: Refusal['kind'] = 'invalid',
  ) => {
    refusals.push({ event, kind, path: ['data', field], message });
    return event;
  };
  const remember = (facts: ReleaseFacts, createdAt: string | undefined) => {
    const key = releaseKey(facts.service, facts.version);
    if (byId.has(facts.releaseId)) return;
    byId.set(facts.releaseId, facts);
    if (!byServiceVersion.has(key)) byServiceVersion.set(key, facts.releaseId);
    newReleases.push({ ...facts, createdAt });
  };

  const resolveRelease = (event: IncomingEvent): IncomingEvent => {
    const data = event.data as Record<string, unknown>;
    const releaseId = typeof data.releaseId === 'string' ? data.releaseId : undefined;
    if (releaseId !== undefined) {
      const facts = byId.get(releaseId);
      if (!facts) return event;
      for (const field of ['service', 'version'] as const) {
        if (data[field] !== undefined && data[field] !== facts[field]) {
          return refuse(
            event,
            field,
            `release ${releaseId} is ${facts.service} ${facts.version}; this deployment says ${field} ${String(data[field])}`,
          );
        }
      }
      return withData(event, { ...data, service: facts.service, version: facts.version });
    }
    const service = String(data.service);
    const version = String(data.version);
    const known = byServiceVersion.get(releaseKey(service, version));
    if (known !== undefined) return withData(event, { ...data, releaseId: known });
    const id = implicitReleaseId(service, version);
    const holder = byId.get(id);
    if (holder && (holder.service !== service || holder.version !== version)) {
      return refuse(
        event,
        'releaseId',
        `the release id ${id} this deployment's release would get belongs to ${holder.service} ${holder.version}; create the release with release.created under another id and deploy it by releaseId`,
        'taken',
      );
    }
    if (!holder) {
      const created = implicitRelease(id, service, version, event.occurredAt);
      implicit.push(created);
      remember({ releaseId: id, service, version }, event.occurredAt);
    }
    return withData(event, { ...data, releaseId: id });
  };

  /** Checks a resolved deployment event against its deployment's earlier events and its rollback target. */
  const checkDeployment = (original: IncomingEvent, event: IncomingEvent): boolean => {
    const data = event.data as Record<string, unknown>;
    const deploymentId = String(data.deploymentId);
    const releaseId = String(data.releaseId);
    const service = typeof data.service === 'string' ? data.service : null;
    const environment = String(data.environment);
    const earlier = deployments.get(deploymentId);
    if (earlier && earlier.releaseId !== releaseId) {
      refuse(
        original,
        'releaseId',
        `deployment ${deploymentId} is of release ${earlier.releaseId}, not ${releaseId}`,
      );
      return false;
    }
    if (earlier && earlier.environment !== environment) {
      refuse(
        original,
        'environment',
        `deployment ${deploymentId} is to ${earlier.environment}, not ${environment}; use a new deploymentId`,
      );
      return false;
    }
    if (earlier?.service && service && earlier.service !== service) {
      refuse(original, 'service', `deployment ${deploymentId} is of ${earlier.service}, not ${service}`);
      return false;
    }
    const { rollbackOf } = data;
    if (typeof rollbackOf === 'string') {
      const target = rollbackOf === deploymentId ? undefined : deployments.get(rollbackOf);
      if (!target?.succeeded || target.service !== service || target.environment !== environment) {
        refuse(
          original,
          'rollbackOf',
          `rollbackOf must name an earlier successful deployment of ${service ?? 'this service'} in ${environment}; ${rollbackOf} is not one`,
        );
        return false;
      }
    }
    const facts: DeploymentFacts = {
      releaseId,
      service: service ?? earlier?.service ?? null,
      environment,
      succeeded: (earlier?.succeeded ?? false) || finishesDeployment(event.type, data),
    };
    deployments.set(deploymentId, facts);
    written.set(deploymentId, facts);
    return true;
  };

  const resolved = events.map((event) => {
    const data = event.data as Record<string, unknown>;
    if (event.type === 'release.created') {
      const facts = {
        releaseId: String(data.releaseId),
        service: String(data.service),
        version: String(data.version),
      };
      const holder = byId.get(facts.releaseId);
      if (holder && (holder.service !== facts.service || holder.version !== facts.version)) {
        return refuse(
          event,
          'releaseId',
          `release ${facts.releaseId} is already ${holder.service} ${holder.version}`,
          'taken',
        );
      }
      const pair = implicitPairOf(facts.releaseId);
      if (pair && (pair.service !== facts.service || pair.version !== facts.version)) {
        return refuse(
          event,
          'releaseId',
          `${facts.releaseId} is the id the ledger gives the release of ${pair.service} ${pair.version}; choose another`,
        );
      }
      remember(facts, event.occurredAt);
      return event;
    }
    if (!event.type.startsWith('deployment.')) return event;
    const before = refusals.length;
    const withRelease = resolveRelease(event);
    if (refusals.length > before) return event;
    checkDeployment(event, withRelease);
    return withRelease;
  });
  return { events: resolved, implicit, newReleases, deployments: written, refusals };
}

function withData(event: IncomingEvent, data: Record<string, unknown>): IncomingEvent {
  return { ...event, data };
}

function implicitRelease(
  releaseId: string,
  service: string,
  version: string,
  occurredAt: string | undefined,
): IncomingEvent {
  const data = { releaseId, service, version, implicit: true };
  return {
    source: LEDGER_SOURCE,
    id: `implicit-release:${releaseId}`,
    type: 'release.created',
    occurredAt,
    data,
    original: { format: 'derived', payload: null },
    payloadHash: sha256Hex(canonicalJson(data)),
  };
}

/** Current versions of the streams and of the tenant ledger, as read before planning. */
export interface AppendState {
  readonly ledgerHead: ChainHead | undefined;
  /** Missing streams have never been written (version 0). */
  readonly streamVersions: ReadonlyMap<StreamName, number>;
}

export interface PlannedEntry {
  readonly envelope: LedgerEnvelope;
  /** Canonical JSON of the envelope: stored verbatim, hashed as is. */
  readonly body: string;
  readonly eventHash: string;
  readonly chainHash: string;
  readonly idempotencyKey: string;
  readonly payloadHash: string;
  readonly result: AppendResult;
}

export interface StreamHeadChange {
  readonly stream: StreamName;
  /** 0 when the stream does not exist yet. */
  readonly expectedVersion: number;
  readonly nextVersion: number;
}

export interface AppendPlan {
  readonly entries: readonly PlannedEntry[];
  readonly streamHeads: readonly StreamHeadChange[];
  readonly ledgerHead: { readonly expected: ChainHead | undefined; readonly next: ChainHead };
}

/** Every stream an ordered list of events touches (own streams and links). */
export function streamsTouched(events: readonly IncomingEvent[]): StreamName[] {
  return [...new Set(events.flatMap((event) => streamsOf(event)))];
}

/**
 * Places events at the end of the tenant ledger: consecutive seqs, next stream versions, chained
 * hashes. Pure: the store turns the plan into one conditional transaction on the state it was made from.
 */
export function planAppend(
  tenant: string,
  events: readonly IncomingEvent[],
  state: AppendState,
  recordedAt: string,
): AppendPlan {
  const versions = new Map(state.streamVersions);
  const startVersions = new Map<StreamName, number>();
  let seq = state.ledgerHead?.seq ?? 0;
  let previousHash = state.ledgerHead?.chainHash ?? GENESIS_HASH;

  const nextPosition = (stream: StreamName): StreamPosition => {
    const current = versions.get(stream) ?? 0;
    if (!startVersions.has(stream)) startVersions.set(stream, current);
    versions.set(stream, current + 1);
    return { stream, version: current + 1 };
  };

  const entries = events.map((event): PlannedEntry => {
    seq += 1;
    const [own, ...linked] = streamsOf(event);
    const position = nextPosition(own);
    const envelope: LedgerEnvelope = {
      tenant,
      seq,
      stream: position.stream,
      version: position.version,
      links: linked.map(nextPosition),
      type: event.type,
      source: event.source,
      id: event.id,
      occurredAt: event.occurredAt ?? recordedAt,
      recordedAt,
      data: event.data,
      original: event.original,
    };
    const body = canonicalJson(envelope);
    const hashOfEvent = eventHash(body);
    const linkHash = chainHash(previousHash, seq, hashOfEvent);
    previousHash = linkHash;
    return {
      envelope,
      body,
      eventHash: hashOfEvent,
      chainHash: linkHash,
      idempotencyKey: idempotencyKey(event.source, event.id),
      payloadHash: event.payloadHash,
      result: {
        id: event.id,
        source: event.source,
        type: event.type,
        seq,
        stream: position.stream,
        version: position.version,
        hash: linkHash,
        eventHash: hashOfEvent,
        recordedAt,
      },
    };
  });

  const streamHeads = [...startVersions].map(([stream, expectedVersion]) => ({
    stream,
    expectedVersion,
    nextVersion: versions.get(stream) ?? expectedVersion,
  }));
  return {
    entries,
    streamHeads,
    ledgerHead: { expected: state.ledgerHead, next: { seq, chainHash: previousHash } },
  };
}
