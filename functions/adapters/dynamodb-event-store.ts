import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  type AppendPlan,
  checkDuplicates,
  type DeploymentFacts,
  type DuplicateCheck,
  deploymentFactsOf,
  deploymentLookups,
  type IdempotencyRecord,
  idempotencyKey,
  planAppend,
  type Refusal,
  type ReleaseCatalog,
  type ReleaseFacts,
  releaseKey,
  releaseLookups,
  resolveReleases,
  streamsTouched,
} from '../../domain/ledger/append-plan.ts';
import { canonicalJson } from '../../domain/ledger/canonical-json.ts';
import { type ChainHead, sha256Hex, type VerificationResult } from '../../domain/ledger/hash-chain.ts';
import type {
  AppendResult,
  IncomingEvent,
  StoredEvent,
  StreamName,
} from '../../domain/ledger/ledger-event.ts';
import { streamName } from '../../domain/ledger/streams.ts';
import {
  type AppendOptions,
  type AppendOutcome,
  BatchTooLargeError,
  CallerRevokedError,
  EventRefusedError,
  type EventStore,
  EventTooLargeError,
  type GateBypassPage,
  IdempotencyConflictError,
  InvalidCursorError,
  LedgerIntegrityError,
  type LedgerPage,
  type ReleasePage,
  type ReleaseQuery,
  StorageUnavailableError,
  type StreamPage,
  type TimeWindowQuery,
  type UnverifiedCaller,
} from '../../domain/ports/event-store.ts';
import { AppendMemory } from './append-memory.ts';
import { DynamoDbAppendInbox, LEASE_MS } from './dynamodb-append-inbox.ts';
import { dynamoDbValueBytes } from './dynamodb-item-size.ts';
import { DynamoDbLedgerEntries } from './dynamodb-ledger-entries.ts';
import { DynamoDbLedgerPages, toStoredEvent } from './dynamodb-ledger-pages.ts';
import { GroupCommit } from './group-commit.ts';
import { eventKeys, stateKeys } from './ledger-tables.ts';
import { verifyLedgerSnapshot } from './ledger-verification.ts';
import { type LedgerTable, type LedgerWrite, ledgerWrites } from './ledger-writes.ts';
import { callStorage, isRetryableStorageError } from './storage-errors.ts';

export interface DynamoDbEventStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly eventsTable: string;
  readonly stateTable: string;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** How long appends keep rebasing on a moving head before answering 503. @default 10_000 */
  readonly appendBudgetMs?: number;
  /**
   * Queue a tenant's appends inside this process and commit what queued up behind an append in flight
   * as one transaction (group commit). Lambda runs one request per container so this only matters where
   * one process serves many requests (the local runtime), where it also avoids pointless conditional-check
   * retries; correctness never depends on it, because the transaction's conditions still decide.
   * @default true
   */
  readonly serializeInProcess?: boolean;
  /**
   * What an append does once it lost the race for the tenant's ledger head to another process (another
   * Lambda container): 'inbox' leaves its submission in the tenant's inbox and from then on every writer
   * that tries appends all waiting submissions in one transaction, so concurrency becomes batching and
   * each writer finds its own appended or appends it; 'rebase' re-reads and retries alone, which under N
   * contending containers spends most transactions on conflicts. The first try is direct either way.
   * The inbox is opt-in (`LEDGER_APPEND_CONTENTION=inbox`) until its answers under storage faults are
   * reviewed: test/reliability/storage-faults.test.ts assumes every event of a transaction shares its fate.
   * @default 'rebase'
   */
  readonly contention?: ContentionStrategy;
}

export type ContentionStrategy = 'inbox' | 'rebase';

/** DynamoDB caps a transaction at 100 items and 4 MB. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
const BATCH_GET_LIMIT = 100;
/** Events one group commit takes: about what fits one transaction's 100 items (else it is split). */
const MAX_GROUP_EVENTS = 16;
/**
 * Bytes one group commit takes, estimated from its events before they are planned: well inside the 4 MB
 * a transaction may carry, since an event is stored with its stream pointers, record and heads beside it.
 * The planned transaction is measured again before it is sent, and split if the estimate fell short.
 */
const MAX_GROUP_BYTES = MAX_TRANSACTION_BYTES - 512 * 1024;
/** What an event's items add to its own JSON: the entry's other attributes, pointers, record, heads. */
const ITEM_OVERHEAD_BYTES = 2 * 1024;

/** One caller's events, and the caller to prove still authorised when its token was not re-read. */
interface Submission {
  readonly events: readonly IncomingEvent[];
  readonly caller: UnverifiedCaller | undefined;
  /** The estimated bytes its events add to a transaction (each is stored whole, original included). */
  readonly bytes: number;
  /** Its inbox item's key, when it waits in the tenant's inbox: the transaction appending it deletes it. */
  readonly inbox?: string | undefined;
}

/** A submission goes through the inbox only when one item (400 KB) holds it with room to spare. */
const MAX_INBOX_BYTES = 300 * 1024;
/**
 * Events one inbox round appends: each brings its entry, pointers, idempotency record, stream head and
 * inbox delete, so this keeps the transaction well inside 100 items (a larger one is halved).
 */
const MAX_INBOX_EVENTS = 16;
/**
 * After a conflict on a tenant, this container's next appends to it skip the direct try for this long:
 * under sustained contention the try would only cost a cancelled transaction and cancel the inbox
 * round it collided with. A lone writer never conflicts, so its path stays the direct one.
 */
const CONTENDED_MS = 1_000;
/**
 * How long the sequencer goes on appending others' submissions once its own is in: a handful of rounds,
 * so the lease changes hands (costing the waiting writers a look to notice) a few times a second,
 * while the holder's own answer is delayed by no more than this.
 */
const LEAD_ON_MS = 500;

/**
 * What a transaction says about the tenant's sequencer lease: 'yield' (a direct try, standing back while
 * a lease is live), the holder's round (rewriting the lease with its round time; it fails once another
 * writer holds the lease), or nothing (the rebase strategy).
 */
type SequencerGuard = 'yield' | { readonly owner: string; readonly roundMs: number } | undefined;

/** An inbox submission's answer that may only be given once its writer has taken its item back. */
type InboxAnswer = { readonly withdrawThen: () => AppendOutcome | Promise<AppendOutcome> };

function isRetryableFailure(error: unknown): boolean {
  return error instanceof StorageUnavailableError || isRetryableStorageError(error);
}

