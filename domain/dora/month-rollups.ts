import type { Rollup } from './rollups.ts';

/**
 * A scope's month, kept beside its day rollups so that a long window reads a dozen small documents
 * instead of every sample of every day. Counts are summed as in a day rollup. Samples are not stored in
 * the month document: it holds, per sample field, how many samples fall in each value bin, and each
 * (month, field, bin) keeps its own sorted samples. An order statistic then needs the bin counts of the
 * window and the samples of the one bin it falls in — exact, and flat in the history's size.
 */
export interface MonthRollup {
  readonly deployments: number;
  readonly rollbacks: number;
  readonly changes: number;
  readonly failedChanges: number;
  readonly unplanned: number;
  readonly unrecovered: number;
  readonly reworkIncident: number;
  readonly reworkBug: number;
  readonly alertWatched: number;
  readonly alertAbove: number;
  /** Days of the month whose rollup has at least one deployment. */
  readonly deployDays: number;
  /** Per sample field, `[bin, count]` pairs sorted by bin, zero counts left out. */
  readonly bins: Readonly<Record<SampleField, readonly (readonly [number, number])[]>>;
}

export const sampleFields = ['leadService', 'leadEnvironment', 'recovery', 'alertRatios'] as const;
export type SampleField = (typeof sampleFields)[number];

const countFields = [
  'deployments',
  'rollbacks',
  'changes',
  'failedChanges',
  'unplanned',
  'unrecovered',
  'reworkIncident',
  'reworkBug',
  'alertWatched',
  'alertAbove',
] as const;

export const EMPTY_MONTH: MonthRollup = {
  deployments: 0,
  rollbacks: 0,
  changes: 0,
  failedChanges: 0,
  unplanned: 0,
  unrecovered: 0,
  reworkIncident: 0,
  reworkBug: 0,
  alertWatched: 0,
  alertAbove: 0,
  deployDays: 0,
  bins: { leadService: [], leadEnvironment: [], recovery: [], alertRatios: [] },
};

/** `YYYY-MM` of a `YYYY-MM-DD` day. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}

const EXACT_BELOW = 64;
const BINS_PER_DOUBLING = 32;
const WITHIN_BITS = Math.log2(BINS_PER_DOUBLING);

/**
 * The bin of a sample value (seconds), monotone in the value: values below 64 have a bin each, above
 * that every doubling is split into 32 bins (each ~3 % wide), and negative values mirror below zero.
 * Fixed forever for a projection version: the stored documents are keyed by it.
 */
export function binOf(value: number): number {
  const v = Math.floor(value);
  if (v < 0) return -1 - binOfNonNegative(-v - 1);
  return binOfNonNegative(v);
}

function binOfNonNegative(v: number): number {
  if (v < EXACT_BELOW) return v;
  // Below 2^31 the same bin from integer bit arithmetic: the doubling is the highest set bit and the
  // bin within it the next five bits, without Math.log2 (a busy query bins thousands of edge-day
  // samples, and the logarithm was a quarter of its summary's time).
  if (v < 2 ** 31) {
    const e = 31 - Math.clz32(v);
    const within = (v >>> (e - WITHIN_BITS)) - BINS_PER_DOUBLING;
    return EXACT_BELOW + (e - Math.log2(EXACT_BELOW)) * BINS_PER_DOUBLING + within;
  }
  const exponent = Math.floor(Math.log2(v));
  // Math.log2 may round across a power of two; correct it so 2^e <= v < 2^(e+1) holds exactly.
  const e = 2 ** exponent > v ? exponent - 1 : 2 ** (exponent + 1) <= v ? exponent + 1 : exponent;
  const step = 2 ** (e - Math.log2(BINS_PER_DOUBLING));
  const within = Math.floor(v / step) - BINS_PER_DOUBLING;
  return EXACT_BELOW + (e - Math.log2(EXACT_BELOW)) * BINS_PER_DOUBLING + within;
}

/** Values grouped by their bin, each group in the values' order. */
export function samplesByBin(values: readonly number[]): Map<number, number[]> {
  const byBin = new Map<number, number[]>();
  for (const value of values) {
    const bin = binOf(value);
    const list = byBin.get(bin);
    if (list) list.push(value);
    else byBin.set(bin, [value]);
  }
  return byBin;
}

/**
 * The month document after a day of the scope moved from `before` to `after` (the day's rollups), and
 * the samples that moved, grouped by field and bin: what to merge into (sign 1) or remove from (−1)
 * each bin's sample list.
 */
export function moveMonth(
  month: MonthRollup,
  before: Rollup,
  after: Rollup,
  delta: Rollup,
  sign: 1 | -1,
): { next: MonthRollup | undefined; samples: { field: SampleField; bin: number; values: number[] }[] } {
  const counts = Object.fromEntries(
    countFields.map((field) => [field, (month[field] ?? 0) + sign * (delta[field] ?? 0)]),
  ) as Record<(typeof countFields)[number], number>;
  const deployDays = month.deployDays + (after.deployments > 0 ? 1 : 0) - (before.deployments > 0 ? 1 : 0);
  const samples: { field: SampleField; bin: number; values: number[] }[] = [];
  const bins = {} as Record<SampleField, (readonly [number, number])[]>;
  for (const field of sampleFields) {
    const moved = samplesByBin(delta[field] ?? []);
    const counts = new Map(month.bins[field] ?? []);
    for (const [bin, values] of moved) {
      counts.set(bin, (counts.get(bin) ?? 0) + sign * values.length);
      samples.push({ field, bin, values });
    }
    bins[field] = [...counts].filter(([, count]) => count !== 0).sort((a, b) => a[0] - b[0]);
  }
  const next: MonthRollup = { ...counts, deployDays, bins };
  const empty =
    countFields.every((field) => next[field] === 0) &&
    deployDays === 0 &&
    sampleFields.every((field) => next.bins[field].length === 0);
  return { next: empty ? undefined : next, samples };
}
