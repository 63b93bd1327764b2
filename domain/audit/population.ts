/**
 * Where a time window lies in the ledger. Seqs are assigned in append order and each entry's
 * `recordedAt` is the appending function's clock read before its conditional head write, so
 * `recordedAt` does not decrease along seq (up to clock skew between hosts, which the report names by
 * giving the boundary events). The window [from, to) is therefore the seq range from the first entry
 * recorded at or after `from` to the last recorded before `to`, found by binary search in O(log n) reads.
 */
export interface SeqRange {
  /** First seq of the window; `toSeq < fromSeq` when no entry was recorded in it. */
  readonly fromSeq: number;
  readonly toSeq: number;
}

/** The smallest seq in [low, high] whose entry was recorded at or after `time`, or high + 1. */
export async function firstSeqAtOrAfter(
  time: string,
  low: number,
  high: number,
  recordedAt: (seq: number) => Promise<string>,
): Promise<number> {
  let lo = low;
  let hi = high + 1;
  const at = Date.parse(time);
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (Date.parse(await recordedAt(mid)) >= at) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The seq range of entries 1..treeSize recorded in [from, to). */
export async function windowRange(
  window: { readonly from: string; readonly to: string },
  treeSize: number,
  recordedAt: (seq: number) => Promise<string>,
): Promise<SeqRange> {
  const fromSeq = await firstSeqAtOrAfter(window.from, 1, treeSize, recordedAt);
  const end = await firstSeqAtOrAfter(window.to, fromSeq, treeSize, recordedAt);
  return { fromSeq, toSeq: end - 1 };
}
