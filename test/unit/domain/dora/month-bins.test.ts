import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binOf } from '../../../../domain/dora/month-rollups.ts';

/** The bins as specified: exact below 64, then 32 bins to each doubling, negative values mirrored. */
function specifiedBin(value: number): number {
  const of = (v: number): number => {
    if (v < 64) return v;
    let e = 6;
    while (2 ** (e + 1) <= v) e += 1;
    return 64 + (e - 6) * 32 + Math.floor(v / 2 ** (e - 5)) - 32;
  };
  const v = Math.floor(value);
  return v < 0 ? -1 - of(-v - 1) : of(v);
}

describe('binOf', () => {
  it('is the specified bin for every value, on both sides of 2^31 (stored bins are keyed by it)', () => {
    const near = (e: number) => [2 ** e - 1, 2 ** e, 2 ** e + 1, 2 ** e + 0.5, -(2 ** e), -(2 ** e) - 1];
    for (let e = 0; e <= 40; e += 1) for (const v of near(e)) expect(binOf(v)).toBe(specifiedBin(v));
    fc.assert(
      fc.property(fc.double({ min: -(2 ** 40), max: 2 ** 40, noNaN: true }), (v) => {
        expect(binOf(v)).toBe(specifiedBin(v));
      }),
      { numRuns: 5000 },
    );
  });
});
