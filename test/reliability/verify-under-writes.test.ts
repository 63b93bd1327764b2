import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChainHead } from '../../domain/ledger/hash-chain.ts';
import { StorageUnavailableError } from '../../domain/ports/event-store.ts';
import { adapters } from '../../functions/adapters/clients.ts';
import { eventKeys, stateKeys } from '../../functions/adapters/ledger-tables.ts';
import type { HttpEvent, HttpResult } from '../../functions/http/http-api.ts';
import { handler as verifyLedger } from '../../functions/http/verify-ledger.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
  // The verify handler reads its tables from the environment, as on Lambda.
  Object.assign(process.env, {
    LEDGER_EVENTS_TABLE: tables.eventsTable,
    LEDGER_STATE_TABLE: tables.stateTable,
    LEDGER_DYNAMODB_ENDPOINT: tables.endpoint,
  });
  // The handler's client: head reads pass through `headSeen`, which stands for what a read-committed
  // read of a transaction in flight may show, something DynamoDB Local (whose transactions are atomic
  // to every read) never does.
  adapters().dynamoDb.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const output = result.output as {
        Item?: Record<string, unknown>;
        Responses?: Record<string, Record<string, unknown>[]>;
      };
      const isHead = (item: Record<string, unknown> | undefined) =>
        item?.sk === 'ledger' && String(item.pk).endsWith('#head');
      const seen = (item: Record<string, unknown>) => {
        const tenant = String(item.pk).slice(0, -'#head'.length);
        const head = headSeen(tenant, { seq: Number(item.seq), chainHash: String(item.chainHash) });
        return { ...item, seq: head.seq, chainHash: head.chainHash };
      };
      if (context.commandName === 'GetItemCommand' && isHead(output.Item)) {
        output.Item = seen(output.Item as Record<string, unknown>);
      }
      if (context.commandName === 'BatchGetItemCommand' && output.Responses) {
        for (const items of Object.values(output.Responses)) {
          items.forEach((item, at) => {
            if (isHead(item)) items[at] = seen(item);
          });
        }
      }
      return result;
    },
    { step: 'initialize', name: 'headVisibility' },
  );
});

let headSeen: (tenant: string, stored: ChainHead) => ChainHead = (_, stored) => stored;
afterEach(() => {
  headSeen = (_, stored) => stored;
});

const WRITERS = 4;
const EVENTS_PER_WRITER = 25;
/** The writer scenarios append 100 events with 40 verifications interleaved; give a loaded machine time. */
const WRITERS_TIMEOUT_MS = 180_000;
const VERIFICATIONS = 40;

async function ledgerOf(tenant: string, count: number): Promise<void> {
  const store = tables.store();
  for (let n = 1; n <= count; n += 1) {
    await store.appendEvents(tenant, [incoming('incident.resolved', { incidentId: `i-${n}` })]);
  }
}

async function storedEntry(tenant: string, seq: number): Promise<Record<string, unknown>> {
  const { Item } = await tables.documentClient.send(
    new GetCommand({ TableName: tables.eventsTable, Key: { pk: eventKeys.ledger(tenant), sk: seq } }),
  );
  return Item as Record<string, unknown>;
}

async function verifyOverHttp(tenant: string) {
  const event = {
    headers: {},
    requestContext: { authorizer: { lambda: { tenant, role: 'reader' } } },
  } as unknown as HttpEvent;
  const result = (await verifyLedger(event, {} as Context)) as HttpResult;
  return { status: result.statusCode, headers: result.headers, body: JSON.parse(String(result.body)) };
}

/**
 * Independent writers, each its own client and store as separate Lambda containers are, appending one
 * event at a time (retrying the 503 a lost race may give) until all have written `EVENTS_PER_WRITER`.
 */
