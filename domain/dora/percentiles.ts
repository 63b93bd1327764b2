/**
 * Exact order statistics over all samples: the projection keeps every sample value, so no sketch and
 * no approximation is involved.
 */

/** The true median: the middle value, or the mean of the two middle values for an even count. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  const upper = sorted[mid] as number;
  return n % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/** The nearest-rank percentile: the smallest sample with at least p% of the samples at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(rank, n) - 1] as number;
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

/**
 * Merges many sorted lists, pairwise like a merge sort: O(n log k) for n samples in k lists, where
 * folding them into one growing list one at a time is O(n·k) (a year of whole-tenant days was seconds).
 */
export function mergeAllSorted(lists: readonly (readonly number[])[]): number[] {
  let level = lists.filter((list) => list.length > 0);
  if (level.length === 0) return [];
  while (level.length > 1) {
    const next: (readonly number[])[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const [a, b] = [level[i] as readonly number[], level[i + 1]];
      next.push(b === undefined ? a : mergeSorted(a, b));
    }
    level = next;
  }
  return [...(level[0] as readonly number[])];
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
