import { describe, expect, it } from 'vitest';
import { LedgerBulkPlanner } from '../../../../bench/ledger-bulk-plan.ts';
import { syntheticHistory } from '../../../../bench/synthetic-history.ts';
import { DEFAULT_DORA_DEFINITIONS } from '../../../../domain/dora/definitions.ts';
import { projectAll } from '../../../../domain/dora/dora-metrics.ts';
import type { ProjectionKey } from '../../../../domain/dora/projection-store.ts';
import { scopeKey } from '../../../../domain/dora/rollups.ts';
import type { StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import {
  decodeList,
  decodePairs,
  decodeSorted,
  encodeList,
  encodePairs,
  encodeSorted,
} from '../../../../functions/adapters/dora-sample-codec.ts';
import { decodeStored, storedForm } from '../../../../functions/adapters/dynamodb-dora-store.ts';
import { dynamoDbValueBytes } from '../../../../functions/adapters/dynamodb-item-size.ts';

const end = new Date(Date.UTC(2026, 5, 1));

/** A synthetic history as the ledger stores it (releases resolved), without DynamoDB. */
function storedHistory(events: number): StoredEvent[] {
  const planner = new LedgerBulkPlanner('codec', () => end);
  const stored: StoredEvent[] = [];
  let batch = [];
  for (const event of syntheticHistory(events, end)) {
    batch.push(event);
    if (batch.length === 10) {
      stored.push(...planner.append(batch).stored);
      batch = [];
    }
  }
  stored.push(...planner.append(batch).stored);
  return stored;
}

describe('sorted integer lists in binary', () => {
  it.each([
    [[]],
    [[0]],
    [[7, 7, 7]],
    [[-5, -1, 0, 0, 3, 86_400, 2 ** 40]],
    [[-(2 ** 40), 0]],
    [[0, Number.MAX_SAFE_INTEGER]],
  ])('decodes %j to the same list', (values) => {
    const bytes = encodeSorted(values);
    expect(bytes).toBeDefined();
    expect(decodeSorted(bytes as Uint8Array)).toEqual(values);
    expect(decodeList(bytes as Uint8Array)).toEqual(values);
  });

  it('spends one byte on a difference below 128', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 10_800 + i * 100);
    // header, count (2 bytes), first value (3 bytes), then 999 one-byte differences
    expect(encodeSorted(values)?.byteLength).toBe(1 + 2 + 3 + 999);
  });

  it('refuses what would not decode to itself: unsorted, fractional, unsafe, or spanning more than 2^53', () => {
    expect(encodeSorted([2, 1])).toBeUndefined();
    expect(encodeSorted([1.5])).toBeUndefined();
    expect(encodeSorted([2 ** 53])).toBeUndefined();
    expect(encodeSorted([Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER])).toBeUndefined();
    expect(encodeList(['a'])).toBeUndefined();
  });

  it('rejects truncated or trailing bytes', () => {
    const bytes = encodeSorted([1, 300, 70_000]) as Uint8Array;
    expect(() => decodeSorted(bytes.slice(0, -1))).toThrow(RangeError);
    expect(() => decodeSorted(Uint8Array.from([...bytes, 0]))).toThrow(RangeError);
  });
});

describe('bin count pairs in binary', () => {
  it('decodes increasing keys with any counts, negative bins included', () => {
    const pairs: [number, number][] = [
      [-3, 1],
      [0, 12],
      [64, 4000],
      [380, -2],
    ];
    const bytes = encodePairs(pairs) as Uint8Array;
    expect(decodePairs(bytes)).toEqual(pairs);
    expect(decodeList(bytes)).toEqual(pairs);
  });

  it('refuses keys that do not increase', () => {
    expect(
      encodePairs([
        [3, 1],
        [3, 2],
      ]),
    ).toBeUndefined();
  });
});

describe('the projection stored with binary lists (dora-2023.10) against its JSON layout (dora-2023.8)', () => {
  const projection = projectAll(storedHistory(3000), DEFAULT_DORA_DEFINITIONS);
  const docs = [...projection.docs.values()];

  it('reads back every document with the same JSON text the fold wrote', () => {
    const kinds = new Set<string>();
    for (const { key, value } of docs) {
      const stored = storedForm(key, value);
      if (stored.lists) kinds.add(key[0]);
      expect(JSON.stringify(decodeStored(stored)), JSON.stringify(key)).toBe(JSON.stringify(value));
      // The old layout (`doc` only) still reads as it did.
      expect(decodeStored({ doc: JSON.stringify(value) })).toEqual(value);
    }
    expect([...kinds].sort()).toEqual(['mbin', 'month', 'scope']);
  });

  it('never stores a document in more bytes than its JSON, and the largest rollups in under half', () => {
    const sizes = docs.map(({ key, value }) => ({
      rollup: ['scope', 'month', 'mbin'].includes(key[0]),
      json: dynamoDbValueBytes({ doc: JSON.stringify(value) }),
      binary: dynamoDbValueBytes(storedForm(key, value)),
    }));
    for (const size of sizes) expect(size.binary).toBeLessThanOrEqual(size.json);
    const largest = sizes
      .filter((size) => size.rollup)
      .sort((a, b) => b.json - a.json)
      .slice(0, 20);
    for (const size of largest) expect(size.binary * 2).toBeLessThan(size.json);
  });

  it('stores whole-tenant days in fewer bytes than JSON', () => {
    const whole = docs.filter(({ key }) => key[0] === 'scope' && key[1] === scopeKey({}));
    expect(whole.length).toBeGreaterThan(100);
    const bytes = (form: 'json' | 'binary') =>
      whole.reduce(
        (sum, { key, value }) =>
          sum + dynamoDbValueBytes(form === 'json' ? { doc: JSON.stringify(value) } : storedForm(key, value)),
        0,
      );
    expect(bytes('binary')).toBeLessThan(bytes('json'));
  });

  it('keeps a list that is not sorted integers as JSON', () => {
    const key: ProjectionKey = ['scope', scopeKey({}), '2026-01-01'];
    const recovery = Array.from({ length: 40 }, (_, i) => 3600 + i * 7);
    const value = { deployments: 1, leadService: [3, 1.5], recovery };
    const stored = storedForm(key, value);
    expect(Object.keys(stored.lists ?? {})).toEqual(['recovery']);
    expect(JSON.parse(stored.doc)).toEqual({ deployments: 1, leadService: [3, 1.5], recovery: null });
    expect(decodeStored(stored)).toEqual(value);
  });
});
