import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../functions/adapters/clients.ts';
import type { EventBridgeEvent } from '../../infra/local/event-bus.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';
import { testRun } from '../support/incoming-events.ts';

const writer = { token: 'seeded-writer-token-0000001', tenant: 'seeded', role: 'writer' } as const;
const reader = { token: 'seeded-reader-token-0000001', tenant: 'seeded', role: 'reader' } as const;
let runtime: LocalRuntime;
const published: EventBridgeEvent[] = [];
let seededSeqs: number[] = [];

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    tokens: [writer, reader],
    extraRules: [
      {
        name: 'observe',
        eventPattern: { source: ['release-ledger'] },
        target: async (event) => void published.push(event),
      },
    ],
    // Written through the real append path, before anything reacts: as if restored from a backup.
    seed: async () => {
      const outcome = await adapters().eventStore.appendEvents(
        'seeded',
        [1, 2, 3, 4, 5].map((n) => testRun('seeded', n)),
      );
      seededSeqs = outcome.results.map((result) => result.seq);
    },
  });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('a local runtime started with seeded data', () => {
  it('relays only what is written after start: the seed is in the ledger, but no reaction sees it', async () => {
    expect(seededSeqs).toEqual([1, 2, 3, 4, 5]);
    const post = apiClient(runtime.apiUrl, writer.token);
    const after = await post('POST', '/v1/events', cloudEvent('incident.resolved', { incidentId: 'later' }));
    expect(after.status).toBe(201);
    const seq = after.json.event.seq as number;
    expect(seq).toBe(6);
    // The stream is relayed in order, so once the new event is on the bus, any seeded one would be too.
    await eventually(() =>
      published.find((event) => (event.detail as { seq?: number }).seq === seq) ? true : undefined,
    );
    expect(published.map((event) => (event.detail as { seq: number }).seq)).toEqual([seq]);

    const read = apiClient(runtime.apiUrl, reader.token);
    const verified = await read('GET', '/v1/audit/verify');
    expect(verified.status).toBe(200);
    expect(verified.json).toMatchObject({ ok: true, checked: 6 });
  });
});
