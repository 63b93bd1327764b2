import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient } from '../support/http.ts';
import { expectIntactLedger, seededRandom, shuffled, sleep } from '../support/reliability.ts';

const tokens = [
  { token: 'retries-writer-token-01', tenant: 'retries', role: 'writer' },
  { token: 'retries-reader-token-01', tenant: 'retries', role: 'reader' },
] as const;

const EVENTS = 1_000;
const CLIENTS = 24;
const random = seededRandom(0x5eed_0001);

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
});
afterAll(async () => {
  await runtime?.stop();
});

/** Event n, identical on every send (fixed time): a retry is the same payload, as a CI job re-run is. */
function event(n: number) {
  const kinds = [
    { type: 'incident.resolved', data: { incidentId: `inc-${n}` } },
    {
      type: 'tests.completed',
      data: { releaseId: `rel-${n % 50}`, suite: `suite-${n}`, passed: n % 7 !== 0 },
    },
    {
      type: 'approval.granted',
      data: { releaseId: `rel-${n % 50}`, environment: 'staging', approver: `u${n}` },
    },
  ] as const;
  const kind = kinds[n % kinds.length] as (typeof kinds)[number];
  return {
    specversion: '1.0',
    id: `retry-${n}`,
    source: 'https://ci.example.com/retries',
    type: kind.type,
    time: '2026-11-21T10:00:00Z',
    data: kind.data,
  };
}

describe('retries and duplicates', () => {
  it(`stores ${EVENTS} distinct events exactly once when each is posted 3–5 times, some copies concurrently`, async () => {
    const writer = apiClient(runtime.apiUrl, tokens[0].token);
    // Every event gets 3–5 sends; a third of them send two copies at the same moment (both in flight).
    const sends: { n: number; together: number }[] = [];
    for (let n = 1; n <= EVENTS; n += 1) {
      const copies = 3 + Math.floor(random() * 3);
      const together = n % 3 === 0 ? 2 : 1;
      for (let sent = 0; sent < copies; sent += together)
        sends.push({ n, together: Math.min(together, copies - sent) });
    }
    const queue = shuffled(sends, random);
    const answers = new Map<number, { status: number; body: string; replayed: boolean }[]>();
    let retried503 = 0;

    const postUntilAnswered = async (n: number) => {
      for (;;) {
        const response = await writer('POST', '/v1/events', event(n));
        if (response.status === 503) {
          retried503 += 1;
          await sleep(Number(response.headers.get('retry-after') ?? 1) * 100);
          continue;
        }
        const list = answers.get(n) ?? [];
        list.push({
          status: response.status,
          body: JSON.stringify(response.json),
          replayed: response.headers.get('idempotent-replayed') === 'true',
        });
        answers.set(n, list);
        return;
      }
    };
    const client = async () => {
      for (let next = queue.pop(); next; next = queue.pop()) {
        await sleep(Math.floor(random() * 20));
        await Promise.all(Array.from({ length: next.together }, () => postUntilAnswered(next.n)));
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));

    const all = [...answers.values()].flat();
    expect(all).toHaveLength(sends.reduce((sum, s) => sum + s.together, 0));
    expect(all.length).toBeGreaterThanOrEqual(3 * EVENTS);
    for (const [n, list] of answers) {
      // One 201 per event; every other send a 200 replay with the byte-identical body.
      expect(
        list.filter((a) => a.status === 201),
        `event ${n}`,
      ).toHaveLength(1);
      expect(list.filter((a) => a.status === 200 && a.replayed)).toHaveLength(list.length - 1);
      expect(new Set(list.map((a) => a.body)).size).toBe(1);
    }
    const events = await expectIntactLedger(apiClient(runtime.apiUrl, tokens[1].token), EVENTS);
    expect(new Set(events.map((e) => e.id))).toEqual(
      new Set(Array.from({ length: EVENTS }, (_, i) => `retry-${i + 1}`)),
    );
    console.info(
      `retries and duplicates: ${EVENTS} events, ${all.length} sends (${all.length - EVENTS} duplicates), ${retried503} 503s retried`,
    );
  }, 180_000);
});
