import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, daysBetween } from '../../../../domain/dora/calendar.ts';

const DAY_MS = 86_400_000;
const dayArb = fc
  .integer({ min: Date.UTC(1890, 0, 1) / DAY_MS, max: Date.UTC(2410, 0, 1) / DAY_MS })
  .map((n) => new Date(n * DAY_MS).toISOString().slice(0, 10));

describe('daysBetween', () => {
  it('lists every day from first to last, both included, as adding one day at a time would', () => {
    fc.assert(
      fc.property(dayArb, fc.integer({ min: -3, max: 800 }), (first, span) => {
        const last = addDays(first, span);
        const expected = Array.from({ length: Math.max(0, span + 1) }, (_, i) => addDays(first, i));
        expect(daysBetween(first, last)).toEqual(expected);
      }),
    );
  });

  it('knows the leap days of the Gregorian calendar', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(daysBetween('2100-02-28', '2100-03-01')).toEqual(['2100-02-28', '2100-03-01']);
    expect(daysBetween('2000-02-28', '2000-03-01')).toEqual(['2000-02-28', '2000-02-29', '2000-03-01']);
    expect(daysBetween('2025-12-31', '2026-01-01')).toEqual(['2025-12-31', '2026-01-01']);
  });

  it('lists nothing when last is before first or either is not a day', () => {
    expect(daysBetween('2026-03-02', '2026-03-01')).toEqual([]);
    expect(daysBetween('not-a-day', '2026-03-01')).toEqual([]);
    expect(daysBetween('2026-03-01', 'not-a-day')).toEqual([]);
  });
});