async function independentWriters(tenant: string): Promise<void> {
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      const { client } = tables.countingClient();
      const store = tables.store({ client, serializeInProcess: false });
      for (let n = 0; n < EVENTS_PER_WRITER; n += 1) {
        const event = incoming('incident.resolved', { incidentId: `w${writer}-${n}` });
        for (;;) {
          try {
            await store.appendEvents(tenant, [event]);
            break;
          } catch (error) {
            if (!(error instanceof StorageUnavailableError)) throw error;
          }
        }
      }
    }),
  );
}

describe('GET /v1/audit/verify while independent writers append', () => {
  it(
    'never reports tampering on a healthy ledger: every verification vouches for a prefix it read',
    async () => {
      const tenant = 'verify-under-writes';
      let writing = true;
      const writers = independentWriters(tenant).finally(() => {
        writing = false;
      });
      const answers: Awaited<ReturnType<typeof verifyOverHttp>>[] = [];
      while (answers.length < VERIFICATIONS || writing) {
        answers.push(await verifyOverHttp(tenant));
      }
      await writers;

      expect(answers.filter((answer) => answer.status !== 200 || !answer.body.ok)).toEqual([]);
      // Each answer covers at least what the one before it did: verification walks a growing prefix.
      const checked = answers.map((answer) => answer.body.checked);
      expect(checked).toEqual([...checked].sort((a, b) => a - b));
      expect(await verifyOverHttp(tenant)).toMatchObject({
        status: 200,
        body: { ok: true, checked: WRITERS * EVENTS_PER_WRITER },
      });
    },
    WRITERS_TIMEOUT_MS,
  );
});

describe('GET /v1/audit/verify while a transaction is half visible to reads', () => {
  it('vouches for the head it read first when an entry past it is visible before its head', async () => {
    const tenant = 'entry-before-head';
    await ledgerOf(tenant, 3);
    const second = await storedEntry(tenant, 2);
    // The first head read still shows seq 2, as if seq 3's transaction had written only its entry yet.
    let reads = 0;
    headSeen = (of, stored) => {
      if (of !== tenant) return stored;
      reads += 1;
      return reads === 1 ? { seq: 2, chainHash: String(second.chainHash) } : stored;
    };

    expect(await verifyOverHttp(tenant)).toMatchObject({
      status: 200,
      body: { ok: true, checked: 2, head: { seq: 2, hash: second.chainHash } },
    });
  });

  it('answers 503, not tampered, while every head it reads is ahead of the entries it finds', async () => {
    const tenant = 'head-never-settles';
    await ledgerOf(tenant, 3);
    // Each read shows a newer head whose entries are not visible yet: the walk never sees one state twice.
    let reads = 0;
    headSeen = (of, stored) => {
      if (of !== tenant) return stored;
      reads += 1;
      return { seq: stored.seq + reads, chainHash: 'a'.repeat(64) };
    };

    const answer = await verifyOverHttp(tenant);
    expect(answer).toMatchObject({ status: 503, body: { error: { code: 'storage_unavailable' } } });
    expect(answer.headers).toMatchObject({ 'retry-after': '1' });
  });

  it(
    'still reports a deleted entry while independent writers append',
    async () => {
      const tenant = 'delete-under-writes';
      await ledgerOf(tenant, 6);
      await tables.documentClient.send(
        new DeleteCommand({ TableName: tables.eventsTable, Key: { pk: eventKeys.ledger(tenant), sk: 4 } }),
      );
      const writers = independentWriters(tenant);
      const answer = await verifyOverHttp(tenant);
      await writers;

      expect(answer).toMatchObject({ status: 200, body: { ok: false, firstBadSeq: 4 } });
      expect(
        (
          await tables.documentClient.send(
            new GetCommand({ TableName: tables.stateTable, Key: stateKeys.ledgerHead(tenant) }),
          )
        ).Item?.seq,
      ).toBe(6 + WRITERS * EVENTS_PER_WRITER);
    },
    WRITERS_TIMEOUT_MS,
  );
});
