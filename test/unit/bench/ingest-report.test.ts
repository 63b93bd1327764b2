import { describe, expect, it } from 'vitest';
import type { IngestRun } from '../../../bench/ingest-bench.ts';
import { type BenchResults, renderReport } from '../../../bench/report.ts';

const machine = {
  cpus: 2,
  cpuModel: 'test cpu',
  node: 'v20.20.2',
  date: '2026-12-03T00:00:00.000Z',
  commit: 'abc1234',
  mode: 'quick',
};
const run = (overrides: Partial<IngestRun>): IngestRun => ({
  p50Ms: 10,
  p99Ms: 14,
  eventsPerSec: 100,
  floorEventsPerSec: 250,
  overheadRatio: 2.5,
  ...overrides,
});

describe('the ingest report', () => {
  it('puts the reactions in-process and in workers side by side, holding only the workers to the targets', () => {
    const report = renderReport({
      machine,
      ingest: {
        reactions: 'workers',
        sequential: run({ p99Ms: 14 }),
        concurrent16: run({ p99Ms: 70, eventsPerSec: 150 }),
        inProcess: {
          sequential: run({ p99Ms: 40, eventsPerSec: 50, overheadRatio: 5 }),
          concurrent16: run({ p99Ms: 200, eventsPerSec: 100 }),
        },
      },
    } as BenchResults);

    expect(report).toContain(
      '| 1 | in the API’s process | 10 ms | 40 ms | 50 | 250 | 5 | — (held out of process) |',
    );
    expect(report).toContain(
      '| 1 | a worker per function | 10 ms | 14 ms | 100 | 250 | 2.5 | p99 ≤ 15 ms, ratio ≤ 3: met |',
    );
    expect(report).toContain(
      '| 16 | a worker per function | 10 ms | 70 ms | 150 | 250 | 2.5 | p99 ≤ 60 ms, ratio ≤ 3: **missed** |',
    );
    expect(report).toContain('2.00× the events/s with 1 client, 1.50× with 16');
  });

  it('still holds results written before the comparison (one mode, in-process) to the targets', () => {
    const report = renderReport({
      machine,
      ingest: { sequential: run({}), concurrent16: run({ p99Ms: 50 }) },
    } as BenchResults);

    expect(report).toContain(
      '| 16 | in the API’s process | 10 ms | 50 ms | 100 | 250 | 2.5 | p99 ≤ 60 ms, ratio ≤ 3: met |',
    );
    expect(report).not.toContain('a worker per function |');
  });

  it('shows the store alone beside the HTTP path it is part of, held to no target', () => {
    const report = renderReport({
      machine,
      ingest: {
        reactions: 'workers',
        sequential: run({ storeOnly: { p50Ms: 6, p99Ms: 9, eventsPerSec: 160, overheadRatio: 1.56 } }),
        concurrent16: run({}),
      },
    } as BenchResults);

    expect(report).toContain(
      '| 1 | a worker per function, **store only** (appendEvents, no HTTP) | 6 ms | 9 ms | 160 | 250 | 1.56 | — (the transaction alone) |',
    );
    expect(report).not.toContain('| 16 | a worker per function, **store only**');
  });
});
