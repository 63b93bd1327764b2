import { type DoraDefinitions, definitionsVersion } from '../../domain/dora/definitions.ts';
import { type ProjectionLoader, projectBatch } from '../../domain/dora/projection.ts';
import { keyId } from '../../domain/dora/projection-store.ts';
import type { EventStore } from '../../domain/ports/event-store.ts';
import {
  type DoraCheckpoint,
  DoraDocumentTooLargeError,
  type DynamoDbDoraStore,
} from '../adapters/dynamodb-dora-store.ts';

export interface CatchUpDeps {
  readonly eventStore: EventStore;
  readonly doraStore: DynamoDbDoraStore;
  readonly definitions: DoraDefinitions;
  readonly now: () => number;
  /** Stop starting new batches after this instant (ms); the next nudge continues. */
  readonly deadline: number;
  /** What this process remembers from its earlier runs (see `catchUpMemory`); none reads everything. */
  readonly memory?: CatchUpMemory;
}

/**
 * What a process that ran the projector before may assume instead of reading: the checkpoints it
 * committed, and the versions it saw active. A remembered checkpoint is only a guess: the commit is
 * conditional on the stored checkpoint, so a stale guess loses the commit ('moved'), is forgotten, and
 * the run re-reads. Per nudge this leaves one ledger Query and one write, instead of reading the
 * checkpoint, the ledger and the active version twice over.
 */
export interface CatchUpMemory {
  readonly checkpoints: Map<string, number>;
  readonly active: Set<string>;
}

export function catchUpMemory(): CatchUpMemory {
  return { checkpoints: new Map(), active: new Set() };
}

export interface CatchUpResult {
  readonly version: string;
  readonly seq: number;
  readonly batches: number;
  readonly caughtUp: boolean;
}

/** Ledger events read per batch; a batch whose writes exceed one transaction is halved. */
const PAGE = 100;
const LEASE_MS = 120_000;

/**
 * Brings a tenant's DORA projection (of the current definitions version) up to the ledger head: read
 * after the checkpoint in seq order, fold, write documents and the new checkpoint in one conditional
 * transaction. Losing a race to another run only means re-reading its checkpoint. Once caught up, the
 * version becomes the one queries read, so a rebuilt version replaces the old one only when complete.
 */
export async function catchUp(tenant: string, deps: CatchUpDeps): Promise<CatchUpResult> {
  const { eventStore, doraStore, definitions } = deps;
  const version = definitionsVersion(definitions);
  const memoryKey = `${tenant}\u0000${version}`;
  const remembered = deps.memory?.checkpoints;
  // Queries read the version marked active; it is marked once, when it first catches up.
  const caughtUpAt = async (seq: number): Promise<CatchUpResult> => {
    if (!deps.memory?.active.has(memoryKey)) {
      const active = await doraStore.activeVersion(tenant);
      if (active?.version !== version) await doraStore.activate(tenant, version, seq);
      deps.memory?.active.add(memoryKey);
    }
    return { version, seq, batches, caughtUp: true };
  };
  let batches = 0;
  let size = PAGE;
  for (;;) {
    const guess = remembered?.get(memoryKey);
    const checkpoint: DoraCheckpoint =
      guess === undefined
        ? await doraStore.checkpoint(tenant, version)
        : { seq: guess, lease: undefined, leaseUntil: undefined, quarantinedCount: 0, quarantined: [] };
    if (checkpoint.lease) {
      if ((checkpoint.leaseUntil ?? 0) > deps.now()) {
        return { version, seq: checkpoint.seq, batches, caughtUp: false };
      }
      // A run died writing in parts: no fold may start from its half-written documents.
      await doraStore.recover(tenant, version, checkpoint, deps.now(), LEASE_MS);
      remembered?.delete(memoryKey);
      continue;
    }
    const page = await eventStore.readLedger(tenant, checkpoint.seq, size);
    if (page.events.length === 0) return caughtUpAt(checkpoint.seq);
    if (deps.now() > deps.deadline) return { version, seq: checkpoint.seq, batches, caughtUp: false };
    let events = page.events;
    let outcome: 'committed' | 'moved';
    // A halved batch reads a subset of the documents the whole one did: keep them rather than reload.
    const load = loadOnce((keys) => doraStore.load(tenant, version, keys));
    for (;;) {
      const { changes } = await projectBatch(events, definitions, load);
      const to = events.at(-1)?.seq ?? checkpoint.seq;
      let items: ReturnType<DynamoDbDoraStore['writeItems']>;
      try {
        items = doraStore.writeItems(tenant, version, changes);
      } catch (error) {
        if (!(error instanceof DoraDocumentTooLargeError)) throw error;
        const [only] = events;
        if (events.length === 1 && only) {
          // Halved down to the one event whose fold cannot be stored: step over it, recorded.
          outcome = await doraStore.quarantine(tenant, version, checkpoint.seq, only, error);
          break;
        }
        events = events.slice(0, Math.ceil(events.length / 2));
        continue;
      }
      const fits = doraStore.fitsOneTransaction(items);
      if (fits || events.length === 1) {
        await doraStore.addToIndexes(tenant, version, changes);
        outcome = fits
          ? await doraStore.commit(tenant, version, items, checkpoint.seq, to)
          : await doraStore.commitInParts(tenant, version, changes, checkpoint.seq, to, deps.now(), LEASE_MS);
        break;
      }
      events = events.slice(0, Math.ceil(events.length / 2));
    }
    if (outcome === 'moved') {
      remembered?.delete(memoryKey);
      continue;
    }
    batches += 1;
    const to = events.at(-1)?.seq ?? checkpoint.seq;
    remembered?.set(memoryKey, to);
    // The whole page was folded and the ledger had nothing after it when read: caught up as of that
    // read. Whatever was appended since nudges the projector again.
    if (events.length === page.events.length && page.next === undefined) return caughtUpAt(to);
    // Busy days make a page's writes outgrow one transaction, and every halving costs a whole fold.
    // Start the next page at the size that fitted, growing back by a quarter as days get quieter.
    size = Math.min(PAGE, Math.ceil(events.length * 1.25));
  }
}

/** A loader that reads each key from storage at most once, handing out copies of what it read. */
function loadOnce(load: ProjectionLoader): ProjectionLoader {
  const read = new Map<string, unknown>();
  return async (keys) => {
    const unread = keys.filter((key) => !read.has(keyId(key)));
    if (unread.length > 0) {
      const found = await load(unread);
      for (const key of unread) read.set(keyId(key), found.get(keyId(key)));
    }
    const answer = new Map<string, unknown>();
    for (const key of keys) {
      const doc = read.get(keyId(key));
      if (doc !== undefined) answer.set(keyId(key), structuredClone(doc));
    }
    return answer;
  };
}
