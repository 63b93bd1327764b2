import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventBus } from '../../functions/adapters/event-bus.ts';
import type { EventBridgeEvent } from '../../infra/local/event-bus.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';
import {
  expectIntactLedger,
  type LedgerEventJson,
  readWholeLedger,
  seededRandom,
  shuffled,
  sleep,
} from '../support/reliability.ts';

const tokens = [
  { token: 'bus-admin-token-0000001', tenant: 'bus', role: 'admin' },
  { token: 'bus-writer-token-000001', tenant: 'bus', role: 'writer' },
] as const;

const REQUESTS = 24;
const DOWN_MS = 3_000;
const random = seededRandom(0x5eed_0004);

let runtime: LocalRuntime;
let admin: ReturnType<typeof apiClient>;
let writer: ReturnType<typeof apiClient>;
/** How the relay's PutEvents calls fare: real, randomly failing (whole call or per entry), or bus down. */
let mode: 'healthy' | 'flaky' | 'down' = 'healthy';
const injected = { wholeCall: 0, entries: 0, whileDown: 0 };
/** Every ledger event the observer rule received, by seq, with how many times. */
const observed = new Map<number, number>();

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    tokens: [...tokens],
    extraRules: [
      {
        name: 'observer',
        eventPattern: { source: ['release-ledger'] },
        target: async (event: EventBridgeEvent) => {
          const seq = (event.detail as { seq: number }).seq;
          observed.set(seq, (observed.get(seq) ?? 0) + 1);
        },
      },
    ],
  });
  admin = apiClient(runtime.apiUrl, tokens[0].token);
  writer = apiClient(runtime.apiUrl, tokens[1].token);
  // The relay's own client, in front of the real bus stand-in: refused entries never reach the bus.
  eventBus().middlewareStack.add(
    (next) => async (args) => {
      if (mode === 'down') {
        injected.whileDown += 1;
        throw Object.assign(new Error('bus unavailable'), { name: 'ServiceUnavailable' });
      }
      if (mode === 'healthy') return next(args);
      if (random() < 0.2) {
        injected.wholeCall += 1;
        throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      }
      const input = args.input as { Entries: unknown[] };
      const refused = input.Entries.map(() => random() < 0.2);
      injected.entries += refused.filter(Boolean).length;
      const result = await next({
        ...args,
        input: { ...input, Entries: input.Entries.filter((_, i) => !refused[i]) } as typeof args.input,
      });
      const output = result.output as {
        Entries?: { EventId?: string; ErrorCode?: string }[];
        FailedEntryCount?: number;
      };
      const accepted = [...(output.Entries ?? [])];
      output.Entries = refused.map((no) =>
        no ? { ErrorCode: 'InternalFailure' } : (accepted.shift() ?? {}),
      );
      output.FailedEntryCount = refused.filter(Boolean).length;
      return result;
    },
    { step: 'initialize', name: 'reliabilityBusFaults' },
  );
});

afterAll(async () => {
  await runtime?.stop();
});

const post = async (type: string, data: Record<string, unknown>) => {
  const response = await writer(
    'POST',
    '/v1/events',
    cloudEvent(type, data, { id: `${type}-${JSON.stringify(data)}` }),
  );
  expect(response.status, JSON.stringify(response.json)).toBe(201);
};
const requested = (n: number) => ({ deploymentId: `stg-${n}`, environment: 'staging', releaseId: 'api-2.0' });
const ofType = (events: LedgerEventJson[], type: string) => events.filter((e) => e.type === type);

/** Waits until every deployment request has its gate decision and the observer has seen every seq. */
async function settled(requests: number) {
  return eventually(async () => {
    const events = await readWholeLedger(admin);
    const decided = ofType(events, 'gate.evaluated').length >= requests;
    const allSeen = events.every((e) => observed.has(e.seq));
    return decided && allSeen ? events : undefined;
  }, 45_000);
}

