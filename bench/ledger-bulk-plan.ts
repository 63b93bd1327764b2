import {
  type AppendPlan,
  checkDuplicates,
  type DeploymentFacts,
  deploymentLookups,
  type IdempotencyRecord,
  idempotencyKey,
  planAppend,
  type ReleaseFacts,
  releaseKey,
  releaseLookups,
  resolveReleases,
  streamsTouched,
} from '../domain/ledger/append-plan.ts';
import type { ChainHead } from '../domain/ledger/hash-chain.ts';
import type { IncomingEvent, StoredEvent, StreamName } from '../domain/ledger/ledger-event.ts';
import { type LedgerWrite, ledgerWrites } from '../functions/adapters/ledger-writes.ts';

export interface PlannedAppend {
  readonly writes: readonly LedgerWrite[];
  /** The events as the ledger will hold them (what `readLedger` gives back). */
  readonly stored: readonly StoredEvent[];
}

/**
 * The append path without DynamoDB, for loading a history nobody else writes to: the same steps as
 * `DynamoDbEventStore.tryAppend` (duplicates, release resolution, `planAppend`, `ledgerWrites`), fed
 * from state kept in memory instead of read back from the state table. The snapshot handed to each
 * step holds only what the store would have read for that submission, so plans are the same.
 */
export class LedgerBulkPlanner {
  private ledgerHead: ChainHead | undefined;
  private readonly streamVersions = new Map<StreamName, number>();
  private readonly releasesById = new Map<string, ReleaseFacts>();
  private readonly releaseByServiceVersion = new Map<string, string>();
  private readonly records = new Map<string, IdempotencyRecord>();
  private readonly deployments = new Map<string, DeploymentFacts>();

  constructor(
    private readonly tenant: string,
    private readonly clock: () => Date,
  ) {}

  /** Plans one submission, exactly as one `appendEvents` call would, and moves the state on. */
  append(events: readonly IncomingEvent[]): PlannedAppend {
    const keys = events.map((event) => idempotencyKey(event.source, event.id));
    const stored = new Map(keys.flatMap((key) => this.recordOf(key)));
    const duplicates = checkDuplicates(events, stored);
    if (duplicates.conflicts.length > 0) throw new Error('a synthetic history reused an event identity');
    if (duplicates.fresh.length === 0) return { writes: [], stored: [] };

    const lookups = releaseLookups(events);
    const catalog = {
      byId: new Map(lookups.ids.flatMap((id) => this.releaseOf(id))),
      byServiceVersion: new Map(
        lookups.serviceVersions.flatMap(({ service, version }) => {
          const key = releaseKey(service, version);
          const id = this.releaseByServiceVersion.get(key);
          return id === undefined ? [] : [[key, id] as const];
        }),
      ),
    };
    const known = new Map(
      deploymentLookups(duplicates.fresh).flatMap((id) => {
        const facts = this.deployments.get(id);
        return facts ? [[id, facts] as const] : [];
      }),
    );
    const resolved = resolveReleases(duplicates.fresh, catalog, known);
    const [refused] = resolved.refusals;
    if (refused) throw new Error(`a synthetic history has an event the store refuses: ${refused.message}`);
    const toAppend = [...resolved.implicit, ...resolved.events];
    const streamVersions = new Map(
      streamsTouched(toAppend).flatMap((stream) => {
        const version = this.streamVersions.get(stream);
        return version === undefined ? [] : [[stream, version] as const];
      }),
    );
    const plan = planAppend(
      this.tenant,
      toAppend,
      { ledgerHead: this.ledgerHead, streamVersions },
      this.clock().toISOString(),
    );
    for (const [id, facts] of resolved.deployments) this.deployments.set(id, facts);
    const writes = ledgerWrites(this.tenant, plan, resolved.newReleases, catalog, this.deployments);
    this.remember(plan, resolved.newReleases);
    return {
      writes,
      stored: plan.entries.map((entry) => ({
        ...entry.envelope,
        hash: entry.chainHash,
        eventHash: entry.eventHash,
      })),
    };
  }

  private recordOf(key: string): [string, IdempotencyRecord][] {
    const record = this.records.get(key);
    return record ? [[key, record]] : [];
  }

  private releaseOf(id: string): [string, ReleaseFacts][] {
    const facts = this.releasesById.get(id);
    return facts ? [[id, facts]] : [];
  }

  /** What the transaction would have committed: the heads, the records and the catalogue. */
  private remember(plan: AppendPlan, newReleases: readonly ReleaseFacts[]): void {
    this.ledgerHead = plan.ledgerHead.next;
    for (const head of plan.streamHeads) this.streamVersions.set(head.stream, head.nextVersion);
    for (const entry of plan.entries) {
      this.records.set(entry.idempotencyKey, { payloadHash: entry.payloadHash, result: entry.result });
    }
    for (const release of newReleases) {
      const facts = { releaseId: release.releaseId, service: release.service, version: release.version };
      this.releasesById.set(release.releaseId, facts);
      const key = releaseKey(release.service, release.version);
      if (!this.releaseByServiceVersion.has(key)) this.releaseByServiceVersion.set(key, release.releaseId);
    }
  }
}
