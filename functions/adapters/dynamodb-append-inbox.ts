import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { IncomingEvent } from '../../domain/ledger/ledger-event.ts';
import type { UnverifiedCaller } from '../../domain/ports/event-store.ts';
import { stateKeys } from './ledger-tables.ts';
import { callStorage } from './storage-errors.ts';

/** A submission waiting in a tenant's inbox to be sequenced by whichever writer wins the ledger head. */
export interface InboxSubmission {
  readonly events: readonly IncomingEvent[];
  readonly caller: UnverifiedCaller | undefined;
  readonly bytes: number;
  /** The inbox item's sort key: when it was left (ms, zero-padded, so the inbox is oldest first) and a UUID. */
  readonly inbox: string;
}

/**
 * How long after it was left a submission is still taken by other writers. Its own writer gives up
 * (and takes it back) after its append budget, seconds; only a writer that died leaves one behind, and
 * such a leftover is sequenced within this window (its client, which got no answer, sees the event as a
 * replay on retry, as after a crash past the commit) or never: the inbox is read from now minus this.
 */
const LIVE_MS = 60_000;
/**
 * How long the sequencer lease lasts unless renewed: long enough that a busy holder renews it rarely,
 * short enough that writers behind a holder that died wait little more than this before one takes over.
 */
export const LEASE_MS = 2_000;
/** How often a writer asks to take its submission back while a transaction holds the item. */
const WITHDRAW_ATTEMPTS = 8;
/** Submissions one read of the inbox returns: several full transactions' worth. */
const READ_LIMIT = 64;

/**
 * The tenant's append inbox (state table, `<tenant>#inbox` / `<time>#<uuid>`). Only writers that lost
 * the race for the ledger head use it: each leaves its submission here, and the transaction that appends
 * a submission deletes its item (conditioned on it still being there). So an item gone means appended,
 * and a writer that takes its own item back (a conditional delete that succeeds) knows nobody can append
 * it any more: a 503 after that is the truth, and a retry can never meet its first copy half-stored.
 */