function submissionBytes(events: readonly IncomingEvent[]): number {
  return events.reduce(
    (sum, event) => sum + Buffer.byteLength(JSON.stringify(event), 'utf8') + ITEM_OVERHEAD_BYTES,
    0,
  );
}

/**
 * A submission joins a group while the group stays within a transaction's items and bytes, and no event
 * in it shares an idempotency key with an event already there: such a retry must see the first one
 * stored, exactly as it would alone.
 */
function fitsGroup(group: readonly Submission[], next: Submission): boolean {
  if (group.reduce((count, s) => count + s.events.length, 0) + next.events.length > MAX_GROUP_EVENTS)
    return false;
  if (group.reduce((bytes, s) => bytes + s.bytes, 0) + next.bytes > MAX_GROUP_BYTES) return false;
  const keys = new Set(group.flatMap((s) => s.events.map((e) => idempotencyKey(e.source, e.id))));
  return next.events.every((event) => !keys.has(idempotencyKey(event.source, event.id)));
}

/**
 * The ledger on two DynamoDB tables. Every append is one TransactWriteItems: the ledger entries and
 * stream pointers (`attribute_not_exists`), the stream heads (expected version), the tenant ledger
 * head (expected seq and chain hash) and the idempotency records (`attribute_not_exists`).
 */