describe('bus faults', () => {
  it('delivers every ledger event to its rules despite failing PutEvents calls, refused entries and an outage', async () => {
    expect(
      (
        await admin('PUT', '/v1/policies/api/production', {
          autoRollback: { enabled: true, severities: ['sev1'], windowMinutes: 60 },
        })
      ).status,
    ).toBe(201);
    mode = 'flaky';
    await post('release.created', { releaseId: 'api-1.0', service: 'api', version: '1.0' });
    await post('deployment.succeeded', {
      deploymentId: 'prod-1',
      environment: 'production',
      releaseId: 'api-1.0',
    });
    await post('release.created', { releaseId: 'api-2.0', service: 'api', version: '2.0' });
    await post('deployment.succeeded', {
      deploymentId: 'prod-2',
      environment: 'production',
      releaseId: 'api-2.0',
    });
    for (let n = 1; n <= REQUESTS / 2; n += 1) await post('deployment.requested', requested(n));
    await post('incident.opened', {
      incidentId: 'inc-1',
      service: 'api',
      environment: 'production',
      severity: 'sev1',
      deploymentId: 'prod-2',
    });
    await settled(REQUESTS / 2);

    mode = 'down';
    for (let n = REQUESTS / 2 + 1; n <= REQUESTS; n += 1) await post('deployment.requested', requested(n));
    await post('incident.opened', {
      incidentId: 'inc-2',
      service: 'api',
      environment: 'production',
      severity: 'sev1',
      deploymentId: 'prod-2',
    });
    await sleep(DOWN_MS);
    expect(injected.whileDown).toBeGreaterThan(0);
    mode = 'healthy';

    const events = await settled(REQUESTS);
    await runtime.bus.idle();
    const final = await readWholeLedger(admin);
    for (let n = 1; n <= REQUESTS; n += 1) {
      const gates = ofType(final, 'gate.evaluated').filter((e) => e.data.deploymentId === `stg-${n}`);
      expect(gates, `stg-${n}`).toHaveLength(1);
    }
    expect(ofType(final, 'rollback.requested').filter((e) => e.data.deploymentId === 'prod-2')).toHaveLength(
      1,
    );
    await expectIntactLedger(admin, final.length);
    expect(final.length).toBe(events.length);
    const redelivered = [...observed.values()].reduce((a, b) => a + b, 0) - observed.size;
    console.info(
      `bus faults: ${final.length} events all delivered; injected ${injected.wholeCall} failed calls, ${injected.entries} refused entries, ${injected.whileDown} calls while down (${DOWN_MS} ms); ${redelivered} redeliveries absorbed`,
    );
  }, 120_000);

  it('acts exactly once when gate and rollback functions get the same events two or three times, out of order', async () => {
    const before = await readWholeLedger(admin);
    const triggers = before
      .filter((e) => e.type === 'deployment.requested' || e.type === 'incident.opened')
      .map((e) => ({
        version: '0',
        id: `redelivery-${e.seq}`,
        'detail-type': e.type,
        source: 'release-ledger',
        account: '000000000000',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: { ...e, tenant: 'bus' },
      }));
    const copies = triggers.flatMap((trigger) =>
      Array.from({ length: 2 + Math.floor(random() * 2) }, () => trigger),
    );
    // Newest first and shuffled, all at once: late, duplicated and concurrent deliveries.
    await Promise.all(
      shuffled(copies, random).map((trigger) =>
        runtime.invoke(
          trigger['detail-type'] === 'incident.opened' ? 'requestRollback' : 'evaluateGate',
          trigger,
        ),
      ),
    );
    await runtime.bus.idle();
    const after = await readWholeLedger(admin);
    expect(after).toEqual(before);
    expect(copies.length).toBeGreaterThanOrEqual(2 * triggers.length);
    console.info(
      `bus faults: ${copies.length} duplicate or reordered deliveries of ${triggers.length} triggers, 0 new decisions`,
    );
  });
});