export class DynamoDbAppendInbox {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly stateTable: string,
  ) {}

  /** Leaves a submission in the inbox; its key is new, so the put cannot overwrite anyone's. */
  async leave(
    tenant: string,
    submission: Omit<InboxSubmission, 'inbox'>,
    now = Date.now(),
  ): Promise<InboxSubmission> {
    const inbox = `${String(now).padStart(15, '0')}#${randomUUID()}`;
    await callStorage(() =>
      this.client.send(
        new PutCommand({
          TableName: this.stateTable,
          Item: {
            ...stateKeys.inbox(tenant, inbox),
            events: JSON.stringify(submission.events),
            ...(submission.caller ? { caller: submission.caller } : {}),
            bytes: submission.bytes,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return { ...submission, inbox };
  }

  /** The live submissions, oldest first, and whether `own` is still among them (one consistent read). */
  async pending(
    tenant: string,
    own: string,
  ): Promise<{ readonly submissions: readonly InboxSubmission[]; readonly ownPending: boolean }> {
    const { items, truncated } = await this.query(tenant, false);
    const submissions = items.map(
      (item): InboxSubmission => ({
        events: JSON.parse(String(item.events)) as IncomingEvent[],
        caller: item.caller as UnverifiedCaller | undefined,
        bytes: Number(item.bytes),
        inbox: String(item.sk),
      }),
    );
    return { submissions, ownPending: await this.ownPending(tenant, own, submissions, truncated) };
  }

  /** The key of a submission's item and of the tenant's sequencer lease: what a waiting writer looks at. */
  static lookKeys(tenant: string, inbox: string) {
    return { inbox: stateKeys.inbox(tenant, inbox), lease: stateKeys.sequencer(tenant) };
  }

  /** Only the keys of the live submissions, oldest first: what a writer waiting its turn looks at. */
  async queue(
    tenant: string,
    own: string,
  ): Promise<{ readonly keys: readonly string[]; readonly ownPending: boolean }> {
    const { items, truncated } = await this.query(tenant, true);
    const keys = items.map((item) => String(item.sk));
    const ownPending = await this.ownPending(
      tenant,
      own,
      keys.map((inbox) => ({ inbox })),
      truncated,
    );
    return { keys, ownPending };
  }

  private async query(tenant: string, keysOnly: boolean) {
    const { pk } = stateKeys.inbox(tenant, '');
    const response = await callStorage(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.stateTable,
          KeyConditionExpression: 'pk = :pk AND sk >= :since',
          ExpressionAttributeValues: { ':pk': pk, ':since': String(Date.now() - LIVE_MS).padStart(15, '0') },
          ...(keysOnly ? { ProjectionExpression: 'sk' } : {}),
          ConsistentRead: true,
          Limit: READ_LIMIT,
        }),
      ),
    );
    return { items: response.Items ?? [], truncated: response.LastEvaluatedKey !== undefined };
  }

  private async ownPending(
    tenant: string,
    own: string,
    found: readonly { readonly inbox: string }[],
    truncated: boolean,
  ): Promise<boolean> {
    if (found.some((submission) => submission.inbox === own)) return true;
    // Past a full page, its absence from the page proves nothing: ask for the item itself.
    return truncated && (await this.exists(tenant, own));
  }

  /**
   * Takes a submission back before its writer answers anything but 'created': 'withdrawn' when it was
   * still waiting (nobody can append it now), 'appended' when a transaction already did.
   */
  async withdraw(tenant: string, inbox: string): Promise<'withdrawn' | 'appended'> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.client.send(
          new DeleteCommand({
            TableName: this.stateTable,
            Key: stateKeys.inbox(tenant, inbox),
            ConditionExpression: 'attribute_exists(pk)',
          }),
        );
        return 'withdrawn';
      } catch (error) {
        const { name } = error as Error;
        if (name === 'ConditionalCheckFailedException') return 'appended';
        // DynamoDB refuses a write to an item a transaction in flight holds: that transaction may be the
        // one appending this submission, so its fate is decided in milliseconds; ask again.
        if (name !== 'TransactionConflictException' || attempt >= WITHDRAW_ATTEMPTS) {
          return callStorage(() => Promise.reject(error));
        }
        await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
      }
    }
  }

  /**
   * Takes the tenant's sequencer lease when nobody holds it or its holder let it run out (died, or
   * stalled): only the holder runs inbox rounds, so N waiting writers cost one transaction per round
   * instead of N colliding ones, and they wait without reading the inbox. The lease is for speed only:
   * two holders at once (clocks apart, a stalled one waking) still cannot fork the chain, because every
   * round's transaction is conditioned on the ledger head and on each inbox item it removes.
   * `roundMs` tells the waiting writers how often to look.
   */
  async acquireLease(tenant: string, owner: string, roundMs: number, now = Date.now()): Promise<boolean> {
    return this.putLease(tenant, owner, roundMs, now, 'attribute_not_exists(pk) OR #until < :now', {
      ':now': now,
    });
  }

  /** Extends a lease this writer still holds; false when it ran out and somebody else took it. */
  async renewLease(tenant: string, owner: string, roundMs: number, now = Date.now()): Promise<boolean> {
    return this.putLease(tenant, owner, roundMs, now, '#owner = :owner', { ':owner': owner });
  }

  /** Hands the lease back at once, so a waiting writer takes it at its next look instead of at expiry. */
  async releaseLease(tenant: string, owner: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.stateTable,
          Key: stateKeys.sequencer(tenant),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch {
      // Taken over already, or storage failed: either way the lease runs out by itself within LEASE_MS.
    }
  }

  private async putLease(
    tenant: string,
    owner: string,
    roundMs: number,
    now: number,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await callStorage(() =>
        this.client.send(
          new PutCommand({
            TableName: this.stateTable,
            Item: {
              ...stateKeys.sequencer(tenant),
              owner,
              until: now + LEASE_MS,
              roundMs: Math.round(roundMs),
            },
            ConditionExpression: condition,
            ExpressionAttributeNames: condition.includes('#until')
              ? { '#until': 'until' }
              : { '#owner': 'owner' },
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private async exists(tenant: string, inbox: string): Promise<boolean> {
    const response = await callStorage(() =>
      this.client.send(
        new GetCommand({
          TableName: this.stateTable,
          Key: stateKeys.inbox(tenant, inbox),
          ConsistentRead: true,
        }),
      ),
    );
    return response.Item !== undefined;
  }
}
