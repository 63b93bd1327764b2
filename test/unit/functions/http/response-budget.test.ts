import { describe, expect, it } from 'vitest';
import { encodedBytes, itemsWithinBudget } from '../../../../functions/http/response-budget.ts';

describe('the response budget counts bytes as Lambda encodes the response', () => {
  it('counts a body character by what JSON makes of it', () => {
    expect(encodedBytes('abc')).toBe(3);
    expect(encodedBytes('"')).toBe(2);
    expect(encodedBytes('\\')).toBe(2);
    expect(encodedBytes('\u0001')).toBe(6);
    expect(encodedBytes('é')).toBe(2);
  });

  it('counts an item of a JSON body twice escaped, and its separator', () => {
    // JSON.stringify({q: '"'}) is {"q":"\""} (10 bytes); Lambda escapes its 5 quotes and 1 backslash
    // again (16 bytes), and the comma after it makes 17.
    expect(itemsWithinBudget([{ q: '"' }, { q: '"' }], 33)).toBe(1);
    expect(itemsWithinBudget([{ q: '"' }, { q: '"' }], 34)).toBe(2);
  });

  it('always lets one item through, so a page is never empty', () => {
    expect(itemsWithinBudget([{ big: 'x'.repeat(100) }], 10)).toBe(1);
    expect(itemsWithinBudget([], 10)).toBe(0);
  });
});
