import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { StoredEvent } from '../../domain/ledger/ledger-event.ts';
import { eventBus } from '../adapters/event-bus.ts';
import { EventItemKind } from '../adapters/ledger-tables.ts';
import { readConfig } from '../config.ts';

/**
 * PutEvents takes at most 10 entries and at most 256 KB in all, each entry sized as EventBridge sizes
 * it (see `putEventsEntrySize`): a call is packed by both.
 */
const ENTRIES_PER_CALL = 10;
const MAX_CALL_BYTES = 256 * 1024;
const ATTEMPTS = 4;

interface Pending {
  readonly sequenceNumber: string;
  readonly entry: PutEventsRequestEntry;
  readonly bytes: number;
}

/**
 * DynamoDB Streams → EventBridge. Only ledger entries are published (stream pointers are index
 * items). Every entry's error code is checked; entries that still fail after a few retries make the
 * batch report the first failed record, so the stream redelivers from there and nothing is dropped
 * (consumers are idempotent, so the redelivered successes are harmless).
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const config = readConfig();
  const eventBridge = eventBus(config);
  const pending = event.Records.flatMap((record) =>
    toPending(record, config.eventBusName, config.eventSource),
  );
  let firstFailure: string | undefined;
  for (const call of packCalls(pending)) {
    firstFailure = await publish(call, (entries) =>
      eventBridge.send(new PutEventsCommand({ Entries: entries })),
    );
    if (firstFailure !== undefined) break;
  }
  return { batchItemFailures: firstFailure ? [{ itemIdentifier: firstFailure }] : [] };
}

/** Consecutive runs of entries, in stream order, each within one PutEvents call's count and bytes. */
function packCalls(pending: readonly Pending[]): Pending[][] {
  const calls: Pending[][] = [];
  let current: Pending[] = [];
  let bytes = 0;
  for (const item of pending) {
    if (current.length === ENTRIES_PER_CALL || (current.length > 0 && bytes + item.bytes > MAX_CALL_BYTES)) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/**
 * EventBridge's size of a PutEvents entry ("Calculating PutEvents event entry size"): the UTF-8 bytes
 * of Source, DetailType, Detail and each Resource, plus 14 when Time is set. Not the JSON on the wire.
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  return (
    (entry.Time !== undefined ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

type Send = (entries: PutEventsRequestEntry[]) => Promise<{ Entries?: { ErrorCode?: string }[] }>;

/** Publishes a chunk, retrying only the failed entries; returns the sequence number of the first that never made it. */
async function publish(chunk: readonly Pending[], send: Send): Promise<string | undefined> {
  let remaining = [...chunk];
  for (let attempt = 1; attempt <= ATTEMPTS && remaining.length > 0; attempt += 1) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt * Math.random()));
    try {
      const response = await send(remaining.map((p) => p.entry));
      // Entries answer in request order; a missing answer is treated as a failure.
      remaining = remaining.filter((_, index) => {
        const result = response.Entries?.[index];
        return result === undefined || result.ErrorCode !== undefined;
      });
    } catch {
      // The whole call failed (bus down, throttled): retry every remaining entry.
    }
  }
  return remaining[0]?.sequenceNumber;
}

function toPending(record: DynamoDBRecord, busName: string, source: string): Pending[] {
  const image = record.dynamodb?.NewImage;
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (record.eventName !== 'INSERT' || !image || !sequenceNumber) return [];
  const item = unmarshall(image as Record<string, AttributeValue>);
  if (item.kind !== EventItemKind.entry) return [];
  const envelope = JSON.parse(String(item.body)) as StoredEvent;
  const detail: Record<string, unknown> = {
    tenant: envelope.tenant,
    seq: envelope.seq,
    hash: item.chainHash,
    eventHash: item.eventHash,
    stream: envelope.stream,
    version: envelope.version,
    links: envelope.links,
    type: envelope.type,
    source: envelope.source,
    id: envelope.id,
    occurredAt: envelope.occurredAt,
    recordedAt: envelope.recordedAt,
    data: envelope.data,
  };
  const entryWith = (text: string): PutEventsRequestEntry => ({
    EventBusName: busName,
    Source: source,
    DetailType: envelope.type,
    Detail: text,
    Time: new Date(envelope.recordedAt),
    Resources: [],
  });
  let entry = entryWith(JSON.stringify(detail));
  if (putEventsEntrySize(entry) > MAX_CALL_BYTES) {
    // Too big for EventBridge: consumers read the full event from the ledger by seq.
    entry = entryWith(JSON.stringify({ ...detail, data: undefined, dataOmitted: true }));
  }
  return [{ sequenceNumber, entry, bytes: putEventsEntrySize(entry) }];
}
