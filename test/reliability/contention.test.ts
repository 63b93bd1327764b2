import { beforeAll, describe, expect, it } from 'vitest';
import type { IncomingEvent } from '../../domain/ledger/ledger-event.ts';
import { StorageUnavailableError } from '../../domain/ports/event-store.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
});

const WRITERS = 16;
const EVENTS_PER_WRITER = 6;

interface Tally {
  readonly results: { seq: number; version: number; stream: string }[];
  retryable: number;
  readonly unexpected: unknown[];
}

/**
 * 16 writers, each its own store instance as separate Lambda containers are (no in-process queue), each
 * appending its events one by one. A short rebase budget makes some appends give up under contention:
 * that must surface as the retryable StorageUnavailableError (503 storage_unavailable with Retry-After
 * over HTTP), and the writer retries it.
 */
async function contend(
  tenant: string,
  eventFor: (writer: number, n: number) => IncomingEvent,
): Promise<Tally> {
  const tally: Tally = { results: [], retryable: 0, unexpected: [] };
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      const store = tables.store({ serializeInProcess: false, appendBudgetMs: 150 });
      for (let n = 0; n < EVENTS_PER_WRITER; n += 1) {
        const event = eventFor(writer, n);
        for (;;) {
          try {
            const outcome = await store.appendEvents(tenant, [event]);
            expect(outcome.status).toBe('created');
            tally.results.push(...outcome.results);
            break;
          } catch (error) {
            if (!(error instanceof StorageUnavailableError)) {
              tally.unexpected.push(error);
              break;
            }
            expect(error.code).toBe('storage_unavailable');
            tally.retryable += 1;
          }
        }
      }
    }),
  );
  return tally;
}

const TOTAL = WRITERS * EVENTS_PER_WRITER;
const oneToTotal = Array.from({ length: TOTAL }, (_, i) => i + 1);

describe('contention', () => {
  it(`gives ${WRITERS} concurrent writers on one stream distinct versions and seqs, losing nothing`, async () => {
    const tenant = 'one-stream';
    const tally = await contend(tenant, (writer, n) =>
      incoming('incident.resolved', { incidentId: 'shared', writer, n }),
    );
    expect(tally.unexpected).toEqual([]);
    expect(tally.results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(oneToTotal);
    expect(tally.results.map((r) => r.version).sort((a, b) => a - b)).toEqual(oneToTotal);

    const store = tables.store();
    const stream = await store.readStream(tenant, 'incident/shared');
    expect(stream.map((e) => e.version)).toEqual(oneToTotal);
    const ledger = await store.readLedger(tenant, 0, 1000);
    expect(ledger.events.map((e) => e.seq)).toEqual(oneToTotal);
    expect(new Set(ledger.events.map((e) => `${e.data.writer}/${e.data.n}`)).size).toBe(TOTAL);
    expect(await store.verifyLedger(tenant)).toMatchObject({ ok: true, checked: TOTAL });
    console.info(
      `contention (one stream): ${TOTAL} events by ${WRITERS} writers, ${tally.retryable} retryable refusals`,
    );
  });

  it(`gives ${WRITERS} concurrent writers on separate streams of one tenant head seqs without a gap`, async () => {
    const tenant = 'one-head';
    const tally = await contend(tenant, (writer, n) =>
      incoming('incident.resolved', { incidentId: `w${writer}`, n }),
    );
    expect(tally.unexpected).toEqual([]);
    expect(tally.results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(oneToTotal);
    const store = tables.store();
    for (let writer = 0; writer < WRITERS; writer += 1) {
      const stream = await store.readStream(tenant, `incident/w${writer}`);
      expect(stream.map((e) => [e.version, e.data.n])).toEqual(
        Array.from({ length: EVENTS_PER_WRITER }, (_, n) => [n + 1, n]),
      );
    }
    expect(await store.verifyLedger(tenant)).toMatchObject({ ok: true, checked: TOTAL });
    console.info(
      `contention (one head): ${TOTAL} events by ${WRITERS} writers, ${tally.retryable} retryable refusals`,
    );
  });
});
