/** Nearest-rank percentile of a sample (p in 0..100); NaN for an empty sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** True median: the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Runs `task` for every index with at most `concurrency` in flight; returns each run's duration in ms. */
export async function timedPool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<number[]> {
  const durations: number[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const started = performance.now();
      await task(index);
      durations[index] = performance.now() - started;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return durations;
}

/** A one-line progress indicator on stderr: "label 120/1000". */
export function progress(label: string, total: number): (done: number) => void {
  let last = 0;
  return (done) => {
    const now = Date.now();
    if (done < total && now - last < 250) return;
    last = now;
    process.stderr.write(`\r  ${label} ${done}/${total}${done >= total ? '\n' : ''}`);
  };
}

/**
 * Runs one part of the benchmark, prints how long it took, and records the seconds under `label`
 * (the JSON's `durationsSec`), so a slow `--quick` run shows which part to look at.
 */
export async function phase<T>(
  durations: Record<string, number>,
  label: string,
  run: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    const seconds = round((performance.now() - started) / 1000, 1);
    durations[label] = seconds;
    process.stderr.write(`  ${label}: ${seconds} s\n`);
  }
}
