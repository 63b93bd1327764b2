import { describe, expect, it } from 'vitest';
import { attemptPart } from '../../../bench/parts.ts';
import { type BenchResults, renderReport } from '../../../bench/report.ts';

const machine = {
  cpus: 2,
  cpuModel: 'test cpu',
  node: 'v22.0.0',
  date: '2026-12-02T00:00:00.000Z',
  commit: 'abc1234',
  mode: 'quick',
};

describe('a benchmark part that cannot run', () => {
  it('is recorded with its reason while the parts after it still run', async () => {
    const failures: Record<string, string> = {};
    const dashboard = await attemptPart(failures, 'dashboard', async () => {
      throw new Error('browserType.launch: Failed to launch chromium\nCall log: …');
    });
    const bundles = await attemptPart(failures, 'bundles', async () => ({ measured: true }));

    expect(dashboard).toBeUndefined();
    expect(bundles).toEqual({ measured: true });
    expect(failures).toEqual({ dashboard: 'browserType.launch: Failed to launch chromium' });
  });

  it('is named in the report beside the parts that were measured', () => {
    const report = renderReport({
      machine,
      failures: { dashboard: 'no browser | none at all' },
      bundles: { getHealth: { bytes: 200 * 1024, coldImportMs: 40 } },
    } as BenchResults);

    expect(report).toContain('## Not measured in this run');
    expect(report).toContain('| dashboard | no browser \\| none at all |');
    expect(report).toContain('| getHealth | 200.0 KB | 40 ms | met |');
    expect(report).not.toContain('## Dashboard');
  });

  it('does not hide the ingest figures when the decisions part failed', () => {
    const run = { p50Ms: 10, p99Ms: 12, eventsPerSec: 90, floorEventsPerSec: 300, overheadRatio: 2.5 };
    const report = renderReport({
      machine,
      ingest: { sequential: run, concurrent16: { ...run, p99Ms: 50 } },
      failures: { decisions: 'the bus did not answer' },
    } as unknown as BenchResults);

    expect(report).toContain('## Ingest');
    expect(report).not.toContain('## Decisions');
  });
});
