import {
  type AppendPlan,
  type DeploymentFacts,
  deploymentLookups,
  type IdempotencyRecord,
  idempotencyKey,
  type ReleaseCatalog,
  type ReleaseFacts,
  releaseKey,
} from '../../domain/ledger/append-plan.ts';
import type { ChainHead } from '../../domain/ledger/hash-chain.ts';
import type { IncomingEvent, StreamName } from '../../domain/ledger/ledger-event.ts';
import { streamName } from '../../domain/ledger/streams.ts';

/** Streams remembered per tenant; past this the tenant's memory starts over (it is only a guess). */
const MAX_STREAMS = 20_000;
/** Idempotency records remembered per tenant, newest kept: retries come soon after the original. */
const MAX_RECORDS = 10_000;

interface TenantMemory {
  head: ChainHead;
  readonly streams: Map<StreamName, number>;
  readonly byId: Map<string, ReleaseFacts>;
  readonly byServiceVersion: Map<string, string>;
  readonly deployments: Map<string, DeploymentFacts>;
  readonly records: Map<string, IdempotencyRecord>;
}

/** What an append would otherwise read first, as this process last wrote it. */
export interface RememberedState {
  readonly records: ReadonlyMap<string, IdempotencyRecord>;
  readonly catalog: ReleaseCatalog;
  readonly deployments: ReadonlyMap<string, DeploymentFacts>;
  readonly ledgerHead: ChainHead;
  readonly streamVersions: ReadonlyMap<StreamName, number>;
}

/**
 * The ledger head, stream versions, release and deployment facts and newest idempotency records this process last
 * committed, so the next append can skip its read, and a retry of an event it stored is answered at once.
 * Every guess is guarded by the transaction's own conditions: the head must still be what was
 * remembered, a stream not remembered must not exist, an idempotency record must not exist.
 * When any of them fails the store forgets the tenant and does the full read, so a wrong guess costs one
 * cancelled transaction and never a wrong event. Release facts and idempotency records are immutable
 * once stored, so remembering them is exact.
 */
export class AppendMemory {
  private readonly tenants = new Map<string, TenantMemory>();

  /** Undefined when the append needs a read: nothing remembered, or a deployment names an unknown release. */
  recall(tenant: string, events: readonly IncomingEvent[]): RememberedState | undefined {
    const memory = this.tenants.get(tenant);
    if (!memory) return undefined;
    const resolvable = events.every((event) => {
      if (!event.type.startsWith('deployment.')) return true;
      const { releaseId, service, version } = event.data as Record<string, unknown>;
      if (typeof releaseId === 'string') return memory.byId.has(releaseId);
      return memory.byServiceVersion.has(releaseKey(String(service), String(version)));
    });
    if (!resolvable) return undefined;
    // A deployment stream this process knows of without knowing its facts needs them read.
    const judgeable = deploymentLookups(events).every(
      (id) => memory.deployments.has(id) || !memory.streams.has(streamName('deployment', id)),
    );
    if (!judgeable) return undefined;
    const records = new Map<string, IdempotencyRecord>();
    for (const event of events) {
      const key = idempotencyKey(event.source, event.id);
      const record = memory.records.get(key);
      if (record) records.set(key, record);
    }
    return {
      records,
      catalog: { byId: memory.byId, byServiceVersion: memory.byServiceVersion },
      deployments: memory.deployments,
      ledgerHead: memory.head,
      streamVersions: memory.streams,
    };
  }

  /** After a committed transaction: the head and stream versions it set, and every release it knew. */
  remember(
    tenant: string,
    plan: AppendPlan,
    catalog: ReleaseCatalog,
    created: readonly ReleaseFacts[],
    deployments: ReadonlyMap<string, DeploymentFacts> = new Map(),
  ): void {
    const previous = this.tenants.get(tenant);
    const memory: TenantMemory =
      previous && previous.streams.size < MAX_STREAMS
        ? previous
        : {
            head: plan.ledgerHead.next,
            streams: new Map(),
            byId: new Map(),
            byServiceVersion: new Map(),
            deployments: new Map(),
            records: new Map(),
          };
    memory.head = plan.ledgerHead.next;
    for (const head of plan.streamHeads) memory.streams.set(head.stream, head.nextVersion);
    for (const [id, facts] of catalog.byId) memory.byId.set(id, facts);
    for (const [key, id] of catalog.byServiceVersion) memory.byServiceVersion.set(key, id);
    for (const [id, facts] of deployments) memory.deployments.set(id, facts);
    for (const facts of created) {
      memory.byId.set(facts.releaseId, facts);
      const key = releaseKey(facts.service, facts.version);
      if (!memory.byServiceVersion.has(key)) memory.byServiceVersion.set(key, facts.releaseId);
    }
    for (const entry of plan.entries) {
      memory.records.set(entry.idempotencyKey, { payloadHash: entry.payloadHash, result: entry.result });
    }
    for (const key of memory.records.keys()) {
      if (memory.records.size <= MAX_RECORDS) break;
      memory.records.delete(key);
    }
    this.tenants.set(tenant, memory);
  }

  forget(tenant: string): void {
    this.tenants.delete(tenant);
  }
}
