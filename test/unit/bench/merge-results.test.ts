import { describe, expect, it } from 'vitest';
import { mergeResults, withPartsRecorded } from '../../../bench/merge-results.ts';
import { type BenchResults, renderReport } from '../../../bench/report.ts';

const machineAt = (commit: string, date: string, mode = 'full') => ({
  cpus: 2,
  cpuModel: 'test cpu',
  memoryGiB: 24,
  node: 'v20.20.2',
  date,
  commit,
  mode,
});

describe('merging a re-measured part into earlier results (--merge)', () => {
  const earlier = withPartsRecorded(
    {
      machine: machineAt('aaa1111', '2026-12-04T10:00:00.000Z'),
      ingest: { old: true },
      gate: { old: true },
      writers: { old: true },
      metricsLayouts: { kept: true },
      failures: { writers: 'no port', bundles: 'no browser' },
      durationsSec: { 'ingest (workers)': 100, writers: 300, metrics: 4000, bundles: 80, total: 4480 },
    },
    new Set(['runtime', 'writers', 'metrics', 'bundles']),
  );

  it('replaces only the parts run now, keeps the rest, and stamps each part with its own commit', () => {
    const now = {
      machine: machineAt('bbb2222', '2026-12-06T10:00:00.000Z'),
      writers: { new: true },
      durationsSec: { writers: 280, total: 281 },
    };

    const merged = mergeResults(earlier, now, new Set(['writers'])) as Record<string, unknown> & {
      machine: { commit: string; parts: Record<string, { commit: string }> };
      durationsSec: Record<string, number>;
    };

    expect(merged.writers).toEqual({ new: true });
    expect(merged.ingest).toEqual({ old: true });
    expect(merged.metricsLayouts).toEqual({ kept: true });
    expect(merged.machine.commit).toBe('bbb2222');
    expect(merged.machine.parts.writers?.commit).toBe('bbb2222');
    expect(merged.machine.parts.runtime?.commit).toBe('aaa1111');
    // The writers' old failure is gone with its old figures; another part's failure stays.
    expect(merged.failures).toEqual({ bundles: 'no browser' });
    // The total is the parts as last measured: 4480 − 300 + 281.
    expect(merged.durationsSec.total).toBe(4461);
    expect(merged.durationsSec.writers).toBe(280);
  });

  it('names in the summary which run each part comes from once they differ', () => {
    // Stamps and durations only: the sections' figures are the other tests' concern.
    const stamped = withPartsRecorded(
      { machine: machineAt('aaa1111', '2026-12-04T10:00:00.000Z'), durationsSec: { total: 4480 } },
      new Set(['runtime', 'writers', 'metrics', 'bundles']),
    );
    const merged = mergeResults(
      stamped,
      { machine: machineAt('bbb2222', '2026-12-06T10:00:00.000Z', 'quick'), durationsSec: { total: 1 } },
      new Set(['bundles']),
    );

    expect(renderReport(merged as unknown as BenchResults)).toContain(
      'Parts measured in separate runs (`--merge`): runtime at `aaa1111` (2026-12-04, full); writers at `aaa1111` (2026-12-04, full); metrics at `aaa1111` (2026-12-04, full); bundles at `bbb2222` (2026-12-06, quick).',
    );
    expect(renderReport(stamped as unknown as BenchResults)).not.toContain('Parts measured in separate runs');
  });
});
