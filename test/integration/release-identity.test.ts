import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CallerRevokedError,
  EventRefusedError,
  LedgerIntegrityError,
} from '../../domain/ports/event-store.ts';
import { DynamoDbTokenStore, hashToken } from '../../functions/adapters/dynamodb-token-store.ts';
import { eventKeys, stateKeys } from '../../functions/adapters/ledger-tables.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
});

// A short budget: before the fix these appends rebased until it ran out and answered 503.
const store = () => tables.store({ appendBudgetMs: 1_000 });
const deploy = (deploymentId: string, service: string, version: string) =>
  incoming('deployment.started', { deploymentId, environment: 'production', service, version });
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('implicit release ids', () => {
  it('gives (a@b, c) and (a, b@c) two releases', async () => {
    const tenant = 'separators';
    const ledger = store();
    await ledger.appendEvents(tenant, [deploy('d-1', 'a@b', 'c')]);
    await ledger.appendEvents(tenant, [deploy('d-2', 'a', 'b@c')]);
    const releases = await ledger.listReleases(tenant, { limit: 10 });
    expect(releases.releases.map((r) => [r.releaseId, r.service, r.version]).sort()).toEqual([
      ['a%40b@c', 'a@b', 'c'],
      ['a@b%40c', 'a', 'b@c'],
    ]);
    expect(await ledger.verifyLedger(tenant)).toMatchObject({ ok: true });
  });

  it('keeps the id a release already has, found by service and version rather than recomputed', async () => {
    const tenant = 'older-ids';
    const ledger = store();
    // The id the ledger gave (a@b, c) before ids were escaped, now held as any stored release is.
    await ledger.appendEvents(tenant, [
      incoming('release.created', { releaseId: 'a@b@c', service: 'a@b', version: 'c' }),
    ]);
    const outcome = await ledger.appendEvents(tenant, [deploy('d-1', 'a@b', 'c'), deploy('d-2', 'a', 'b@c')]);
    const stored = await ledger.readLedger(tenant, 0, 10);
    expect(stored.events.map((e) => [e.type, e.data.releaseId])).toEqual([
      ['release.created', 'a@b@c'],
      ['release.created', 'a@b%40c'],
      ['deployment.started', 'a@b@c'],
      ['deployment.started', 'a@b%40c'],
    ]);
    expect(outcome.results).toHaveLength(2);
  });

  it('refuses a client release that takes the id of another service version’s implicit release', async () => {
    const tenant = 'squatter';
    const error = await refusal(
      store().appendEvents(tenant, [
        incoming('release.created', { releaseId: 'api@1.0', service: 'web', version: '9' }),
      ]),
    );
    expect(error).toBeInstanceOf(EventRefusedError);
    expect(error).toMatchObject({
      code: 'validation_failed',
      issues: [{ index: 0, path: ['data', 'releaseId'] }],
    });
    // Its own implicit id is the natural one to choose, and is accepted.
    await store().appendEvents(tenant, [
      incoming('release.created', { releaseId: 'web@9', service: 'web', version: '9' }),
    ]);
  });

  it('answers a deployment whose implicit id an older release holds with 409, not a retry loop', async () => {
    const tenant = 'squatted';
    // A ledger written before client ids were checked may hold such a release.
    await tables.documentClient.send(
      new PutCommand({
        TableName: tables.stateTable,
        Item: { ...stateKeys.release(tenant, 'api@1.0'), releaseId: 'api@1.0', service: 'web', version: '9' },
      }),
    );
    const error = await refusal(store().appendEvents(tenant, [deploy('d-1', 'api', '1.0')]));
    expect(error).toBeInstanceOf(EventRefusedError);
    expect(error).toMatchObject({
      code: 'release_id_taken',
      issues: [{ index: 0, path: ['data', 'releaseId'] }],
    });
    expect((await store().readLedger(tenant, 0, 10)).events).toEqual([]);
  });

  it('refuses a second release.created that gives an existing release id another service or version', async () => {
    const tenant = 'recreated';
    await store().appendEvents(tenant, [
      incoming('release.created', { releaseId: 'r1', service: 'api', version: '1' }),
    ]);
    const error = await refusal(
      store().appendEvents(tenant, [
        incoming('release.created', { releaseId: 'r1', service: 'web', version: '1' }),
      ]),
    );
    expect(error).toMatchObject({ code: 'release_id_taken', issues: [{ path: ['data', 'releaseId'] }] });
  });
});

