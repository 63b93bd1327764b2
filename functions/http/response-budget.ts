/**
 * Lambda returns at most 6 MB (6,291,556 bytes) from a synchronous invocation, measured on the invoke
 * response: the proxy result serialised as JSON, so the body is counted as a JSON string, every `"`,
 * `\` and control character in it escaped once more. A page's items may take this much of it encoded,
 * which leaves room for the status, the headers and the page's own framing.
 */
export const MAX_PAGE_ENCODED_BYTES = 5 * 1024 * 1024;

/** The bytes `text` adds to the invoke response when it is part of a response body. */
export function encodedBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/**
 * How many of `items`, from the first, fit a page once serialised into a JSON body and encoded again
 * by Lambda (one separator each); at least one, since a single item is far below the limit.
 */
export function itemsWithinBudget(
  items: readonly unknown[],
  budget: number = MAX_PAGE_ENCODED_BYTES,
): number {
  let used = 0;
  for (const [index, item] of items.entries()) {
    used += encodedBytes(JSON.stringify(item)) + 1;
    if (used > budget) return Math.max(1, index);
  }
  return items.length;
}
