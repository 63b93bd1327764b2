import { addDays, bucketOf, daysBetween } from './calendar.ts';
import {
  type DoraMetrics,
  type DoraNumbers,
  type DoraWindow,
  numbersOf,
  type PeriodCounts,
  type SampleStats,
} from './dora-metrics.ts';
import { type MonthRollup, type SampleField, samplesByBin } from './month-rollups.ts';
import { subtractSorted } from './percentiles.ts';
import type { ProjectionKey } from './projection-store.ts';
import type { DoraScope, Rollup } from './rollups.ts';

/**
 * Which documents answer a window by months: every calendar month wholly inside it is read as one month
 * document. A month it only partly covers (at most two, at its two ends) is read by its days when it
 * covers at most half of it, and otherwise as its month document less the days outside the window. A
 * one-year window reads ~12 month documents and at most ~15 days at each end, whatever the history's
 * size; a window starting on the 3rd reads 2 days there, not 29.
 */
export interface MonthlyPlan {
  /** Months read as month documents (partly covered ones less their days outside the window). */
  readonly months: readonly string[];
  /** The days read as day rollups: inside the window, or outside it in a month of `months`. */
  readonly dayRanges: readonly { readonly first: string; readonly last: string }[];
}

export function monthlyPlan(
  window: DoraWindow,
  /** Reads every partly covered month by its days, as dora-2023.8 did (benchmarks compare). @default false */
  endMonthsAsDays = false,
): MonthlyPlan {
  const months: string[] = [];
  const readDays: string[] = [];
  for (let day = window.firstDay; day <= window.lastDay; ) {
    const month = day.slice(0, 7);
    const nextMonth = nextMonthStart(month);
    const monthDays = daysBetween(`${month}-01`, addDays(nextMonth, -1));
    const inside = monthDays.filter((d) => d >= window.firstDay && d <= window.lastDay);
    const whole = inside.length === monthDays.length;
    if (whole || (!endMonthsAsDays && inside.length * 2 > monthDays.length)) {
      months.push(month);
      readDays.push(...monthDays.filter((d) => d < window.firstDay || d > window.lastDay));
    } else {
      readDays.push(...inside);
    }
    day = nextMonth;
  }
  const dayRanges: { first: string; last: string }[] = [];
  for (const day of readDays) {
    const open = dayRanges.at(-1);
    if (open && addDays(open.last, 1) === day) open.last = day;
    else dayRanges.push({ first: day, last: day });
  }
  return { months, dayRanges };
}

