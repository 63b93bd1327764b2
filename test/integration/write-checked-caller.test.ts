import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { CallerRevokedError, type UnverifiedCaller } from '../../domain/ports/event-store.ts';
import { DynamoDbTokenStore, hashToken } from '../../functions/adapters/dynamodb-token-store.ts';
import { handler as authorizer } from '../../functions/auth/token-authorizer.ts';
import type { HttpEvent, HttpResult } from '../../functions/http/http-api.ts';
import { handler as postEvents } from '../../functions/http/post-events.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { cloudEvent } from '../support/http.ts';
import { incoming, testRun } from '../support/incoming-events.ts';

let tables: TestTables;
let tokens: DynamoDbTokenStore;
beforeAll(async () => {
  tables = await createTestTables();
  tokens = new DynamoDbTokenStore({ client: tables.documentClient, stateTable: tables.stateTable });
});

/** A token granted to the tenant, and the caller the authorizer passes when it did not re-read it. */
async function writer(tenant: string, name: string): Promise<{ token: string; caller: UnverifiedCaller }> {
  const token = `${tenant}-${name}-token-0000001`;
  await tokens.grant(token, { tenant, role: 'writer' });
  return { token, caller: { tokenHash: hashToken(token), role: 'writer' } };
}

describe('appends by a caller whose token was not re-read (the authorizer remembered the grant)', () => {
  it('stores the events with the token check in the same single transaction', async () => {
    const tenant = 'checked';
    const { caller } = await writer(tenant, 'w');
    const { store, sent } = tables.countingStore();
    await store.appendEvents(tenant, [testRun(tenant, 0)]);
    delete sent.TransactWriteItems;
    const outcome = await store.appendEvents(tenant, [testRun(tenant, 1)], { unverifiedCaller: caller });
    expect(outcome.status).toBe('created');
    // This process made the last append, so it plans from memory: the transaction is the only request.
    expect(sent).toMatchObject({ TransactWriteItems: 1 });
    expect(sent.GetItem ?? 0).toBe(0);
  });

  it('writes nothing once the token is revoked, nor for a token granted to another tenant or role', async () => {
    const tenant = 'revoked';
    const { token, caller } = await writer(tenant, 'w');
    const other = await writer('someone-else', 'w');
    const store = tables.store();
    await store.appendEvents(tenant, [testRun(tenant, 0)], { unverifiedCaller: caller });
    expect(await tokens.revoke(token)).toBe(true);
    for (const unverifiedCaller of [caller, other.caller, { ...caller, role: 'admin' }]) {
      await expect(
        store.appendEvents(tenant, [testRun(tenant, 1)], { unverifiedCaller }),
      ).rejects.toBeInstanceOf(CallerRevokedError);
    }
    expect((await store.readLedger(tenant, 0, 10)).events.map((e) => e.id)).toEqual([`${tenant}-t0`]);
  });

  it('answers a revoked caller 401 for a replay or a conflict too, so it learns nothing of what is stored', async () => {
    const tenant = 'revoked-replay';
    const { token, caller } = await writer(tenant, 'w');
    const store = tables.store();
    const stored = testRun(tenant, 0);
    await store.appendEvents(tenant, [stored], { unverifiedCaller: caller });
    expect((await store.appendEvents(tenant, [stored], { unverifiedCaller: caller })).status).toBe(
      'replayed',
    );
    await tokens.revoke(token);
    const changed = incoming(
      'tests.completed',
      { releaseId: `${tenant}-r`, suite: 'suite-0', passed: false },
      { id: `${tenant}-t0` },
    );
    for (const events of [[stored], [changed]]) {
      await expect(store.appendEvents(tenant, events, { unverifiedCaller: caller })).rejects.toBeInstanceOf(
        CallerRevokedError,
      );
    }
  });

  it('refuses only the revoked callers of a shared transaction and stores everyone else’s, once', async () => {
    const tenant = 'revoked-in-group';
    const valid = await writer(tenant, 'valid');
    const doomed = await writer(tenant, 'doomed');
    const { store, sent } = tables.countingStore();
    await store.appendEvents(tenant, [testRun(tenant, 0)]);
    await tokens.revoke(doomed.token);
    // Queued behind one append in flight, so they share transactions; the valid caller appears several
    // times in one group, and its token is checked once per transaction.
    const settled = await Promise.allSettled(
      Array.from({ length: 12 }, (_, n) =>
        store.appendEvents(tenant, [testRun(tenant, n + 1)], {
          unverifiedCaller: n % 3 === 2 ? doomed.caller : valid.caller,
        }),
      ),
    );
    settled.forEach((outcome, n) => {
      if (n % 3 === 2) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(CallerRevokedError);
      else expect(outcome.status, `submission ${n}`).toBe('fulfilled');
    });
    expect(sent.TransactWriteItems).toBeLessThan(12);
    const ids = (await store.readLedger(tenant, 0, 20)).events.map((e) => e.id);
    expect(ids).toEqual([0, 1, 2, 4, 5, 7, 8, 10, 11].map((n) => `${tenant}-t${n}`));
    expect(await store.verifyLedger(tenant)).toMatchObject({ ok: true, checked: 9 });
  });
});

describe('appends by a caller whose token the authorizer read for this very request', () => {
  it('writes nothing when the token is revoked between the authorizer’s read and the write', async () => {
    Object.assign(process.env, {
      LEDGER_EVENTS_TABLE: tables.eventsTable,
      LEDGER_STATE_TABLE: tables.stateTable,
      LEDGER_DYNAMODB_ENDPOINT: tables.endpoint,
    });
    const tenant = 'fresh-read';
    const { token } = await writer(tenant, 'w');
    const routeKey = 'POST /v1/events';
    // The authorizer has never seen this token, so it reads the grant: the path with no remembered grant.
    const decision = await authorizer({ routeKey, headers: { authorization: `Bearer ${token}` } } as never);
    expect(decision?.context).toMatchObject({ tenant, role: 'writer' });
    expect(decision?.context).not.toHaveProperty('unverifiedTokenHash');
    // Revoked while the request is on its way from the authorizer to the handler.
    expect(await tokens.revoke(token)).toBe(true);
    const response = (await postEvents(
      {
        routeKey,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(cloudEvent('incident.resolved', { incidentId: `${tenant}-1` })),
        isBase64Encoded: false,
        requestContext: { authorizer: { lambda: decision?.context } },
      } as unknown as HttpEvent,
      {} as Context,
    )) as HttpResult;
    expect(response.statusCode).toBe(401);
    expect((await tables.store().readLedger(tenant, 0, 10)).events).toEqual([]);
  });
});
