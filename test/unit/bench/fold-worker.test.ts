import { describe, expect, it } from 'vitest';
import { foldForQueries, QUERIED_SCOPES } from '../../../bench/fold-for-queries.ts';
import { foldInWorker } from '../../../bench/fold-worker.ts';
import { syntheticHistory } from '../../../bench/synthetic-history.ts';
import { scopeKey } from '../../../domain/dora/rollups.ts';

describe('the layout benchmark folding a history in a worker of its own', () => {
  const endMs = Date.UTC(2026, 11, 1);

  it('hands back exactly what the same fold gives in the calling thread: the queried documents and the recompute', async () => {
    const inThread = foldForQueries(2_000, endMs, syntheticHistory);
    const reported: number[] = [];
    const inWorker = await foldInWorker(
      { size: 2_000, endMs },
      { heapMb: 512, onProgress: (done) => reported.push(done) },
    );

    expect(inWorker.docs).toEqual(inThread.docs);
    expect(inWorker.expected).toEqual(inThread.expected);
    expect(inWorker.expected.tenant.deploymentFrequency.count).toBeGreaterThan(0);
    expect(reported.at(-1)).toBe(2_000);
  });

  it('keeps only the documents a metrics query of the queried scopes reads', () => {
    const { docs } = foldForQueries(1_000, endMs, syntheticHistory);
    const scopes = new Set(Object.values(QUERIED_SCOPES).map(scopeKey));

    expect(docs.length).toBeGreaterThan(0);
    for (const { key } of docs) {
      expect(['scope', 'month', 'mbin', 'rscope']).toContain(key[0]);
      expect(scopes.has(key[1] as string)).toBe(true);
    }
  });
});
