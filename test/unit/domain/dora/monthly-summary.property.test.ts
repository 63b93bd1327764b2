import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, daysBetween } from '../../../../domain/dora/calendar.ts';
import { DEFAULT_DORA_DEFINITIONS } from '../../../../domain/dora/definitions.ts';
import { doraWindow, projectAll, scopeRollups, summarize } from '../../../../domain/dora/dora-metrics.ts';
import { binOf, type MonthRollup } from '../../../../domain/dora/month-rollups.ts';
import { monthlyPlan, summarizeMonthly } from '../../../../domain/dora/monthly-summary.ts';
import type { MemoryProjectionStore } from '../../../../domain/dora/projection-store.ts';
import { type DoraScope, type Rollup, scopeKey } from '../../../../domain/dora/rollups.ts';
import { doraHistory } from '../../../support/dora-history.ts';

const definitions = DEFAULT_DORA_DEFINITIONS;
const START = Date.UTC(2026, 0, 20);
const at = (hour: number) => new Date(START + hour * 3_600_000).toISOString();

/** Releases with commits hours to weeks old, deployed (some failing, some recovering) over ~4 months. */
const historyArb = fc
  .array(
    fc.record({
      release: fc.nat(12),
      service: fc.constantFrom('api', 'web'),
      env: fc.constantFrom('production', 'staging'),
      hour: fc.nat(24 * 120),
      ok: fc.boolean(),
      commitAges: fc.array(fc.nat(24 * 40), { minLength: 0, maxLength: 3 }),
      // First-day alerts and the 7-day baseline count of a post-release watch, when watched.
      watch: fc.option(fc.tuple(fc.nat(6), fc.nat(14)), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((steps) => {
    const h = doraHistory();
    steps.forEach((step, i) => {
      const releaseId = `r${step.release}-${i}`;
      h.release(releaseId, {
        service: step.service,
        commits: step.commitAges.map((age, c) => [`s${i}-${c}`, at(step.hour - age - 1)]),
      });
      const o = { release: releaseId, env: step.env, at: at(step.hour) };
      if (step.ok) h.succeeded(`d${i}`, o);
      else h.failed(`d${i}`, o);
      if (step.ok && step.watch) {
        const [alerts, week] = step.watch;
        h.watched(`d${i}`, {
          at: at(step.hour + 48),
          env: step.env,
          alerts,
          baselineAlerts: (week * 24) / 168,
        });
      }
    });
    return h.events;
  });

function inputsOf(store: MemoryProjectionStore, scope: DoraScope, window: ReturnType<typeof doraWindow>) {
  const key = scopeKey(scope);
  const plan = monthlyPlan(window);
  const months = new Map<string, MonthRollup>();
  for (const month of plan.months) {
    const doc = store.get(['month', key, month]) as MonthRollup | undefined;
    if (doc) months.set(month, doc);
  }
  const days = new Map<string, Rollup>();
  for (const range of plan.dayRanges) {
    for (const day of daysBetween(range.first, range.last)) {
      const doc = store.get(['scope', key, day]) as Rollup | undefined;
      if (doc) days.set(day, doc);
    }
  }
  return {
    plan,
    key,
    inputs: {
      months,
      days,
      bin: (month: string, field: string, bin: number) =>
        (store.get(['mbin', key, month, field, bin]) as number[] | undefined) ?? [],
    },
  };
}

describe('a window summarised by months', () => {
  it('answers exactly what summing its days answers, for every scope and window', () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.nat(130),
        fc.integer({ min: 1, max: 130 }),
        fc.constantFrom<DoraScope>({}, { service: 'api' }, { environment: 'production' }),
        (events, offset, length, scope) => {
          const store = projectAll(events, definitions);
          const firstDay = addDays('2026-01-15', offset);
          const window = doraWindow(`${firstDay}T00:00:00Z`, `${addDays(firstDay, length)}T00:00:00Z`);
          const byDays = summarize(scope, window, scopeRollups(store, scope, window), 'month', 'v');
          const { plan, key, inputs } = inputsOf(store, scope, window);
          const { metrics, missing } = summarizeMonthly(scope, window, plan, inputs, key, 'v');
          expect(missing).toEqual([]);
          expect(metrics).toEqual(byDays);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('asks for the bins it needs when they are not loaded, and only for bins that hold samples', () => {
    const h = doraHistory();
    h.release('r1', { commits: [['a', '2026-02-01T00:00:00Z']] });
    h.succeeded('d1', { release: 'r1', at: '2026-02-03T00:00:00Z' });
    const store = projectAll(h.events, definitions);
    const window = doraWindow('2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z');
    const { plan, key, inputs } = inputsOf(store, {}, window);
    expect(plan).toEqual({ months: ['2026-02'], dayRanges: [] });
    const { metrics, missing } = summarizeMonthly(
      {},
      window,
      plan,
      { ...inputs, bin: () => undefined },
      key,
      'v',
    );
    const lead = 2 * 86_400;
    expect(missing).toEqual([['mbin', key, '2026-02', 'leadService', binOf(lead)]]);
    expect(Number.isNaN(metrics.leadTimeForChanges.medianSeconds)).toBe(true);
    const loaded = summarizeMonthly({}, window, plan, inputs, key, 'v');
    expect(loaded.metrics.leadTimeForChanges.medianSeconds).toBe(lead);
  });
});

describe('monthlyPlan', () => {
  it('reads whole months as months, a mostly covered end month as its month less the days outside', () => {
    const window = doraWindow('2025-12-03T00:00:00Z', '2026-12-03T00:00:00Z');
    const plan = monthlyPlan(window);
    expect(plan.months).toEqual([
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
    ]);
    expect(plan.dayRanges).toEqual([
      { first: '2025-12-01', last: '2025-12-02' },
      { first: '2026-12-01', last: '2026-12-02' },
    ]);
  });

  it('reads an end month covered at most half by its days inside the window', () => {
    const plan = monthlyPlan(doraWindow('2025-12-17T00:00:00Z', '2026-02-14T00:00:00Z'));
    expect(plan).toEqual({
      months: ['2026-01'],
      dayRanges: [
        { first: '2025-12-17', last: '2025-12-31' },
        { first: '2026-02-01', last: '2026-02-13' },
      ],
    });
  });

  it('reads a window inside one month as days, or as the month less the rest when it covers most', () => {
    expect(monthlyPlan(doraWindow('2026-03-05T00:00:00Z', '2026-03-09T00:00:00Z'))).toEqual({
      months: [],
      dayRanges: [{ first: '2026-03-05', last: '2026-03-08' }],
    });
    expect(monthlyPlan(doraWindow('2026-03-02T00:00:00Z', '2026-03-30T00:00:00Z'))).toEqual({
      months: ['2026-03'],
      dayRanges: [
        { first: '2026-03-01', last: '2026-03-01' },
        { first: '2026-03-30', last: '2026-03-31' },
      ],
    });
  });
});

describe('binOf', () => {
  it('is monotone and never puts values more than ~3 % apart in one bin above 64 s', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: -1e9, max: 1e9 }), (a, b) => {
        const [x, y] = a <= b ? [a, b] : [b, a];
        expect(binOf(x)).toBeLessThanOrEqual(binOf(y));
        if (x >= 64 && binOf(x) === binOf(y)) expect(y / x).toBeLessThan(1.032);
      }),
      { numRuns: 2000 },
    );
    for (let e = 6; e < 31; e += 1) {
      expect(binOf(2 ** e)).toBe(binOf(2 ** e - 1) + 1);
    }
  });
});
