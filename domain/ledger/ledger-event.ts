import type { DecisionEventType } from '../events/decision-events.ts';
import type { NativeEventType } from '../events/native-events.ts';

/** Every type the ledger stores: what clients post, and the decisions the ledger makes itself. */
export type LedgerEventType = NativeEventType | DecisionEventType;

/**
 * The format an event arrived in; kept so auditors can see how it was submitted. `api`: the body of a
 * ledger route other than ingest (a gate evaluation), as `{route, body}`.
 */
export type IngestFormat = 'cloudevent' | 'cdevent' | 'webhook' | 'derived' | 'api';

/** An event accepted by ingest and normalised onto a native type, not yet placed in the ledger. */
export interface IncomingEvent {
  readonly source: string;
  readonly id: string;
  readonly type: LedgerEventType;
  /** Occurrence time as the producer stated it (CloudEvents `time`), if it did. */
  readonly occurredAt?: string | undefined;
  readonly subject?: string | undefined;
  readonly data: Readonly<Record<string, unknown>>;
  /** The payload exactly as received (the CloudEvent or CDEvent as JSON), stored verbatim. */
  readonly original: { readonly format: IngestFormat; readonly payload: unknown };
  /** Identifies the payload for idempotency: a replay must carry the same hash. */
  readonly payloadHash: string;
}

/** A stream is one aggregate's history: `release/r-1`, `deployment/d-9`. */
export type StreamType =
  | 'release'
  | 'deployment'
  | 'incident'
  | 'change'
  | 'artifact'
  | 'policy'
  | 'service'
  // The delivery lifecycle (issue 18): see `streamsOf` in streams.ts.
  | 'branch'
  | 'repository'
  | 'build'
  | 'pipeline'
  | 'task'
  | 'testcase'
  | 'testsuite'
  | 'testoutput'
  | 'environment'
  | 'ticket'
  | 'cdevent'
  /** Alerts of one alert id (issue 19): its firings and resolutions. */
  | 'alert'
  /** A feature flag's exposures (issue 20), and the exposures naming a service version (`feature/<service@version>`). */
  | 'flag'
  | 'feature'
  /** Events that share a CDEvents `context.chainId` (linking without a releaseId). */
  | 'chain'
  /** A gate evaluation asked through `POST /v1/gates/evaluations`: its request and decision. */
  | 'evaluation';
export type StreamName = `${StreamType}/${string}`;

export interface StreamPosition {
  readonly stream: StreamName;
  readonly version: number;
}

/** The envelope stored (as canonical JSON) for every ledger entry; this is exactly what is hashed. */
export interface LedgerEnvelope {
  readonly tenant: string;
  readonly seq: number;
  readonly stream: StreamName;
  readonly version: number;
  /** Other streams this event belongs to (a deployment also belongs to its release's history). */
  readonly links: readonly StreamPosition[];
  readonly type: LedgerEventType;
  readonly source: string;
  readonly id: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly original: { readonly format: IngestFormat; readonly payload: unknown };
}

/** What a client is told about an appended event (and told again, verbatim, on a replay). */
export interface AppendResult {
  readonly id: string;
  readonly source: string;
  readonly type: LedgerEventType;
  readonly seq: number;
  readonly stream: StreamName;
  readonly version: number;
  /** The chain hash at this event: it commits to this event and everything before it. */
  readonly hash: string;
  readonly eventHash: string;
  readonly recordedAt: string;
}

/** A stored ledger entry as read back: the envelope plus the hashes kept beside it. */
export interface LedgerEntry {
  readonly seq: number;
  readonly body: string;
  readonly eventHash: string;
  readonly chainHash: string;
}

export interface StoredEvent extends LedgerEnvelope {
  readonly hash: string;
  readonly eventHash: string;
}