export class DynamoDbEventStore implements EventStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly eventsTable: string;
  private readonly stateTable: string;
  private readonly clock: () => Date;
  private readonly appendBudgetMs: number;
  private readonly serializeInProcess: boolean;
  private readonly groupCommit: GroupCommit<Submission, AppendOutcome>;
  /** Only when this process serialises the tenant's appends; otherwise two appends would share a guess. */
  private readonly memory: AppendMemory | undefined;
  private readonly entries: DynamoDbLedgerEntries;
  private readonly pages: DynamoDbLedgerPages;
  private readonly contention: ContentionStrategy;
  private readonly inbox: DynamoDbAppendInbox;
  /** When this container last lost the head of each tenant (see CONTENDED_MS). */
  private readonly contendedAt = new Map<string, number>();
  /** When this container last saw another writer's live sequencer lease on each tenant. */
  private readonly sequencerSeenAt = new Map<string, number>();
  /** About how long one read-plan-write round takes from this container (a moving average, ms). */
  private roundMs = 30;
  /** How long the tenant's sequencer said its rounds take, last time this container looked (ms). */
  private sequencerRoundMs = 30;

  constructor(options: DynamoDbEventStoreOptions) {
    this.client = options.client;
    this.eventsTable = options.eventsTable;
    this.stateTable = options.stateTable;
    this.clock = options.clock ?? (() => new Date());
    this.appendBudgetMs = options.appendBudgetMs ?? 10_000;
    this.serializeInProcess = options.serializeInProcess ?? true;
    this.memory = this.serializeInProcess ? new AppendMemory() : undefined;
    this.entries = new DynamoDbLedgerEntries(options);
    this.pages = new DynamoDbLedgerPages(options);
    this.contention = options.contention ?? 'rebase';
    this.inbox = new DynamoDbAppendInbox(options.client, options.stateTable);
    this.groupCommit = new GroupCommit({
      commit: (tenant, group) => this.appendGroup(tenant, group),
      fits: fitsGroup,
    });
  }

  async appendEvents(
    tenant: string,
    events: readonly IncomingEvent[],
    options: AppendOptions = {},
  ): Promise<AppendOutcome> {
    const submission = { events, caller: options.unverifiedCaller, bytes: submissionBytes(events) };
    if (this.serializeInProcess) return this.groupCommit.submit(tenant, submission);
    const [settled] = await this.appendGroup(tenant, [submission]);
    if (settled?.status === 'fulfilled') return settled.value;
    throw settled?.reason;
  }

  /**
   * Appends several submissions in one transaction, each answered on its own. A submission that cannot
   * be stored (a conflicting replay, a batch or event too large) fails alone: the group is split until
   * it stands by itself, so its error is exactly the one a lone append would get.
   */
  private async appendGroup(
    tenant: string,
    group: readonly Submission[],
    inboxAllowed = true,
  ): Promise<readonly PromiseSettledResult<AppendOutcome>[]> {
    const deadline = Date.now() + this.appendBudgetMs;
    const [lone] = group;
    const throughInbox =
      inboxAllowed &&
      this.contention === 'inbox' &&
      lone &&
      group.length === 1 &&
      lone.bytes <= MAX_INBOX_BYTES
        ? lone
        : undefined;
    if (throughInbox && Date.now() - (this.contendedAt.get(tenant) ?? -Infinity) < CONTENDED_MS) {
      return [await settle(this.appendThroughInbox(tenant, throughInbox, deadline))];
    }
    for (let attempt = 1; ; attempt += 1) {
      let outcome: Awaited<ReturnType<DynamoDbEventStore['tryAppendGroup']>>;
      try {
        // In inbox mode a direct try stands back while a sequencer holds the tenant: otherwise a writer
        // that remembers the head (and so never reads) wins every race and cancels every inbox round.
        outcome = await this.timedRound(() =>
          this.tryAppendGroup(tenant, group, throughInbox ? 'yield' : undefined),
        );
      } catch (error) {
        return group.map(() => ({ status: 'rejected', reason: error }));
      }
      if (typeof outcome === 'object' && 'revoked' in outcome) {
        // Callers whose tokens are gone get 401; the rest are appended without them.
        const revoked = new Set(outcome.revoked);
        const rest = group.filter((_, index) => !revoked.has(index));
        const answers = rest.length > 0 ? [...(await this.appendGroup(tenant, rest))] : [];
        return group.map((_, index) =>
          revoked.has(index)
            ? { status: 'rejected', reason: new CallerRevokedError('the bearer token is not valid') }
            : (answers.shift() as PromiseSettledResult<AppendOutcome>),
        );
      }
      if (outcome === 'split') {
        const half = Math.ceil(group.length / 2);
        return [
          ...(await this.appendGroup(tenant, group.slice(0, half))),
          ...(await this.appendGroup(tenant, group.slice(half))),
        ];
      }
      if (outcome !== 'rebase') return outcome;
      if (throughInbox) {
        this.contendedAt.set(tenant, Date.now());
        return [await settle(this.appendThroughInbox(tenant, throughInbox, deadline))];
      }
      if (Date.now() >= deadline) {
        const reason = new StorageUnavailableError(
          `the ledger head kept moving for ${attempt} attempts; retry shortly`,
        );
        return group.map(() => ({ status: 'rejected', reason }));
      }
      await sleep(backoffMs(attempt));
    }
  }

  /**
   * An append that lost the race for the head: it waits in the tenant's inbox until the writer holding
   * the tenant's sequencer lease appends it together with whatever else waits there (up to a
   * transaction's worth, oldest first, in one transaction that deletes their items), or until the lease
   * is free and it takes the lease and sequences the inbox itself. Waiting costs one look (one BatchGet:
   * its inbox item, its idempotency records, the lease) per round it expects to wait, paced by its place
   * in the queue. A writer answers anything but 'created' only after taking its item back, so a
   * submission answered 503, refused or replayed can never be appended later by somebody else.
   */
  private async appendThroughInbox(
    tenant: string,
    submission: Submission,
    deadline: number,
  ): Promise<AppendOutcome> {
    const own = await this.inbox.leave(tenant, submission);
    let settled: Awaited<ReturnType<DynamoDbEventStore['waitInInbox']>>;
    try {
      settled = await this.waitInInbox(tenant, own, deadline);
      // However long the wait took, the tenant was contended: the next append goes to the inbox too.
      this.contendedAt.set(tenant, Date.now());
    } catch (error) {
      settled = {
        withdrawThen: () => {
          throw error;
        },
      };
    }
    if (!('withdrawThen' in settled)) return settled;
    return (await this.inbox.withdraw(tenant, own.inbox)) === 'appended'
      ? this.appendedByOthers(tenant, own)
      : settled.withdrawThen();
  }

  /** The waiting (and, lease in hand, sequencing) of one inbox submission; see appendThroughInbox. */
  private async waitInInbox(
    tenant: string,
    own: Submission & { readonly inbox: string },
    deadline: number,
  ): Promise<AppendOutcome | InboxAnswer> {
    const owner = randomUUID();
    const passedOver = new Set<string>();
    let wait: number;
    if (Date.now() - (this.sequencerSeenAt.get(tenant) ?? -Infinity) < CONTENDED_MS) {
      // A sequencer was at work moments ago: it will most likely take this submission in its next
      // round, so the first look waits one round, and a read of the queue would only add a request.
      wait = this.sequencerRoundMs;
    } else {
      // One read of the queue's keys gives this submission's place: the rounds ahead of it.
      const { keys, ownPending } = await this.inbox.queue(tenant, own.inbox);
      if (!ownPending) return this.appendedByOthers(tenant, own);
      if (keys.length > 1) this.contendedAt.set(tenant, Date.now());
      const place = Math.max(0, keys.indexOf(own.inbox));
      wait = place === 0 ? 0 : this.sequencerRoundMs * (1 + Math.floor(place / MAX_INBOX_EVENTS));
    }
    for (;;) {
      if (wait > 0) await sleep(wait * (0.75 + Math.random() / 2));
      const seen = await this.lookAtInbox(tenant, own);
      if (!seen.pending) return seen.appended ?? this.appendedByOthers(tenant, own);
      if (seen.recorded) {
        // One of its events is stored already (a retry of an earlier append, or a conflicting copy): a
        // round settles it without writing it, so it is this writer's to answer, alone, once withdrawn.
        const { inbox: _, ...alone } = own;
        return { withdrawThen: () => this.appendAlone(tenant, alone) };
      }
      const now = Date.now();
      if (seen.lease && seen.lease.until >= now) {
        this.sequencerRoundMs = Math.max(1, seen.lease.roundMs);
        this.sequencerSeenAt.set(tenant, now);
        if (now >= deadline) {
          return {
            withdrawThen: () => {
              throw new StorageUnavailableError(
                'the tenant is busy: this append waited its whole budget in the inbox; retry shortly',
              );
            },
          };
        }
        wait = this.sequencerRoundMs;
        continue;
      }
      if (!(await this.inbox.acquireLease(tenant, owner, this.sequencerRoundMs, now))) {
        wait = this.sequencerRoundMs / 2;
        continue;
      }
      const led = await this.sequenceInbox(tenant, own, owner, deadline, passedOver);
      if (led !== 'lost') return led;
      wait = this.sequencerRoundMs;
    }
  }

  /**
   * Inbox rounds under the sequencer lease: each appends the oldest waiting submissions (this writer's
   * own first, until it is appended) in one transaction. Once its own is in, the holder goes on for
   * LEAD_ON_MS while others wait, so the lease changes hands a few times a second rather than every
   * round, then hands it back. 'lost' when the lease ran out and another writer holds it now.
   */
  private async sequenceInbox(
    tenant: string,
    own: Submission & { readonly inbox: string },
    owner: string,
    deadline: number,
    passedOver: Set<string>,
  ): Promise<AppendOutcome | InboxAnswer | 'lost'> {
    let leaseUntil = Date.now() + LEASE_MS;
    let maxEvents = MAX_INBOX_EVENTS;
    let answered: AppendOutcome | undefined;
    let leadOnUntil = Number.POSITIVE_INFINITY;
    const done = (outcome: AppendOutcome) => {
      answered = outcome;
      leadOnUntil = Date.now() + LEAD_ON_MS;
    };
    try {
      for (let attempt = 1; ; attempt += 1) {
        if (Date.now() > leaseUntil - LEASE_MS / 2) {
          if (!(await this.inbox.renewLease(tenant, owner, this.sequencerRoundMs))) return answered ?? 'lost';
          leaseUntil = Date.now() + LEASE_MS;
        }
        const roundStarted = Date.now();
        const { submissions, ownPending } = await this.inbox.pending(tenant, own.inbox);
        if (!answered && !ownPending) done(await this.appendedByOthers(tenant, own));
        // Other containers may have moved the head since this one's last commit: a guess from memory
        // would only cost a cancelled transaction, so the round reads.
        this.memory?.forget(tenant);
        const group: Submission[] = answered ? [] : [own];
        let events = answered ? 0 : own.events.length;
        for (const other of submissions) {
          if (other.inbox === own.inbox || passedOver.has(other.inbox)) continue;
          if (events + other.events.length > maxEvents || !fitsGroup(group, other)) continue;
          group.push(other);
          events += other.events.length;
        }
        if (answered && Date.now() >= leadOnUntil) return answered;
        if (answered && group.length === 0) {
          // Nothing waits yet, but writers that lost a direct try are about to arrive: handing the
          // lease back now would cost the next one an acquire and the rest a round of looks.
          await sleep(Math.max(5, this.sequencerRoundMs / 4));
          continue;
        }
        if (group.length > 1) this.contendedAt.set(tenant, Date.now());
        let outcome: Awaited<ReturnType<DynamoDbEventStore['tryAppendGroup']>>;
        try {
          // The round's transaction also publishes, in the lease, the round time the waiting writers pace
          // their looks by (and fails if another writer holds the lease now): no request of its own.
          outcome = await this.timedRound(() =>
            this.tryAppendGroup(tenant, group, { owner, roundMs: this.sequencerRoundMs }),
          );
          // A whole round, the queue's read included.
          this.sequencerRoundMs = 0.5 * this.sequencerRoundMs + 0.5 * (Date.now() - roundStarted);
        } catch (error) {
          if (!answered) throw error;
          // Another writer's submission that cannot be stored even alone is its own writer's to answer.
          if (group.length === 1 && !isRetryableFailure(error)) {
            passedOver.add(group[0]?.inbox ?? '');
            continue;
          }
          return answered;
        }
        if (outcome === 'split') {
          // One of them cannot share a transaction: take fewer, down to one submission alone.
          maxEvents = Math.max(answered ? 1 : own.events.length, Math.floor(events / 2));
          if (!answered && group.length === 2) passedOver.add(group[1]?.inbox ?? '');
          continue;
        }
        if (outcome === 'rebase') {
          this.contendedAt.set(tenant, Date.now());
          if (answered) return answered;
          if (Date.now() < deadline) {
            await sleep(inboxBackoffMs(attempt));
            continue;
          }
          return {
            withdrawThen: () => {
              throw new StorageUnavailableError(
                `the ledger head kept moving for ${attempt} inbox rounds; retry shortly`,
              );
            },
          };
        }
        if ('revoked' in outcome) {
          if (!answered && outcome.revoked.includes(0)) {
            return {
              withdrawThen: () => {
                throw new CallerRevokedError('the bearer token is not valid');
              },
            };
          }
          // Others whose tokens are gone are their own writers' to answer.
          for (const index of outcome.revoked) passedOver.add(group[index]?.inbox ?? '');
          continue;
        }
        // A submission settled without being written (replayed, refused) stays in the inbox for its
        // own writer to take back and answer: never offer it to a transaction again.
        outcome.forEach((result, index) => {
          if (result.status !== 'fulfilled' || result.value.status !== 'created')
            passedOver.add(group[index]?.inbox ?? '');
        });
        if (answered) continue;
        const [answer] = outcome;
        if (answer?.status === 'fulfilled' && answer.value.status === 'created') {
          done(answer.value);
          continue;
        }
        return {
          withdrawThen: () => {
            if (answer?.status === 'fulfilled') return answer.value;
            throw answer?.reason ?? new Error('the inbox round gave no answer');
          },
        };
      }
    } finally {
      await this.inbox.releaseLease(tenant, owner);
    }
  }

  /**
   * What a waiting writer sees in one BatchGet: whether its inbox item is still there, the idempotency
   * records of its events (so once its item is gone, the answer is at hand without another read) and
   * the sequencer lease.
   */
  private async lookAtInbox(
    tenant: string,
    own: Submission & { readonly inbox: string },
  ): Promise<{
    readonly pending: boolean;
    readonly recorded: boolean;
    readonly appended: AppendOutcome | undefined;
    readonly lease: { readonly until: number; readonly roundMs: number } | undefined;
  }> {
    const keys = own.events.map((event) => idempotencyKey(event.source, event.id));
    const look = DynamoDbAppendInbox.lookKeys(tenant, own.inbox);
    const items = await this.batchGet(this.stateTable, [
      look.inbox,
      look.lease,
      ...[...new Set(keys)].map((key) => stateKeys.idempotency(tenant, key)),
    ]);
    const item = (key: { pk: string; sk: string }) =>
      items.find((found) => found.pk === key.pk && found.sk === key.sk);
    const records = new Map(
      items.flatMap((found) =>
        String(found.pk).startsWith(`${tenant}#idem#`)
          ? [[String(found.pk).slice(`${tenant}#idem#`.length), found] as const]
          : [],
      ),
    );
    const lease = item(look.lease);
    const pending = item(look.inbox) !== undefined;
    // The records were read beside the item, not atomically with it: trust them only when they all
    // match this submission's events; otherwise appendedByOthers reads them again.
    const complete = own.events.every(
      (event, at) => records.get(keys[at] ?? '')?.payloadHash === event.payloadHash,
    );
    return {
      pending,
      recorded: records.size > 0,
      appended:
        !pending && complete
          ? {
              status: 'created',
              results: own.events.map((_, at) => appendResultOf(records.get(keys[at] ?? '')?.result)),
            }
          : undefined,
      lease: lease ? { until: Number(lease.until), roundMs: Number(lease.roundMs) } : undefined,
    };
  }

  /** A submission answered on its own, without the inbox: what a lone append in rebase mode does. */
  private async appendAlone(tenant: string, submission: Submission): Promise<AppendOutcome> {
    const [settled] = await this.appendGroup(tenant, [submission], false);
    if (settled?.status === 'fulfilled') return settled.value;
    throw settled?.reason;
  }

  /** Runs one read-plan-write round, keeping a moving average of how long rounds take here. */
  private async timedRound<T>(round: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await round();
    } finally {
      this.roundMs = 0.8 * this.roundMs + 0.2 * Math.max(1, Date.now() - started);
    }
  }

  /** A submission another writer appended: its results, from the idempotency records that append wrote. */
  private async appendedByOthers(tenant: string, submission: Submission): Promise<AppendOutcome> {
    const keys = submission.events.map((event) => idempotencyKey(event.source, event.id));
    const items = await this.batchGet(
      this.stateTable,
      [...new Set(keys)].map((key) => stateKeys.idempotency(tenant, key)),
    );
    const records = new Map(
      items.map((item) => [String(item.pk).slice(`${tenant}#idem#`.length), item] as const),
    );
    const results = submission.events.map((event, at) => {
      const record = records.get(keys[at] ?? '');
      if (!record || record.payloadHash !== event.payloadHash) {
        throw new LedgerIntegrityError(
          `a submission left the inbox of ${tenant} without its event (${event.source}, ${event.id}) stored`,
        );
      }
      return appendResultOf(record.result);
    });
    return { status: 'created', results };
  }

  /**
   * One read-plan-write round for a group; 'rebase' when another writer got there first, 'split' when
   * the group's transaction could not be stored and one of its submissions is to blame.
   */
  private async tryAppendGroup(
    tenant: string,
    group: readonly Submission[],
    sequencer: SequencerGuard = undefined,
  ): Promise<
    readonly PromiseSettledResult<AppendOutcome>[] | 'rebase' | 'split' | { readonly revoked: number[] }
  > {
    const all = group.flatMap((submission) => submission.events);
    // What this process committed last stands in for the read when it covers the submission; else one
    // read for everything knowable up front: idempotency records, release facts, the ledger head and the
    // heads of every stream the events name. Only streams revealed by release resolution need a second.
    const remembered = this.memory?.recall(tenant, all);
    const snapshot = remembered
      ? { ...remembered, streamsRead: undefined }
      : await this.readSnapshot(tenant, all, [
          ...new Set([...streamsTouched(all), ...deploymentLookups(all).map(deploymentStream)]),
        ]);
    const settled: PromiseSettledResult<AppendOutcome>[] = [];
    const writing: {
      index: number;
      events: readonly IncomingEvent[];
      caller: UnverifiedCaller | undefined;
      duplicates: DuplicateCheck;
    }[] = [];
    group.forEach(({ events, caller }, index) => {
      const duplicates = checkDuplicates(events, snapshot.records);
      if (duplicates.conflicts.length > 0) {
        settled[index] = {
          status: 'rejected',
          reason: new IdempotencyConflictError(
            duplicates.conflicts.map((at) => ({
              index: at,
              source: events[at]?.source ?? '',
              id: events[at]?.id ?? '',
              stored: snapshot.records.get(idempotencyKey(events[at]?.source ?? '', events[at]?.id ?? ''))
                ?.result,
            })),
          ),
        };
      } else if (duplicates.fresh.length === 0) {
        settled[index] = {
          status: 'fulfilled',
          value: {
            status: 'replayed',
            results: events.map((_, at) => duplicates.replayed.get(at) as AppendResult),
          },
        };
      } else {
        writing.push({ index, events, caller, duplicates });
      }
    });
    // A replay or a conflict writes nothing, so no transaction can prove an unverified caller: read its
    // token before answering, so a revoked token learns nothing about what is stored.
    const answeredUnverified = group.flatMap((submission, index) =>
      submission.caller && !submission.caller.readForThisRequest && settled[index] ? [index] : [],
    );
    if (answeredUnverified.length > 0) {
      const gone = await this.revokedCallers(
        tenant,
        answeredUnverified.map((index) => group[index]?.caller as UnverifiedCaller),
      );
      const revoked = answeredUnverified.filter((_, at) => gone[at]);
      if (revoked.length > 0) return { revoked };
    }
    if (writing.length === 0) return settled;

    const { catalog } = snapshot;
    const fresh = writing.flatMap((submission) => submission.duplicates.fresh);
    const deployments = await this.deploymentFacts(tenant, fresh, snapshot);
    const resolved = resolveReleases(fresh, catalog, deployments);
    if (resolved.refusals.length > 0) {
      // Refuse only on what storage holds now, never on this process's memory of it.
      if (remembered) {
        this.memory?.forget(tenant);
        return 'rebase';
      }
      if (group.length > 1) return 'split';
      // A refusal writes nothing, so it cannot prove an unverified caller: a revoked one learns nothing.
      const [lone] = writing;
      if (lone?.caller && (await this.revokedCallers(tenant, [lone.caller]))[0]) {
        return { revoked: [lone.index] };
      }
      throw refusedError(lone?.events ?? [], resolved.refusals);
    }
    const toAppend = [...resolved.implicit, ...resolved.events];
    const { streamsRead } = snapshot;
    const unread = streamsRead ? streamsTouched(toAppend).filter((stream) => !streamsRead.has(stream)) : [];
    const more = unread.length > 0 ? await this.readSnapshot(tenant, [], unread) : undefined;
    const state = {
      ledgerHead: snapshot.ledgerHead,
      streamVersions: new Map([...snapshot.streamVersions, ...(more?.streamVersions ?? [])]),
    };
    const recordedAt = this.clock().toISOString();
    const plan = planAppend(tenant, toAppend, state, recordedAt);
    // The inbox items of the submissions this transaction appends leave with it, and only if still there.
    const leaving = writing.flatMap(({ index }) => group[index]?.inbox ?? []);
    // Each unverified caller's token is checked once, in the transaction that writes its events.
    const callers = new Map<string, { caller: UnverifiedCaller; submissions: number[] }>();
    for (const { index, caller } of writing) {
      if (!caller) continue;
      const key = `${caller.tokenHash}\u0000${caller.role}`;
      const known = callers.get(key);
      if (known) known.submissions.push(index);
      else callers.set(key, { caller, submissions: [index] });
    }
    let input: TransactWriteCommandInput & { readonly writes: readonly LedgerWrite[] };
    try {
      input = this.transactionFor(
        tenant,
        plan,
        resolved.newReleases,
        catalog,
        new Map([...deployments, ...resolved.deployments]),
        [...callers.values()].map(({ caller }) => caller),
        leaving,
        sequencer,
      );
    } catch (error) {
      if (group.length > 1) return 'split';
      throw error;
    }

    try {
      const { writes: _, ...command } = input;
      await this.client.send(new TransactWriteCommand(command));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        // The caller checks come first in the transaction; a failed one names a revoked token.
        const reasons = error.CancellationReasons ?? [];
        const revoked = [...callers.values()].flatMap(({ submissions }, at) =>
          reasons[at]?.Code === 'ConditionalCheckFailed' ? submissions : [],
        );
        if (revoked.length > 0) return { revoked };
        this.memory?.forget(tenant);
        const cancelled = classifyCancellation(reasons.slice(callers.size), input.writes);
        // Only on a fresh read, and only while the ledger head is still the one planned on: every append
        // moves it, so then no other writer can have placed the item (whatever reasons DynamoDB listed).
        if (cancelled === 'integrity' && !remembered && (await this.headUnchanged(tenant, plan))) {
          throw new LedgerIntegrityError(
            `an item this append creates already exists although the ledger head does not cover it (${tenant}); the tables were written around the store`,
          );
        }
        if (cancelled === 'invalid') throw error;
        return 'rebase';
      }
      this.memory?.forget(tenant);
      if (isTransactionTooLarge(error)) {
        if (group.length > 1) return 'split';
        throw new BatchTooLargeError(
          `this batch is over DynamoDB's ${MAX_TRANSACTION_BYTES / 1024 / 1024} MB a transaction. Send fewer events per batch.`,
          { cause: error },
        );
      }
      if (isItemTooLarge(error)) {
        if (group.length > 1) return 'split';
        throw new EventTooLargeError('an event is too large to store', { cause: error });
      }
      if (isRetryableStorageError(error)) {
        throw new StorageUnavailableError('storage is unavailable; retry shortly', 1, { cause: error });
      }
      throw error;
    }

    this.memory?.remember(
      tenant,
      plan,
      catalog,
      resolved.newReleases,
      new Map([...deployments, ...resolved.deployments]),
    );
    const appended = new Map(plan.entries.map((entry) => [entry.idempotencyKey, entry.result]));
    for (const { index, events, duplicates } of writing) {
      const results = events.map(
        (event, at) =>
          duplicates.replayed.get(at) ??
          (appended.get(idempotencyKey(event.source, event.id)) as AppendResult),
      );
      settled[index] = { status: 'fulfilled', value: { status: 'created', results } };
    }
    return settled;
  }

  /** The plan's items (see ledger-writes.ts) as one transaction, each under its condition. */
  private transactionFor(
    tenant: string,
    plan: AppendPlan,
    newReleases: readonly (ReleaseFacts & { createdAt: string | undefined })[],
    catalog: ReleaseCatalog,
    deployments: ReadonlyMap<string, DeploymentFacts>,
    callers: readonly UnverifiedCaller[],
    inboxItems: readonly string[] = [],
    sequencer: SequencerGuard = undefined,
  ): TransactWriteCommandInput & { readonly writes: readonly LedgerWrite[] } {
    type Item = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
    const tableName = (table: LedgerTable) => (table === 'events' ? this.eventsTable : this.stateTable);
    const callerChecks = callers.map(
      (caller): Item => ({
        ConditionCheck: {
          TableName: this.stateTable,
          Key: stateKeys.token(caller.tokenHash),
          ConditionExpression: 'tenant = :tenant AND #role = :role',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':tenant': tenant, ':role': caller.role },
        },
      }),
    );
    const writes = ledgerWrites(tenant, plan, newReleases, catalog, deployments);
    const ledgerItems = writes.map((write): Item => {
      if (write.kind === 'put') {
        return {
          Put: {
            TableName: tableName(write.table),
            Item: write.item,
            ...(write.ifAbsent ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
          },
        };
      }
      const names = Object.keys(write.values);
      const expected = write.expected ? Object.entries(write.expected) : [];
      return {
        Update: {
          TableName: tableName(write.table),
          Key: write.key,
          // Attribute names go through placeholders: a deployment head's `environment` and the like may
          // be DynamoDB reserved words.
          UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
          ConditionExpression: write.expected
            ? expected.map(([name]) => `#${name} = :expected_${name}`).join(' AND ')
            : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: Object.fromEntries(
            [...new Set([...names, ...expected.map(([name]) => name)])].map((name) => [`#${name}`, name]),
          ),
          ExpressionAttributeValues: Object.fromEntries([
            ...Object.entries(write.values).map(([name, value]) => [`:${name}`, value]),
            ...expected.map(([name, value]) => [`:expected_${name}`, value]),
          ]),
        },
      };
    });
    // Last, so the cancellation reasons of the writes keep their positions; one that fails (taken back
    // by its writer, or appended by someone else) means only that the inbox moved: a rebase re-reads it.
    const inboxDeletes = inboxItems.map(
      (key): Item => ({
        Delete: {
          TableName: this.stateTable,
          Key: stateKeys.inbox(tenant, key),
          ConditionExpression: 'attribute_exists(pk)',
        },
      }),
    );
    // After the writes, so a failure classifies as a rebase. A direct try in inbox mode checks that no
    // sequencer holds the tenant; a sequencer's round rewrites its lease with its round time, failing if
    // another writer has taken the tenant over. Both are pacing and fairness only (the head's condition
    // keeps the chain linear), so a transaction with no room left goes without.
    const now = Date.now();
    const roomForGuard =
      callerChecks.length + ledgerItems.length + inboxDeletes.length < MAX_TRANSACTION_ITEMS;
    const sequencerItems: Item[] =
      sequencer === undefined || !roomForGuard
        ? []
        : sequencer === 'yield'
          ? [
              {
                ConditionCheck: {
                  TableName: this.stateTable,
                  Key: stateKeys.sequencer(tenant),
                  ConditionExpression: 'attribute_not_exists(pk) OR #until < :now',
                  ExpressionAttributeNames: { '#until': 'until' },
                  ExpressionAttributeValues: { ':now': now },
                },
              },
            ]
          : [
              {
                Put: {
                  TableName: this.stateTable,
                  Item: {
                    ...stateKeys.sequencer(tenant),
                    owner: sequencer.owner,
                    until: now + LEASE_MS,
                    roundMs: Math.round(sequencer.roundMs),
                  },
                  ConditionExpression: '#owner = :owner',
                  ExpressionAttributeNames: { '#owner': 'owner' },
                  ExpressionAttributeValues: { ':owner': sequencer.owner },
                },
              },
            ];
    const items = [...callerChecks, ...ledgerItems, ...inboxDeletes, ...sequencerItems];
    if (items.length > MAX_TRANSACTION_ITEMS) {
      throw new BatchTooLargeError(
        `this batch needs ${items.length} storage items in one transaction; DynamoDB allows ${MAX_TRANSACTION_ITEMS}. Send fewer events per batch.`,
      );
    }
    const bytes = dynamoDbValueBytes(items);
    if (bytes > MAX_TRANSACTION_BYTES) {
      throw new BatchTooLargeError(
        `this batch needs about ${bytes} bytes in one transaction; DynamoDB allows ${MAX_TRANSACTION_BYTES}. Send fewer events per batch.`,
      );
    }
    const expectedHead = plan.ledgerHead.expected;
    const token = sha256Hex(
      canonicalJson([
        tenant,
        expectedHead?.seq ?? 0,
        plan.entries[0]?.envelope.recordedAt,
        plan.entries.map((e) => e.idempotencyKey),
        inboxItems,
        sequencer === undefined ? null : sequencer === 'yield' ? now : [sequencer.owner, now],
      ]),
    ).slice(0, 36);
    return { TransactItems: items, ClientRequestToken: token, writes };
  }

  /**
   * The facts of the deployments a submission is judged against, from their stream heads. A head written
   * before heads kept facts (or only by links) has none: its stream is read and the facts derived, once,
   * and the next append stores them on the head.
   */
  private async deploymentFacts(
    tenant: string,
    events: readonly IncomingEvent[],
    snapshot: {
      readonly deployments: ReadonlyMap<string, DeploymentFacts>;
      readonly streamVersions: ReadonlyMap<StreamName, number>;
    },
  ): Promise<Map<string, DeploymentFacts>> {
    const facts = new Map(snapshot.deployments);
    const unknown = deploymentLookups(events).filter(
      (id) => !facts.has(id) && (snapshot.streamVersions.get(deploymentStream(id)) ?? 0) > 0,
    );
    const derived = await Promise.all(
      unknown.map(
        async (id) => [id, deploymentFactsOf(await this.readStream(tenant, deploymentStream(id)))] as const,
      ),
    );
    for (const [id, found] of derived) if (found) facts.set(id, found);
    return facts;
  }

  /** Whether the tenant's ledger head is still the one a plan expected. */
  private async headUnchanged(tenant: string, plan: AppendPlan): Promise<boolean> {
    const [item] = await this.batchGet(this.stateTable, [stateKeys.ledgerHead(tenant)]);
    const expected = plan.ledgerHead.expected;
    return item === undefined
      ? expected === undefined
      : Number(item.seq) === expected?.seq && item.chainHash === expected.chainHash;
  }

  /** For each caller, whether its token no longer grants its role on the tenant (one consistent read). */
  private async revokedCallers(tenant: string, callers: readonly UnverifiedCaller[]): Promise<boolean[]> {
    const hashes = [...new Set(callers.map((caller) => caller.tokenHash))];
    const found = await this.batchGet(
      this.stateTable,
      hashes.map((hash) => stateKeys.token(hash)),
    );
    const grants = new Map(found.map((item) => [String(item.pk), item]));
    return callers.map((caller) => {
      const grant = grants.get(stateKeys.token(caller.tokenHash).pk);
      return grant?.tenant !== tenant || grant.role !== caller.role;
    });
  }

  /** Reads, in one consistent batch, the state items an append of these events depends on. */
  private async readSnapshot(
    tenant: string,
    events: readonly IncomingEvent[],
    streams: readonly StreamName[],
  ) {
    const head = stateKeys.ledgerHead(tenant);
    const lookups = releaseLookups(events);
    const idemKeys = [...new Set(events.map((event) => idempotencyKey(event.source, event.id)))];
    const items = await this.batchGet(this.stateTable, [
      head,
      ...idemKeys.map((key) => stateKeys.idempotency(tenant, key)),
      ...lookups.ids.map((id) => stateKeys.release(tenant, id)),
      ...lookups.serviceVersions.map(({ service, version }) =>
        stateKeys.releaseByServiceVersion(tenant, releaseKey(service, version)),
      ),
      ...streams.map((stream) => stateKeys.streamHead(tenant, stream)),
    ]);
    const records = new Map<string, IdempotencyRecord>();
    const byId = new Map<string, ReleaseFacts>();
    const byServiceVersion = new Map<string, string>();
    const streamVersions = new Map<StreamName, number>();
    const deployments = new Map<string, DeploymentFacts>();
    let ledgerHead: ChainHead | undefined;
    const after = (prefix: string, key: unknown) => String(key).slice(`${tenant}#${prefix}#`.length);
    for (const item of items) {
      if (item.pk === head.pk && item.sk === head.sk) {
        ledgerHead = { seq: Number(item.seq), chainHash: String(item.chainHash) };
      } else if (item.sk === 'idem') {
        records.set(after('idem', item.pk), {
          payloadHash: String(item.payloadHash),
          result: appendResultOf(item.result),
        });
      } else if (item.sk === 'meta') {
        const facts = {
          releaseId: String(item.releaseId),
          service: String(item.service),
          version: String(item.version),
        };
        byId.set(facts.releaseId, facts);
      } else if (item.sk === 'ref') {
        byServiceVersion.set(after('relver', item.pk), String(item.releaseId));
      } else if (item.sk === 'head') {
        const stream = after('stream', item.pk) as StreamName;
        streamVersions.set(stream, Number(item.version));
        if (stream.startsWith('deployment/') && typeof item.environment === 'string') {
          deployments.set(stream.slice('deployment/'.length), {
            releaseId: String(item.releaseId),
            service: typeof item.service === 'string' ? item.service : null,
            environment: item.environment,
            succeeded: item.succeeded === true,
          });
        }
      }
    }
    return {
      records,
      catalog: { byId, byServiceVersion } as ReleaseCatalog,
      ledgerHead,
      streamVersions,
      deployments,
      streamsRead: new Set(streams),
    };
  }

  private async batchGet(table: string, keys: readonly Record<string, unknown>[]) {
    const found: Record<string, unknown>[] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] | undefined = keys.slice(start, start + BATCH_GET_LIMIT);
      for (let round = 1; pending && pending.length > 0; round += 1) {
        const response = await callStorage(() =>
          this.client.send(
            new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
          ),
        );
        found.push(...(response.Responses?.[table] ?? []));
        pending = response.UnprocessedKeys?.[table]?.Keys;
        if (pending && pending.length > 0) {
          if (round >= 8) throw new StorageUnavailableError('storage is throttling reads; retry shortly');
          await sleep(backoffMs(round));
        }
      }
    }
    return found;
  }

  readLedger(tenant: string, afterSeq: number, limit: number): Promise<LedgerPage> {
    return this.pages.readLedger(tenant, afterSeq, limit);
  }

  async readStream(tenant: string, stream: StreamName): Promise<readonly StoredEvent[]> {
    const seqs: number[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await callStorage(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.eventsTable,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': eventKeys.stream(tenant, stream) },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      seqs.push(...(response.Items ?? []).map((item) => Number(item.seq)));
      startKey = response.LastEvaluatedKey;
    } while (startKey);
    const items = await this.batchGet(
      this.eventsTable,
      seqs.map((seq) => ({ pk: eventKeys.ledger(tenant), sk: seq })),
    );
    return items.map(toStoredEvent).sort((a, b) => a.seq - b.seq);
  }

  async readStreamPage(
    tenant: string,
    stream: StreamName,
    afterPosition: number,
    limit: number,
  ): Promise<StreamPage> {
    const response = await callStorage(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.eventsTable,
          KeyConditionExpression: 'pk = :pk AND sk > :after',
          ExpressionAttributeValues: { ':pk': eventKeys.stream(tenant, stream), ':after': afterPosition },
          ConsistentRead: true,
          Limit: limit,
        }),
      ),
    );
    const pointers = (response.Items ?? []).map((item) => ({
      position: Number(item.sk),
      seq: Number(item.seq),
    }));
    const items = await this.batchGet(
      this.eventsTable,
      pointers.map(({ seq }) => ({ pk: eventKeys.ledger(tenant), sk: seq })),
    );
    const bySeq = new Map(items.map((item) => [Number(item.sk), toStoredEvent(item)]));
    const found = pointers.flatMap((pointer) => {
      const event = bySeq.get(pointer.seq);
      return event ? [{ event, position: pointer.position }] : [];
    });
    const last = pointers.at(-1);
    return {
      events: found.map(({ event }) => event),
      positions: found.map(({ position }) => position),
      next: response.LastEvaluatedKey && last ? last.position : undefined,
    };
  }

  async listReleases(tenant: string, query: ReleaseQuery): Promise<ReleasePage> {
    const pk =
      query.service === undefined
        ? stateKeys.releaseList(tenant)
        : stateKeys.releaseListOfService(tenant, query.service);
    const page = await this.queryTimeList(pk, query);
    const releases = page.items.map((item) => ({
      releaseId: String(item.releaseId),
      service: String(item.service),
      version: String(item.version),
      createdAt: String(item.createdAt),
      seq: Number(item.seq),
    }));
    return { releases, next: page.next };
  }

  async listGateBypasses(tenant: string, query: TimeWindowQuery): Promise<GateBypassPage> {
    const page = await this.queryTimeList(stateKeys.gateBypassList(tenant), query);
    const bypasses = page.items.map((item) => ({
      deploymentId: String(item.deploymentId),
      releaseId: (item.releaseId as string | null) ?? null,
      service: (item.service as string | null) ?? null,
      environment: String(item.environment),
      gateStatus: String(item.gateStatus),
      recordedAt: String(item.recordedAt),
      seq: Number(item.seq),
    }));
    return { bypasses, next: page.next };
  }

  /** Newest-first lists whose sort keys start with an ISO time, so a window is a key range. */
  private async queryTimeList(pk: string, query: TimeWindowQuery) {
    // '~' sorts after every digit, so `to` is inclusive of entries at exactly that instant.
    const lower = query.from ?? '0000';
    const upper = `${query.to ?? '9999'}~`;
    const start = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    // DynamoDB refuses a start key outside the key condition (ValidationException): a cursor from
    // another window, or made up, is the caller's error.
    if (start !== undefined && !(start >= lower && start <= upper && TIME_LIST_KEY.test(start))) {
      throw new InvalidCursorError('the cursor does not belong to this list and window');
    }
    const response = await callStorage(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.stateTable,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
          ExpressionAttributeValues: { ':pk': pk, ':lower': lower, ':upper': upper },
          ScanIndexForward: false,
          Limit: query.limit,
          ExclusiveStartKey: start !== undefined ? { pk, sk: start } : undefined,
        }),
      ),
    );
    const next = response.LastEvaluatedKey ? encodeCursor(String(response.LastEvaluatedKey.sk)) : undefined;
    return { items: response.Items ?? [], next };
  }

  /** Verifies the chain up to the head read first; see ledger-verification.ts. */
  async verifyLedger(tenant: string): Promise<VerificationResult> {
    return verifyLedgerSnapshot(this.entries, tenant);
  }
}

