import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { bulkLoad } from '../../bench/bulk-load.ts';
import { syntheticHistory } from '../../bench/synthetic-history.ts';
import { canonicalJson } from '../../domain/ledger/canonical-json.ts';
import { sha256Hex } from '../../domain/ledger/hash-chain.ts';
import type { IncomingEvent, LedgerEventType } from '../../domain/ledger/ledger-event.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

const EVENTS_PER_APPEND = 10;

/** A clock that moves one second per reading, so every submission gets its own recordedAt. */
function steppingClock() {
  let n = 0;
  return () => new Date(Date.UTC(2026, 5, 1) + 1000 * n++);
}

function decision(type: LedgerEventType, id: string, data: Record<string, unknown>): IncomingEvent {
  return {
    source: 'release-ledger',
    id,
    type,
    data,
    original: { format: 'derived', payload: null },
    payloadHash: sha256Hex(canonicalJson(data)),
  };
}

/**
 * 300 synthetic events, plus one of each kind of event whose items the synthetic history lacks: a
 * deployment naming an unknown (service, version) (implicit release), a policy naming alarms and a
 * gate bypass.
 */
function history(): IncomingEvent[] {
  const events = [...syntheticHistory(300, new Date(Date.UTC(2026, 5, 1)))];
  events.splice(
    95,
    0,
    incoming('deployment.succeeded', {
      deploymentId: 'unreleased-1',
      environment: 'production',
      service: 'svc-x',
      version: '9.9.9',
    }),
    decision('policy.updated', 'policy-1', {
      service: 'svc-1',
      environment: 'production',
      policy: { autoRollback: { alarms: ['svc-1-errors', 'svc-1-latency'] } },
    }),
    decision('gate.bypassed', 'bypass-1', {
      deploymentId: 'svc-1-1-prod',
      releaseId: 'svc-1-1',
      service: 'svc-1',
      environment: 'production',
      gateStatus: 'failed',
    }),
  );
  return events;
}

async function everyItem(t: TestTables, table: string) {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await t.documentClient.send(new ScanCommand({ TableName: table, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items.sort((a, b) => {
    const x = `${a.pk}\u0000${String(a.sk).padStart(20, '0')}`;
    const y = `${b.pk}\u0000${String(b.sk).padStart(20, '0')}`;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

let appended: TestTables;
let bulk: TestTables;
const tenant = 'bulk-vs-append';

beforeAll(async () => {
  [appended, bulk] = await Promise.all([createTestTables(), createTestTables()]);
  const events = history();
  const store = appended.store({ clock: steppingClock() });
  for (let i = 0; i < events.length; i += EVENTS_PER_APPEND) {
    await store.appendEvents(tenant, events.slice(i, i + EVENTS_PER_APPEND));
  }
  await bulkLoad(tenant, events, events.length, {
    client: bulk.documentClient,
    eventsTable: bulk.eventsTable,
    stateTable: bulk.stateTable,
    eventsPerAppend: EVENTS_PER_APPEND,
    clock: steppingClock(),
    concurrency: 4,
  });
});

describe('the bench bulk loader', () => {
  it('stores exactly the items the append path stores, in both tables', async () => {
    const [appendedEvents, bulkEvents] = await Promise.all([
      everyItem(appended, appended.eventsTable),
      everyItem(bulk, bulk.eventsTable),
    ]);
    const [appendedState, bulkState] = await Promise.all([
      everyItem(appended, appended.stateTable),
      everyItem(bulk, bulk.stateTable),
    ]);
    // Entries (one per event, plus the implicit release), pointers, and every kind of state item.
    expect(appendedEvents.filter((item) => item.kind === 'entry')).toHaveLength(304);
    const kinds = new Set(
      appendedState.map((item) => {
        const pk = String(item.pk);
        return pk.startsWith('alarm#') ? 'alarm#' : pk.slice(`${tenant}#`.length).split('#')[0];
      }),
    );
    expect([...kinds].sort()).toEqual([
      'alarm#',
      'gate-bypasses',
      'head',
      'idem',
      'release',
      'releases',
      'relver',
      'stream',
    ]);
    expect(bulkEvents).toEqual(appendedEvents);
    expect(bulkState).toEqual(appendedState);
  });

  it('leaves a ledger whose hash chain verifies up to the head', async () => {
    expect(await bulk.store().verifyLedger(tenant)).toMatchObject({ ok: true, checked: 304 });
  });

  it('leaves a tenant the append path carries on from', async () => {
    const next = incoming('deployment.started', {
      deploymentId: 'after-bulk',
      environment: 'staging',
      releaseId: 'svc-1-1',
    });
    const outcome = await bulk.store().appendEvents(tenant, [next]);
    expect(outcome.results[0]).toMatchObject({ seq: 305, stream: 'deployment/after-bulk', version: 1 });
    const [event] = (await bulk.store().readLedger(tenant, 304, 1)).events;
    // The release catalogue written by the loader resolved the deployment's service and version.
    expect(event?.data).toMatchObject({ service: 'svc-1', version: '1' });
    expect(await bulk.store().verifyLedger(tenant)).toMatchObject({ ok: true, checked: 305 });
  });
});
