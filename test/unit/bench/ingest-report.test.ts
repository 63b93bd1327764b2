import { describe, expect, it } from 'vitest';
import { type IngestRun, type PerfectBatching, rotationFigures } from '../../../bench/ingest-bench.ts';
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

/** A report of ingest with the reactions in workers, its 16-client run carrying these rotations. */
const reportWithRotations = (perfectBatching: readonly PerfectBatching[]) =>
  renderReport({
    machine,
    ingest: { reactions: 'workers', sequential: run({}), concurrent16: run({ perfectBatching }) },
  } as BenchResults);

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

  it('sets the best rotation of full commits beside the 16-client figures, with the bound it implies', () => {
    const report = reportWithRotations([
      rotationFigures([30, 30, 30, 30, 40], 8, 16),
      rotationFigures([50, 50, 70, 50], 16, 16),
    ]);

    expect(report).toContain('| 8 | 2 | 30 ms | 40 ms | 60 ms | 70 ms | 250 |');
    expect(report).toContain('| 16 | 1 | 50 ms | 70 ms | 50 ms | 70 ms | 290.9 |');
    expect(report).toContain('16 clients ÷ 290.9 events/s (the fastest rotation) = 55.0 ms');
    expect(report).toContain(
      '**out of reach on this engine in this run**: the best rotation, with no HTTP at all, has p99 70 ms',
    );
  });
});

describe('the bound a rotation of full commits sets', () => {
  it('says how little of the 16-client target the engine leaves when its best rotation is close to it', () => {
    const report = reportWithRotations([rotationFigures([40, 52.8, 45], 16, 16)]);

    expect(report).toContain(
      'leaves at most 7.2 ms on this engine for HTTP, the authorizer, the handler and hashing',
    );
    expect(report).not.toContain('out of reach');
  });
});

describe('a rotation of full commits', () => {
  it('makes each request wait for the other groups’ commits and then its own', () => {
    const figures = rotationFigures([10, 20, 30, 40], 4, 16);

    // Four groups of four: each commit from the fourth on answers a group that waited for all four.
    expect(figures).toMatchObject({ groups: 4, commits: 4, p50Ms: 100, p99Ms: 100 });
    expect(figures.eventsPerSec).toBe(160);
  });

  it('is the commit itself when one commit carries every client', () => {
    const figures = rotationFigures([50, 60, 55], 16, 16);

    expect(figures).toMatchObject({ groups: 1, commitP50Ms: 55, p50Ms: 55, p99Ms: 60 });
  });
});
