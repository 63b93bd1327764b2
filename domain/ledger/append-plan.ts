import { canonicalJson } from './canonical-json.ts';
import { type ChainHead, chainHash, eventHash, GENESIS_HASH, sha256Hex } from './hash-chain.ts';
import type {
  AppendResult,
  IncomingEvent,
  LedgerEnvelope,
  StreamName,
  StreamPosition,
} from './ledger-event.ts';
import { streamsOf } from './streams.ts';

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
    }
  }
  return { ids: [...ids], serviceVersions: [...pairs.values()] };
}

function refersToRelease(event: IncomingEvent): boolean {
  return event.type === 'release.created' || event.type.startsWith('deployment.');
}

export interface ResolvedReleases {
  /** The submission with every deployment's releaseId, service and version filled in where known. */
  readonly events: readonly IncomingEvent[];
  /** Releases to create implicitly, placed before the first event that needs them. */
  readonly implicit: readonly IncomingEvent[];
  /** Releases first seen in this submission: the store indexes them by id and by (service, version). */
  readonly newReleases: readonly (ReleaseFacts & { readonly createdAt: string | undefined })[];
}

/**
 * A deployment names its release by id or by (service, version); the stored event always carries all
 * three so later readers (gates, DORA) never have to join. A deployment of an artifact with no known
 * release creates the release implicitly, with the id `service@version`.
 */
export function resolveReleases(events: readonly IncomingEvent[], catalog: ReleaseCatalog): ResolvedReleases {
  const byId = new Map(catalog.byId);
  const byServiceVersion = new Map(catalog.byServiceVersion);
  const implicit: IncomingEvent[] = [];
  const newReleases: (ReleaseFacts & { createdAt: string | undefined })[] = [];
  const remember = (facts: ReleaseFacts, createdAt: string | undefined) => {
    const key = releaseKey(facts.service, facts.version);
    if (byId.has(facts.releaseId)) return;
    byId.set(facts.releaseId, facts);
    if (!byServiceVersion.has(key)) byServiceVersion.set(key, facts.releaseId);
    newReleases.push({ ...facts, createdAt });
  };

  const resolved = events.map((event) => {
    const data = event.data as Record<string, unknown>;
    if (event.type === 'release.created') {
      remember(
        { releaseId: String(data.releaseId), service: String(data.service), version: String(data.version) },
        event.occurredAt,
      );
      return event;
    }
    if (!event.type.startsWith('deployment.')) return event;
    const releaseId = typeof data.releaseId === 'string' ? data.releaseId : undefined;
    if (releaseId !== undefined) {
      const facts = byId.get(releaseId);
      return facts ? withData(event, { service: facts.service, version: facts.version, ...data }) : event;
    }
    const service = String(data.service);
    const version = String(data.version);
    const known = byServiceVersion.get(releaseKey(service, version));
    if (known !== undefined) return withData(event, { ...data, releaseId: known });
    const created = implicitRelease(service, version, event.occurredAt);
    implicit.push(created);
    remember({ releaseId: String(created.data.releaseId), service, version }, event.occurredAt);
    return withData(event, { ...data, releaseId: created.data.releaseId });
  });
  return { events: resolved, implicit, newReleases };
}

function withData(event: IncomingEvent, data: Record<string, unknown>): IncomingEvent {
  return { ...event, data };
}

function implicitRelease(service: string, version: string, occurredAt: string | undefined): IncomingEvent {
  const releaseId = `${service}@${version}`;
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
