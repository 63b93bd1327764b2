import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { policyStream, serviceStream } from '../../domain/ledger/streams.ts';
import { eventKeys } from '../../functions/adapters/ledger-tables.ts';
import { readPairHistory } from '../../functions/reactions/pair-history.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
});

const incident = (incidentId: string, service: string, environment: string) =>
  incoming('incident.opened', { incidentId, service, environment, severity: 'sev1' });

describe('stream names of a service in an environment', () => {
  it('keeps (a/b, c) and (a, b/c) apart, and plain names as they always were', async () => {
    const tenant = 'slashes';
    const store = tables.store();
    await store.appendEvents(tenant, [incident('i-1', 'a/b', 'c'), incident('i-2', 'a', 'b/c')]);
    const ids = async (service: string, environment: string) =>
      (await store.readStream(tenant, serviceStream(service, environment))).map((e) => e.data.incidentId);
    expect(await ids('a/b', 'c')).toEqual(['i-1']);
    expect(await ids('a', 'b/c')).toEqual(['i-2']);
    expect(serviceStream('api', 'production')).toBe('service/api/production');
    expect(policyStream('a/b', 'c')).not.toBe(policyStream('a', 'b/c'));
  });

  it('still reads what was stored under the older name, keeping only the pair’s own events', async () => {
    const tenant = 'older-names';
    const store = tables.store();
    await store.appendEvents(tenant, [incident('i-1', 'a/b', 'c'), incident('i-2', 'a', 'b/c')]);
    // Before names were encoded both incidents were in `service/a/b/c`: point that stream at them.
    for (const [version, seq] of [
      [1, 1],
      [2, 2],
    ]) {
      await tables.documentClient.send(
        new PutCommand({
          TableName: tables.eventsTable,
          Item: { pk: eventKeys.stream(tenant, 'service/a/b/c'), sk: version, kind: 'pointer', seq },
        }),
      );
    }
    const ids = async (service: string, environment: string) =>
      (await readPairHistory(store, tenant, 'service', service, environment)).map((e) => e.data.incidentId);
    expect(await ids('a/b', 'c')).toEqual(['i-1']);
    expect(await ids('a', 'b/c')).toEqual(['i-2']);
  });
});
