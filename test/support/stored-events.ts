import type { LedgerEventType, StoredEvent } from '../../domain/ledger/ledger-event.ts';

/** Builds a ledger history for domain tests: each call is the next seq, at the given occurrence time. */
export function history() {
  let seq = 0;
  const events: StoredEvent[] = [];
  const at = (type: LedgerEventType, occurredAt: string, data: Record<string, unknown>): StoredEvent => {
    seq += 1;
    const event: StoredEvent = {
      tenant: 't',
      seq,
      stream: 'release/x',
      version: seq,
      links: [],
      type,
      source: 'test',
      id: `e${seq}`,
      occurredAt,
      recordedAt: occurredAt,
      data,
      original: { format: 'cloudevent', payload: null },
      hash: 'h',
      eventHash: 'e',
    };
    events.push(event);
    return event;
  };
  return { at, events };
}
