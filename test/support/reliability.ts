import { expect } from 'vitest';
import type { apiClient } from './http.ts';

type Client = ReturnType<typeof apiClient>;

/** A small seeded PRNG (mulberry32), so a failing fault or delay pattern can be replayed exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Fisher–Yates with the given random source. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface LedgerEventJson {
  readonly seq: number;
  readonly type: string;
  readonly source: string;
  readonly id: string;
  readonly hash: string;
  readonly eventHash: string;
  readonly data: Record<string, unknown>;
}

/** The tenant's whole ledger through `GET /v1/events`, page by page. */
export async function readWholeLedger(reader: Client): Promise<LedgerEventJson[]> {
  const events: LedgerEventJson[] = [];
  for (let after: number | null = 0; after !== null; ) {
    const page = await reader('GET', `/v1/events?after=${after}&limit=1000`);
    expect(page.status, JSON.stringify(page.json)).toBe(200);
    events.push(...(page.json.events as LedgerEventJson[]));
    after = page.json.next as number | null;
  }
  return events;
}

/**
 * The end state every scenario asserts: `count` events with seq 1..count and no gap, each (source, id)
 * once, and `GET /v1/audit/verify` recomputing the whole chain to the same head.
 */
export async function expectIntactLedger(reader: Client, count: number): Promise<LedgerEventJson[]> {
  const events = await readWholeLedger(reader);
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect(new Set(events.map((e) => `${e.source} ${e.id}`)).size).toBe(count);
  const verify = await reader('GET', '/v1/audit/verify');
  expect(verify.json).toMatchObject({
    ok: true,
    checked: count,
    head: { seq: count, hash: events.at(-1)?.hash },
  });
  return events;
}
