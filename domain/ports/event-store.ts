import type { VerificationResult } from '../ledger/hash-chain.ts';
import type { AppendResult, IncomingEvent, StoredEvent, StreamName } from '../ledger/ledger-event.ts';

export interface AppendOutcome {
  /** `created` when at least one event was appended; `replayed` when every event was stored before. */
  readonly status: 'created' | 'replayed';
  /** One result per submitted event, in submission order (implicit releases are not listed). */
  readonly results: readonly AppendResult[];
}

export interface LedgerPage {
  readonly events: readonly StoredEvent[];
  /** The seq to pass as `after` for the next page; absent on the last page. */
  readonly next?: number | undefined;
}

/** A run of one stream's events, in stream order. */
export interface StreamPage {
  readonly events: readonly StoredEvent[];
  /** Each event's position in this stream (a linked event has its own version in its own stream). */
  readonly positions: readonly number[];
  /** The position to pass as `afterPosition` for the next page; absent on the last page. */
  readonly next?: number | undefined;
}

export interface ReleaseSummary {
  readonly releaseId: string;
  readonly service: string;
  readonly version: string;
  readonly createdAt: string;
  readonly seq: number;
}

/** A newest-first page of a list whose entries are ordered by time. */
export interface TimeWindowQuery {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface ReleaseQuery extends TimeWindowQuery {
  readonly service?: string | undefined;
}

export interface GateBypass {
  readonly deploymentId: string;
  readonly releaseId: string | null;
  readonly service: string | null;
  readonly environment: string;
  readonly gateStatus: string;
  readonly recordedAt: string;
  readonly seq: number;
}

export interface GateBypassPage {
  readonly bypasses: readonly GateBypass[];
  readonly next?: string | undefined;
}

export interface ReleasePage {
  readonly releases: readonly ReleaseSummary[];
  readonly next?: string | undefined;
}

/**
 * A caller whose bearer token was not re-read for this request (the authorizer remembered its grant):
 * the append stores nothing unless the token still exists with this tenant and role, checked in the
 * same transaction as the write, so a revoked token writes nothing from the moment it is revoked.
 */
export interface UnverifiedCaller {
  /** The SHA-256 of the token, the key its grant is stored under. */
  readonly tokenHash: string;
  readonly role: string;
  /**
   * The authorizer read the grant for this very request. The write still checks the token (it may be
   * revoked between that read and the write), but a replay or a conflict, which writes nothing, need
   * not read it again. @default false
   */
  readonly readForThisRequest?: boolean;
}

export interface AppendOptions {
  readonly unverifiedCaller?: UnverifiedCaller | undefined;
}

/** The append-only, hash-chained event log of every tenant. */
export interface EventStore {
  appendEvents(
    tenant: string,
    events: readonly IncomingEvent[],
    options?: AppendOptions,
  ): Promise<AppendOutcome>;
  readLedger(tenant: string, afterSeq: number, limit: number): Promise<LedgerPage>;
  readStream(tenant: string, stream: StreamName): Promise<readonly StoredEvent[]>;
  /** At most `limit` events of a stream after a position, for lists too large for one response. */
  readStreamPage(
    tenant: string,
    stream: StreamName,
    afterPosition: number,
    limit: number,
  ): Promise<StreamPage>;
  listReleases(tenant: string, query: ReleaseQuery): Promise<ReleasePage>;
  /** Deployments that started or succeeded without a passed gate (`gate.bypassed`), newest first. */
  listGateBypasses(tenant: string, query: TimeWindowQuery): Promise<GateBypassPage>;
  verifyLedger(tenant: string): Promise<VerificationResult>;
}

/** One submitted event whose (source, id) was already recorded with another payload. */
export interface IdempotencyConflict {
  readonly index: number;
  readonly source: string;
  readonly id: string;
  /** What was recorded under that identity, when the store knows it (the ledger checks its own decisions). */
  readonly stored?: AppendResult | undefined;
}

export class IdempotencyConflictError extends Error {
  readonly code = 'idempotency_conflict';
  constructor(readonly conflicts: readonly IdempotencyConflict[]) {
    super(
      `an event with the same (source, id) was already recorded with a different payload: ${conflicts
        .map((c) => `(${c.source}, ${c.id})`)
        .join(', ')}`,
    );
  }
}

export class StorageUnavailableError extends Error {
  readonly code = 'storage_unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The caller's token no longer grants what the request was authorised with (revoked since). */
export class CallerRevokedError extends Error {
  readonly code = 'unauthorized';
}

export class EventTooLargeError extends Error {
  readonly code = 'payload_too_large';
}

export class BatchTooLargeError extends Error {
  readonly code = 'batch_too_large';
}

/**
 * Events the ledger will not store because they contradict what it holds (a deployment's release, its
 * earlier events, the deployment a rollback names), or need a release id another release holds. Nothing
 * of the submission is stored.
 */
export class EventRefusedError extends Error {
  constructor(
    readonly issues: readonly {
      /** The event's position in the submission. */
      readonly index: number;
      readonly path: readonly string[];
      readonly message: string;
    }[],
    /** `release_id_taken` (409) when every refusal is a taken release id, else `validation_failed` (400). */
    readonly code: 'validation_failed' | 'release_id_taken',
  ) {
    super(issues.map((issue) => issue.message).join('; '));
  }
}

/** Storage holds an item the ledger's own heads say cannot exist: retrying cannot help. */
export class LedgerIntegrityError extends Error {
  readonly code = 'ledger_integrity';
}

/** A list cursor that this list could not have handed out (another list's, another window's, forged). */
export class InvalidCursorError extends Error {
  readonly code = 'invalid_cursor';
}
