import type { NativeEventType } from '../../domain/events/native-events.ts';
import { canonicalJson } from '../../domain/ledger/canonical-json.ts';
import { sha256Hex } from '../../domain/ledger/hash-chain.ts';
import type { IncomingEvent } from '../../domain/ledger/ledger-event.ts';

let counter = 0;

/** An already-normalised event, as ingest would hand it to the store. */
export function incoming(
  type: NativeEventType,
  data: Record<string, unknown>,
  overrides: Partial<Pick<IncomingEvent, 'source' | 'id' | 'occurredAt'>> = {},
): IncomingEvent {
  counter += 1;
  const source = overrides.source ?? 'ci://test';
  const id = overrides.id ?? `evt-${process.pid}-${counter}`;
  const payload = { specversion: '1.0', type, source, id, time: overrides.occurredAt, data };
  return {
    source,
    id,
    type,
    occurredAt: overrides.occurredAt,
    data,
    original: { format: 'cloudevent', payload },
    payloadHash: sha256Hex(canonicalJson(payload)),
  };
}

/** The n-th test run of a tenant's release, with an id that names both (so copies are recognisable). */
export function testRun(tenant: string, n: number): IncomingEvent {
  return incoming(
    'tests.completed',
    { releaseId: `${tenant}-r`, suite: `suite-${n}`, passed: true },
    { id: `${tenant}-t${n}` },
  );
}
