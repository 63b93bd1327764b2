/**
 * Exact order statistics over all samples: the projection keeps every sample value, so no sketch and
 * no approximation is involved.
 */

/**
 * A multiset of samples as sorted runs, never merged: a window's days each keep their samples sorted,
 * and order statistics are selected across the runs (see `kthSmallest`), so a year of whole-tenant days
 * costs a few binary searches per day instead of merging every sample.
 */
export type SortedRuns = readonly (readonly number[])[];

export function sizeOf(runs: SortedRuns): number {
  let size = 0;
  for (const run of runs) size += run.length;
  return size;
}

/** The true median: the middle value, or the mean of the two middle values for an even count. */
export function median(sorted: readonly number[]): number | null {
  return medianOfRuns([sorted]);
}

export function medianOfRuns(runs: SortedRuns): number | null {
  const n = sizeOf(runs);
  if (n === 0) return null;
  const upper = kthSmallest(runs, Math.floor(n / 2));
  return n % 2 === 1 ? upper : (kthSmallest(runs, n / 2 - 1) + upper) / 2;
}

/** The nearest-rank percentile: the smallest sample with at least p% of the samples at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  return percentileOfRuns([sorted], p);
}

export function percentileOfRuns(runs: SortedRuns, p: number): number | null {
  const n = sizeOf(runs);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return kthSmallest(runs, Math.min(rank, n) - 1);
}

/**
 * The k-th smallest sample (from 0) of sorted runs, without merging them: a selection over the runs'
 * live windows. Each round takes as pivot the weighted median of the windows' middle values, counts by
 * binary search what lies below and at it, and drops the side the answer is not on: at least a quarter
 * of what is left, so O(log n) rounds of O(runs · log n).
 */
export function kthSmallest(runs: SortedRuns, k: number): number {
  const live = runs.filter((run) => run.length > 0);
  const lo = live.map(() => 0);
  const hi = live.map((run) => run.length);
  let rank = k;
  for (;;) {
    const middles: { value: number; weight: number }[] = [];
    let remaining = 0;
    live.forEach((run, i) => {
      const width = (hi[i] as number) - (lo[i] as number);
      if (width === 0) return;
      middles.push({ value: run[((lo[i] as number) + (hi[i] as number)) >> 1] as number, weight: width });
      remaining += width;
    });
    if (rank < 0 || rank >= remaining) throw new RangeError(`no sample of rank ${k}`);
    middles.sort((a, b) => a.value - b.value);
    let pivot = middles[0]?.value as number;
    for (let seen = 0, i = 0; i < middles.length; i += 1) {
      seen += (middles[i] as { weight: number }).weight;
      if (seen * 2 >= remaining) {
        pivot = (middles[i] as { value: number }).value;
        break;
      }
    }
    const below = live.map((run, i) => firstAtLeast(run, pivot, lo[i] as number, hi[i] as number));
    const through = live.map((run, i) => firstAbove(run, pivot, below[i] as number, hi[i] as number));
    const less = below.reduce((sum, at, i) => sum + at - (lo[i] as number), 0);
    const lessOrEqual = through.reduce((sum, at, i) => sum + at - (lo[i] as number), 0);
    if (rank < less) {
      below.forEach((at, i) => {
        hi[i] = at;
      });
    } else if (rank < lessOrEqual) {
      return pivot;
    } else {
      rank -= lessOrEqual;
      through.forEach((at, i) => {
        lo[i] = at;
      });
    }
  }
}

/** The first index in [from, to) whose value is ≥ `value` (`to` if none). */
function firstAtLeast(run: readonly number[], value: number, from: number, to: number): number {
  let [a, b] = [from, to];
  while (a < b) {
    const mid = (a + b) >> 1;
    if ((run[mid] as number) < value) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** The first index in [from, to) whose value is > `value` (`to` if none). */
function firstAbove(run: readonly number[], value: number, from: number, to: number): number {
  let [a, b] = [from, to];
  while (a < b) {
    const mid = (a + b) >> 1;
    if ((run[mid] as number) <= value) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** Merges sorted lists into one sorted list (rollups keep their samples sorted). */
export function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number))) out.push(a[i++] as number);
    else out.push(b[j++] as number);
  }
  return out;
}

/** Removes one occurrence of each value of `b` from sorted `a` (undoing an earlier merge). */
export function subtractSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const value of a) {
    while (j < b.length && (b[j] as number) < value) j += 1;
    if (j < b.length && b[j] === value) j += 1;
    else out.push(value);
  }
  return out;
}