/** Rebuilds a stored result with the field order of a fresh one, so a replay's body is byte-identical. */
function appendResultOf(stored: unknown): AppendResult {
  const r = stored as AppendResult;
  return {
    id: r.id,
    source: r.source,
    type: r.type,
    seq: Number(r.seq),
    stream: r.stream,
    version: Number(r.version),
    hash: r.hash,
    eventHash: r.eventHash,
    recordedAt: r.recordedAt,
  };
}

function deploymentStream(deploymentId: string): StreamName {
  return streamName('deployment', deploymentId);
}

/** The refusals of one submission's events, with each event's position in it. */
function refusedError(events: readonly IncomingEvent[], refusals: readonly Refusal[]): EventRefusedError {
  return new EventRefusedError(
    refusals.map((refusal) => ({
      index: events.indexOf(refusal.event),
      path: refusal.path,
      message: refusal.message,
    })),
    refusals.every((refusal) => refusal.kind === 'taken') ? 'release_id_taken' : 'validation_failed',
  );
}

/**
 * Why a transaction was cancelled, from its positional reasons. A failed condition on a head, or on an
 * item the append read before planning (idempotency records, the release catalogue), means another
 * writer got there first: a rebase re-reads it. A failed condition only on items no read covers (ledger
 * entries, stream pointers, list entries: their keys follow from the heads) cannot be fixed by a rebase,
 * since the heads it would re-read did not move: the tables were written around the store.
 */
