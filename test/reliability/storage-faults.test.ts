import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../functions/adapters/clients.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient } from '../support/http.ts';
import { expectIntactLedger, seededRandom, sleep } from '../support/reliability.ts';

const tokens = [
  { token: 'faults-writer-token-001', tenant: 'faults', role: 'writer' },
  { token: 'faults-reader-token-001', tenant: 'faults', role: 'reader' },
] as const;

const EVENTS = 240;
const CLIENTS = 16;
/** Each DynamoDB call fails before reaching DynamoDB with this probability (split over three errors)... */
const FAULT_RATE = 0.15;
/** ...and each committed transaction is reported as timed out with this one (the write did happen). */
const LOST_ANSWER_RATE = 0.15;
const random = seededRandom(0x5eed_0003);

let runtime: LocalRuntime;
let faultsOn = false;
const injected = {
  ProvisionedThroughputExceededException: 0,
  InternalServerError: 0,
  TimeoutError: 0,
  lostAnswer: 0,
};
/** (source, id) of events whose transaction committed but whose answer the API never saw. */
const committedButTimedOut = new Set<string>();

const sdkError = (name: string, status: number) =>
  Object.assign(new Error(`injected ${name}`), {
    name,
    $metadata: { httpStatusCode: status },
    $retryable: {},
  });

/** Reads (source, id) of the ledger entries a TransactWriteItems input puts, marshalled or not. */
function entriesOf(input: unknown): string[] {
  const items =
    (input as { TransactItems?: { Put?: { Item?: Record<string, unknown> } }[] }).TransactItems ?? [];
  const text = (value: unknown) =>
    typeof value === 'object' && value !== null ? (value as { S?: string }).S : value;
  return items
    .map((item) => item.Put?.Item)
    .filter((item) => item && text(item.kind) === 'entry')
    .map((item) => `${text(item?.source)} ${text(item?.ceId)}`);
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  // The handlers run in this process and share this client (token lookups included): inject in front of
  // the real DynamoDB Local, after the SDK's own retries would have given up.
  adapters().dynamoDb.middlewareStack.add(
    (next, context) => async (args) => {
      if (!faultsOn) return next(args);
      const roll = random();
      if (roll < FAULT_RATE) {
        const kinds = [
          'ProvisionedThroughputExceededException',
          'InternalServerError',
          'TimeoutError',
        ] as const;
        const kind = kinds[Math.floor((roll / FAULT_RATE) * kinds.length)] ?? 'TimeoutError';
        injected[kind] += 1;
        throw sdkError(kind, kind === 'ProvisionedThroughputExceededException' ? 400 : 500);
      }
      const result = await next(args);
      // Lost answers are aimed at ledger appends (other functions, e.g. projections, share this client).
      const appended = context.commandName === 'TransactWriteItemsCommand' ? entriesOf(args.input) : [];
      if (appended.length > 0 && random() < LOST_ANSWER_RATE) {
        injected.lostAnswer += 1;
        for (const key of appended) committedButTimedOut.add(key);
        throw sdkError('TimeoutError', 500);
      }
      return result;
    },
    { step: 'initialize', name: 'reliabilityFaultInjection' },
  );
});

afterAll(async () => {
  await runtime?.stop();
});

const SOURCE = 'https://ci.example.com/faults';
const event = (n: number) => ({
  specversion: '1.0',
  id: `fault-${n}`,
  source: SOURCE,
  type: n % 2 ? 'incident.resolved' : 'tests.completed',
  time: '2026-11-21T10:00:00Z',
  data: n % 2 ? { incidentId: `inc-${n}` } : { releaseId: 'r', suite: `s${n}`, passed: true },
});

describe('storage faults', () => {
  it('never answers 2xx without a durable write, answers 503 with Retry-After otherwise, and retrying clients store every event once', async () => {
    const writer = apiClient(runtime.apiUrl, tokens[0].token);
    const answers = new Map<
      number,
      { status: number; replayed: boolean; event?: { seq: number; hash: string } }[]
    >();
    const unexpected: string[] = [];
    let refused = 0;
    const queue = Array.from({ length: EVENTS }, (_, i) => EVENTS - i);
    faultsOn = true;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let n = queue.pop(); n; n = queue.pop()) {
          for (;;) {
            const response = await writer('POST', '/v1/events', event(n));
            const list = answers.get(n) ?? [];
            list.push({
              status: response.status,
              replayed: response.headers.get('idempotent-replayed') === 'true',
              event: response.json?.event,
            });
            answers.set(n, list);
            if (response.status === 201 || response.status === 200) break;
            if (
              response.status !== 503 ||
              response.json?.error?.code !== 'storage_unavailable' ||
              !response.headers.get('retry-after')
            ) {
              unexpected.push(`${response.status} ${JSON.stringify(response.json)}`);
              break;
            }
            refused += 1;
            // Retry-After is in seconds; the test honours it scaled down to keep the run short.
            await sleep(Number(response.headers.get('retry-after')) * 20);
          }
        }
      }),
    );
    faultsOn = false;

    expect(unexpected).toEqual([]);
    const events = await expectIntactLedger(apiClient(runtime.apiUrl, tokens[1].token), EVENTS);
    const stored = new Map(events.map((e) => [e.id, e]));
    for (const [n, list] of answers) {
      // Every 2xx names the durable entry; there is exactly one 201 unless the committing answer was lost.
      for (const answer of list.filter((a) => a.status < 300)) {
        expect(answer.event, `event ${n}`).toMatchObject({
          seq: stored.get(`fault-${n}`)?.seq,
          hash: stored.get(`fault-${n}`)?.hash,
        });
      }
      const lost = committedButTimedOut.has(`${SOURCE} fault-${n}`);
      expect(
        list.filter((a) => a.status === 201),
        `event ${n}`,
      ).toHaveLength(lost ? 0 : 1);
      if (lost) expect(list.at(-1)).toMatchObject({ status: 200, replayed: true });
    }
    const total = Object.values(injected).reduce((a, b) => a + b, 0);
    expect(injected.lostAnswer).toBeGreaterThan(0);
    // A lost answer loses every event of its transaction: one, or several when concurrent appends were
    // committed together (group commit).
    expect(committedButTimedOut.size).toBeGreaterThanOrEqual(injected.lostAnswer);
    expect(
      Math.min(
        injected.InternalServerError,
        injected.ProvisionedThroughputExceededException,
        injected.TimeoutError,
      ),
    ).toBeGreaterThan(0);
    console.info(
      `storage faults: ${EVENTS} events, ${total} faults injected (${JSON.stringify(injected)}), ${refused} answers 503 retried`,
    );
  }, 120_000);
});
