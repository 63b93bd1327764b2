import {
  type AppendPlan,
  type DeploymentFacts,
  type ReleaseCatalog,
  type ReleaseFacts,
  releaseKey,
} from '../../domain/ledger/append-plan.ts';
import { EventTooLargeError } from '../../domain/ports/event-store.ts';
import { EventItemKind, eventKeys, HEAD_INDEX, stateKeys } from './ledger-tables.ts';

/** DynamoDB caps an item at 400 KB (names and values); the margin is for the item's other attributes. */
const MAX_ITEM_BYTES = 390 * 1024;

export type LedgerTable = 'events' | 'state';
type Item = Record<string, unknown>;

/**
 * One item an append stores, and what must hold for it to be stored. The append path turns these into
 * one conditional transaction; the bench's bulk loader writes the same items unconditionally. Both take
 * them from here, so the two can never write different formats.
 */
export type LedgerWrite =
  /** A new item; `ifAbsent` makes it immutable (entries, pointers, records, the release catalogue). */
  | { readonly kind: 'put'; readonly table: LedgerTable; readonly item: Item; readonly ifAbsent: boolean }
  /**
   * A head moving on: sets `values` on the item at `key` when it still holds `expected` (or, with
   * `expected` undefined, when it does not exist yet). After the write the item is key + values.
   */
  | {
      readonly kind: 'set';
      readonly table: LedgerTable;
      readonly key: { readonly pk: string; readonly sk: string };
      readonly values: Item;
      readonly expected: Item | undefined;
    };

/** Every item an append plan stores, in the order the transaction lists them. */
export function ledgerWrites(
  tenant: string,
  plan: AppendPlan,
  newReleases: readonly (ReleaseFacts & { createdAt: string | undefined })[],
  catalog: ReleaseCatalog,
  deployments: ReadonlyMap<string, DeploymentFacts> = new Map(),
): LedgerWrite[] {
  const writes: LedgerWrite[] = [];
  const put = (table: LedgerTable, item: Item, ifAbsent = true) =>
    writes.push({ kind: 'put', table, item, ifAbsent });
  for (const entry of plan.entries) {
    const { envelope } = entry;
    if (Buffer.byteLength(entry.body) + 1024 > MAX_ITEM_BYTES) {
      throw new EventTooLargeError(
        `event (${envelope.source}, ${envelope.id}) would be stored as ${Buffer.byteLength(entry.body)} bytes, ` +
          `over DynamoDB's 400 KB item limit (the original payload is kept beside the normalised one)`,
      );
    }
    put('events', {
      pk: eventKeys.ledger(tenant),
      sk: envelope.seq,
      kind: EventItemKind.entry,
      tenant,
      type: envelope.type,
      stream: envelope.stream,
      version: envelope.version,
      source: envelope.source,
      ceId: envelope.id,
      occurredAt: envelope.occurredAt,
      recordedAt: envelope.recordedAt,
      body: entry.body,
      eventHash: entry.eventHash,
      chainHash: entry.chainHash,
    });
    for (const position of [{ stream: envelope.stream, version: envelope.version }, ...envelope.links]) {
      put('events', {
        pk: eventKeys.stream(tenant, position.stream),
        sk: position.version,
        kind: EventItemKind.pointer,
        seq: envelope.seq,
        type: envelope.type,
      });
    }
    put('state', {
      ...stateKeys.idempotency(tenant, entry.idempotencyKey),
      payloadHash: entry.payloadHash,
      result: entry.result,
    });
  }
  for (const head of plan.streamHeads) {
    // A deployment's head also keeps what its events established (every known fact on every write, so
    // the item stays key + values), and the next event is checked against it in the same read; the
    // head's version condition keeps the two consistent.
    const facts = head.stream.startsWith('deployment/')
      ? deployments.get(head.stream.slice('deployment/'.length))
      : undefined;
    writes.push({
      kind: 'set',
      table: 'state',
      key: stateKeys.streamHead(tenant, head.stream),
      values: { version: head.nextVersion, ...(facts ?? {}) },
      expected: head.expectedVersion === 0 ? undefined : { version: head.expectedVersion },
    });
  }
  const expectedHead = plan.ledgerHead.expected;
  writes.push({
    kind: 'set',
    table: 'state',
    key: stateKeys.ledgerHead(tenant),
    // The head index key rides on every head write, so a tenant's head enters the index on its next append.
    values: {
      seq: plan.ledgerHead.next.seq,
      chainHash: plan.ledgerHead.next.chainHash,
      [HEAD_INDEX.partition]: HEAD_INDEX.value,
    },
    expected: expectedHead ? { seq: expectedHead.seq, chainHash: expectedHead.chainHash } : undefined,
  });
  for (const item of releaseIndexItems(tenant, plan, newReleases, catalog)) put('state', item);
  for (const item of alarmIndexItems(tenant, plan)) put('state', item, false);
  for (const item of gateBypassIndexItems(tenant, plan)) put('state', item);
  return writes;
}