function classifyCancellation(
  reasons: readonly { readonly Code?: string | undefined }[],
  writes: readonly LedgerWrite[],
): 'rebase' | 'integrity' | 'invalid' {
  if (reasons.some((reason) => reason.Code === 'ValidationError')) return 'invalid';
  const failed = writes.filter((_, at) => reasons[at]?.Code === 'ConditionalCheckFailed');
  if (failed.length === 0) return 'rebase';
  return failed.some(rebaseCanSee) ? 'rebase' : 'integrity';
}

/** Whether the append's read before planning covers the item (so a rebase sees what is there now). */
function rebaseCanSee(write: LedgerWrite): boolean {
  if (write.kind === 'set') return true;
  return write.table === 'state' && ['idem', 'meta', 'ref'].includes(String(write.item.sk));
}

/** DynamoDB: "Transaction request cannot be larger than 4 MB"; DynamoDB Local: "Transaction payload size cannot exceed 4MB". */
function isTransactionTooLarge(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ValidationException' &&
    /transaction (request|payload).*(larger than|exceed) 4 ?MB/i.test(error.message)
  );
}

function isItemTooLarge(error: unknown): boolean {
  return error instanceof Error && /item size|size has exceeded/i.test(error.message);
}

/** The sort key of a newest-first list item: an ISO time, then the seq (see ledger-writes.ts). */
const TIME_LIST_KEY = /^[+-]?\d{4,6}-\d{2}-\d{2}T[\d:.]+Z#\d{12}$/;

function encodeCursor(sortKey: string): string {
  return Buffer.from(sortKey, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

function backoffMs(attempt: number): number {
  const cap = Math.min(200, 4 * 2 ** Math.min(attempt, 6));
  return Math.random() * cap;
}

/**
 * Between inbox rounds: the head moved because a round committed, most likely with this submission in
 * it, so look again soon; the jitter spreads the writers that were not in it over the next round.
 */
function inboxBackoffMs(attempt: number): number {
  return Math.random() * Math.min(50, 5 * attempt);
}

async function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  try {
    return { status: 'fulfilled', value: await promise };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