describe('cancelled transactions', () => {
  it('fails at once with an integrity error when an entry the head does not cover is already stored', async () => {
    const tenant = 'written-around';
    await store().appendEvents(tenant, [incoming('incident.resolved', { incidentId: 'i-1' })]);
    // Seq 2 exists although the head says 1: no rebase can ever place the next event.
    await tables.documentClient.send(
      new PutCommand({
        TableName: tables.eventsTable,
        Item: { pk: eventKeys.ledger(tenant), sk: 2, body: '{}', eventHash: 'x', chainHash: 'y' },
      }),
    );
    const error = await refusal(
      store().appendEvents(tenant, [incoming('incident.resolved', { incidentId: 'i-2' })]),
    );
    expect(error).toBeInstanceOf(LedgerIntegrityError);
  });
});

describe('what a deployment’s earlier events established', () => {
  it('is derived from the stream for a deployment head written before heads kept it, then kept', async () => {
    const tenant = 'older-heads';
    await store().appendEvents(tenant, [
      incoming('deployment.requested', {
        deploymentId: 'd-1',
        environment: 'staging',
        service: 'api',
        version: '1',
      }),
    ]);
    const head = stateKeys.streamHead(tenant, 'deployment/d-1');
    // As a ledger written before this change holds it: the version alone.
    await tables.documentClient.send(
      new UpdateCommand({
        TableName: tables.stateTable,
        Key: head,
        UpdateExpression: 'REMOVE releaseId, service, environment, succeeded',
      }),
    );
    const contradiction = await refusal(
      store().appendEvents(tenant, [
        incoming('deployment.started', {
          deploymentId: 'd-1',
          environment: 'production',
          service: 'api',
          version: '1',
        }),
      ]),
    );
    expect(contradiction).toMatchObject({
      code: 'validation_failed',
      issues: [{ path: ['data', 'environment'] }],
    });
    await store().appendEvents(tenant, [
      incoming('deployment.succeeded', { deploymentId: 'd-1', environment: 'staging', releaseId: 'api@1' }),
    ]);
    const { Item } = await tables.documentClient.send(
      new GetCommand({ TableName: tables.stateTable, Key: head }),
    );
    expect(Item).toMatchObject({
      version: 2,
      releaseId: 'api@1',
      service: 'api',
      environment: 'staging',
      succeeded: true,
    });
  });

  it('answers a revoked caller 401, not what the deployment’s earlier events say', async () => {
    const tenant = 'revoked-refusal';
    const tokens = new DynamoDbTokenStore({ client: tables.documentClient, stateTable: tables.stateTable });
    const token = 'revoked-refusal-token-0001';
    await tokens.grant(token, { tenant, role: 'writer' });
    await store().appendEvents(tenant, [
      incoming('deployment.requested', {
        deploymentId: 'd-1',
        environment: 'staging',
        service: 'api',
        version: '1',
      }),
    ]);
    await tokens.revoke(token);
    const error = await refusal(
      store().appendEvents(
        tenant,
        [
          incoming('deployment.started', {
            deploymentId: 'd-1',
            environment: 'production',
            service: 'api',
            version: '1',
          }),
        ],
        { unverifiedCaller: { tokenHash: hashToken(token), role: 'writer' } },
      ),
    );
    expect(error).toBeInstanceOf(CallerRevokedError);
  });

  it('refuses one caller’s contradiction alone when appends are committed together', async () => {
    const tenant = 'grouped';
    const ledger = tables.store();
    await ledger.appendEvents(tenant, [
      incoming('deployment.requested', {
        deploymentId: 'd-1',
        environment: 'staging',
        service: 'api',
        version: '1',
      }),
    ]);
    // The first append is in flight while the next two queue up behind it and commit as one group.
    const [, good, bad] = await Promise.allSettled([
      ledger.appendEvents(tenant, [incoming('incident.resolved', { incidentId: 'i-1' })]),
      ledger.appendEvents(tenant, [
        incoming('deployment.started', {
          deploymentId: 'd-1',
          environment: 'staging',
          service: 'api',
          version: '1',
        }),
      ]),
      ledger.appendEvents(tenant, [
        incoming('deployment.started', {
          deploymentId: 'd-1',
          environment: 'production',
          service: 'api',
          version: '1',
        }),
      ]),
    ]);
    expect(good).toMatchObject({ status: 'fulfilled', value: { status: 'created' } });
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'validation_failed' } });
    expect((await ledger.readLedger(tenant, 0, 10)).events.map((e) => e.type)).toEqual([
      'release.created',
      'deployment.requested',
      'incident.resolved',
      'deployment.started',
    ]);
  });
});