function nextMonthStart(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${year + 1}-01-01` : `${year}-${String(m + 1).padStart(2, '0')}-01`;
}

/** The stored documents a monthly summary reads: month rollups, the plan's days, and the bins it asks for. */
export interface MonthlyInputs {
  readonly months: ReadonlyMap<string, MonthRollup>;
  /** The day rollups of the plan's `dayRanges` (absent days had nothing). */
  readonly days: ReadonlyMap<string, Rollup>;
  /** Samples of (month, field, bin), sorted; a bin never loaded is undefined and gets asked for. */
  readonly bin: (month: string, field: SampleField, bin: number) => readonly number[] | undefined;
}

/**
 * The same metrics `summarize` computes from day rollups, from months and edge days: counts summed,
 * and each order statistic found in two steps — the bin holding that rank (from the bins' counts, the
 * edge days' samples binned on the fly), then the rank among that bin's samples. Answers are equal to
 * the day-by-day computation (the property tests check it). `missing` lists the bins to load when some
 * were not supplied; call again with them (the answer is only final when `missing` is empty). The
 * series is by month: a week or day bucket needs day rollups, which `summarize` reads.
 */
export function summarizeMonthly(
  scope: DoraScope,
  window: DoraWindow,
  plan: MonthlyPlan,
  inputs: MonthlyInputs,
  scopeKey: string,
  version: string,
): { metrics: DoraMetrics; missing: ProjectionKey[] } {
  const missing = new Map<string, ProjectionKey>();
  const byEnvironment = scope.environment !== undefined;
  const inWindow = (day: string) => day >= window.firstDay && day <= window.lastDay;
  const readDays = plan.dayRanges.flatMap((range) => daysBetween(range.first, range.last));
  const period = (terms: PeriodTerms, dayCount: number) =>
    periodNumbers(terms, dayCount, byEnvironment, inputs, (month, field, bin) => {
      const key: ProjectionKey = ['mbin', scopeKey, month, field, bin];
      missing.set(JSON.stringify(key), key);
    });
  const total = period(
    {
      months: plan.months,
      days: readDays.filter(inWindow),
      minus: readDays.filter((day) => !inWindow(day)),
    },
    window.days,
  );
  const groups = new Map<string, { first: string; dayCount: number } & PeriodTerms>();
  const groupOf = (key: string, day: string) => {
    let group = groups.get(key);
    if (!group) {
      group = { first: day, months: [], days: [], minus: [], dayCount: 0 };
      groups.set(key, group);
    }
    return group;
  };
  const readMonths = new Set(plan.months);
  for (const day of daysBetween(window.firstDay, window.lastDay)) {
    const group = groupOf(bucketOf(day, 'month'), day);
    group.dayCount += 1;
    const month = day.slice(0, 7);
    if (!readMonths.has(month)) (group.days as string[]).push(day);
    else if (group.months.at(-1) !== month) {
      (group.months as string[]).push(month);
      (group.minus as string[]).push(...readDays.filter((d) => d.slice(0, 7) === month && !inWindow(d)));
    }
  }
  const series = [...groups].map(([key, group]) => ({
    bucket: key,
    from: `${group.first}T00:00:00.000Z`,
    days: group.dayCount,
    ...period(group, group.dayCount),
  }));
  return {
    metrics: {
      scope,
      window,
      ...total,
      series,
      definitionsVersion: version,
      percentiles: 'exact',
    },
    missing: [...missing.values()],
  };
}

/** What a period is made of: month documents and days added, and days of those months taken out. */
interface PeriodTerms {
  readonly months: readonly string[];
  readonly days: readonly string[];
  readonly minus: readonly string[];
}

function periodNumbers(
  terms: PeriodTerms,
  dayCount: number,
  byEnvironment: boolean,
  inputs: MonthlyInputs,
  ask: (month: string, field: SampleField, bin: number) => void,
): DoraNumbers {
  const monthDocs = terms.months.flatMap((m) => {
    const doc = inputs.months.get(m);
    return doc ? [{ month: m, doc }] : [];
  });
  const docsOf = (days: readonly string[]) =>
    days.flatMap((d) => {
      const doc = inputs.days.get(d);
      return doc ? [doc] : [];
    });
  const dayDocs = docsOf(terms.days);
  const minusDocs = docsOf(terms.minus);
  const sumOf = (docs: readonly Rollup[], field: Exclude<keyof PeriodCounts, 'deployDays'>) =>
    docs.reduce((total, doc) => total + (doc[field] ?? 0), 0);
  const sum = (field: Exclude<keyof PeriodCounts, 'deployDays'>) =>
    monthDocs.reduce((total, { doc }) => total + (doc[field] ?? 0), 0) +
    sumOf(dayDocs, field) -
    sumOf(minusDocs, field);
  const counts: PeriodCounts = {
    deployments: sum('deployments'),
    rollbacks: sum('rollbacks'),
    changes: sum('changes'),
    failedChanges: sum('failedChanges'),
    unplanned: sum('unplanned'),
    unrecovered: sum('unrecovered'),
    reworkIncident: sum('reworkIncident'),
    reworkBug: sum('reworkBug'),
    alertWatched: sum('alertWatched'),
    alertAbove: sum('alertAbove'),
    deployDays:
      monthDocs.reduce((total, { doc }) => total + doc.deployDays, 0) +
      dayDocs.filter((doc) => doc.deployments > 0).length -
      minusDocs.filter((doc) => doc.deployments > 0).length,
  };
  const stats = (field: SampleField): SampleStats =>
    sampleStats(field, monthDocs, dayDocs, minusDocs, inputs, ask);
  return numbersOf(
    counts,
    dayCount,
    stats(byEnvironment ? 'leadEnvironment' : 'leadService'),
    stats('recovery'),
    stats('alertRatios'),
  );
}

function sampleStats(
  field: SampleField,
  months: readonly { month: string; doc: MonthRollup }[],
  days: readonly Rollup[],
  minus: readonly Rollup[],
  inputs: MonthlyInputs,
  ask: (month: string, field: SampleField, bin: number) => void,
): SampleStats {
  const dayBins = days.map((day) => binnedSamples(day, field));
  const minusBins = minus.map((day) => binnedSamples(day, field));
  // Bins are small integers (about 1,500 cover every double), so the period's counts are summed into
  // one dense array over the bins it spans: a busy scope's month has hundreds of bins, and summing
  // them in a Map, then sorting, was most of a monthly query's own CPU.
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const { doc } of months) {
    const pairs = doc.bins[field] ?? [];
    const first = pairs[0];
    const last = pairs.at(-1);
    if (first && last) {
      low = Math.min(low, first[0]);
      high = Math.max(high, last[0]);
    }
  }
  for (const byBin of [...dayBins, ...minusBins]) {
    for (const bin of byBin.keys()) {
      low = Math.min(low, bin);
      high = Math.max(high, bin);
    }
  }
  if (low > high) return { median: null, p90: null, samples: 0 };
  const counts = new Float64Array(high - low + 1);
  for (const { doc } of months) {
    for (const [bin, count] of doc.bins[field] ?? []) counts[bin - low] = (counts[bin - low] ?? 0) + count;
  }
  for (const [byBins, sign] of [
    [dayBins, 1],
    [minusBins, -1],
  ] as const) {
    for (const byBin of byBins) {
      for (const [bin, values] of byBin) counts[bin - low] = (counts[bin - low] ?? 0) + sign * values.length;
    }
  }
  let n = 0;
  for (const count of counts) if (count > 0) n += count;
  if (n === 0) return { median: null, p90: null, samples: 0 };
  const upperRank = Math.floor(n / 2);
  const lowerRank = n % 2 === 1 ? upperRank : n / 2 - 1;
  const p90Rank = Math.min(Math.max(1, Math.ceil(0.9 * n)), n) - 1;
  // Where each rank falls: its bin and its place among that bin's samples, found in one pass.
  const ranks = [...new Set([lowerRank, upperRank, p90Rank])].sort((a, b) => a - b);
  const placed = new Map<number, { bin: number; at: number }>();
  let below = 0;
  for (let i = 0, next = 0; i < counts.length && next < ranks.length; i += 1) {
    const count = counts[i] as number;
    if (count <= 0) continue;
    while (next < ranks.length && (ranks[next] as number) < below + count) {
      const k = ranks[next] as number;
      placed.set(k, { bin: low + i, at: k - below });
      next += 1;
    }
    below += count;
  }
  const inBin = (byBins: readonly ReadonlyMap<number, readonly number[]>[], bin: number) =>
    byBins.flatMap((byBin) => byBin.get(bin) ?? []);
  // The median's two ranks and the p90 often fall in one bin: its samples are gathered and sorted once.
  const sortedInBin = new Map<number, ArrayLike<number>>();
  /** The sample of rank k (from 0), or NaN while its bin's samples are not loaded yet. */
  const rank = (k: number): number => {
    const place = placed.get(k);
    if (!place) throw new RangeError(`no sample of rank ${k}`);
    const { bin, at } = place;
    const known = sortedInBin.get(bin);
    if (known) return known[at] as number;
    const values: number[] = [];
    let complete = true;
    for (const { month, doc } of months) {
      if (!holdsBin(doc.bins[field] ?? [], bin)) continue;
      const held = inputs.bin(month, field, bin);
      if (held === undefined) {
        ask(month, field, bin);
        complete = false;
      } else values.push(...held);
    }
    values.push(...inBin(dayBins, bin));
    if (!complete) return Number.NaN;
    // Sorted as a typed array, numerically and with no comparator call per step: a busy tenant's bin
    // gathers thousands of samples from a dozen months, and sorting them was most of its query's CPU.
    const sorted = Float64Array.from(values).sort();
    const outside = inBin(minusBins, bin);
    const taken =
      outside.length === 0
        ? sorted
        : subtractSorted(Array.from(sorted), Array.from(Float64Array.from(outside).sort()));
    sortedInBin.set(bin, taken);
    return taken[at] as number;
  };
  const upper = rank(upperRank);
  const median = n % 2 === 1 ? upper : (rank(lowerRank) + upper) / 2;
  const p90 = rank(p90Rank);
  return { median, p90, samples: n };
}

/** Whether a month's `[bin, count]` pairs (sorted by bin) hold `bin`. */
function holdsBin(pairs: readonly (readonly [number, number])[], bin: number): boolean {
  let lo = 0;
  let hi = pairs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = (pairs[mid] as readonly [number, number])[0];
    if (at === bin) return true;
    if (at < bin) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * A day rollup's samples of one field grouped by bin, worked out once per rollup read: a query asks for
 * them in every period and every order statistic the day is part of, and each round of bins it loads,
 * and binning a busy tenant's edge days over again was most of its CPU (a rollup is never changed once
 * read, so the grouping of the same object stays right).
 */
function binnedSamples(day: Rollup, field: SampleField): ReadonlyMap<number, readonly number[]> {
  let fields = binnedByDay.get(day);
  if (!fields) {
    fields = {};
    binnedByDay.set(day, fields);
  }
  const known = fields[field];
  if (known) return known;
  const byBin = samplesByBin(day[field] ?? []);
  fields[field] = byBin;
  return byBin;
}

const binnedByDay = new WeakMap<
  Rollup,
  Partial<Record<SampleField, ReadonlyMap<number, readonly number[]>>>
>();