/** The release catalogue (by id, by service+version, newest-first lists) is written with the release. */
function releaseIndexItems(
  tenant: string,
  plan: AppendPlan,
  newReleases: readonly (ReleaseFacts & { createdAt: string | undefined })[],
  catalog: ReleaseCatalog,
): Item[] {
  const seqOfRelease = new Map(
    plan.entries
      .filter((entry) => entry.envelope.type === 'release.created')
      .map((entry) => [String(entry.envelope.data.releaseId), entry]),
  );
  const indexedPairs = new Set<string>();
  return newReleases.flatMap((release) => {
    const entry = seqOfRelease.get(release.releaseId);
    if (!entry) return [];
    // Normalised to UTC so the list's sort key orders by instant whatever offset the producer used.
    const createdAt = new Date(release.createdAt ?? entry.envelope.recordedAt).toISOString();
    const summary = {
      releaseId: release.releaseId,
      service: release.service,
      version: release.version,
      createdAt,
      seq: entry.envelope.seq,
    };
    const listKey = `${createdAt}#${String(entry.envelope.seq).padStart(12, '0')}`;
    const pairKey = releaseKey(release.service, release.version);
    const pairItems =
      catalog.byServiceVersion.has(pairKey) || indexedPairs.has(pairKey)
        ? []
        : [{ ...stateKeys.releaseByServiceVersion(tenant, pairKey), releaseId: release.releaseId }];
    indexedPairs.add(pairKey);
    return [
      { ...stateKeys.release(tenant, release.releaseId), ...summary },
      ...pairItems,
      { pk: stateKeys.releaseList(tenant), sk: listKey, ...summary },
      { pk: stateKeys.releaseListOfService(tenant, release.service), sk: listKey, ...summary },
    ];
  });
}

/**
 * A policy naming CloudWatch alarms is indexed by alarm name, because alarm events carry no tenant.
 * Entries are only ever added (so unconditionally); the rollback function re-checks the policy in force.
 */
function alarmIndexItems(tenant: string, plan: AppendPlan): Item[] {
  return plan.entries
    .filter((entry) => entry.envelope.type === 'policy.updated')
    .flatMap((entry) => {
      const data = entry.envelope.data as {
        service: string;
        environment: string;
        policy: { autoRollback?: { alarms?: string[] } };
      };
      return (data.policy.autoRollback?.alarms ?? []).map((alarm) => ({
        ...stateKeys.alarmSubscription(alarm, tenant, data.service, data.environment),
        tenant,
        service: data.service,
        environment: data.environment,
      }));
    });
}

/** Deployments that went ahead without a passed gate, newest first, for auditors. */
function gateBypassIndexItems(tenant: string, plan: AppendPlan): Item[] {
  return plan.entries
    .filter((entry) => entry.envelope.type === 'gate.bypassed')
    .map((entry) => {
      const { envelope } = entry;
      return {
        pk: stateKeys.gateBypassList(tenant),
        sk: `${envelope.recordedAt}#${String(envelope.seq).padStart(12, '0')}`,
        ...(envelope.data as Record<string, unknown>),
        recordedAt: envelope.recordedAt,
        seq: envelope.seq,
      };
    });
}
