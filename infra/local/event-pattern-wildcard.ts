/**
 * EventBridge `wildcard` values: parsing, matching, and the complexity limit the service applies.
 *
 * Pure: no I/O, no state.
 */

/**
 * The most wildcard prefixes one field's patterns may have matching a single input at once. EventBridge
 * refuses a rule above its limit ("Rule is too complex - try using fewer wildcard characters or fewer
 * repeating character sequences after a wildcard character"), measured as event-ruler's
 * MachineComplexityEvaluator does. AWS does not publish the limit; its recorded answers bound it: a
 * complexity of 7 is accepted (`/Users/*\/dir/dir/dir/dir/dir/doc.txt`, `*\/init/*` with `*\/dir/*`) and
 * 11 is refused (`*:*:*:*:*:event-bus/*`). 10 sits between them.
 */
export const WILDCARD_COMPLEXITY_LIMIT = 10;

/** Beyond this many distinct sets of live prefixes, a field is refused as too complex to evaluate. */
const EVALUATION_BUDGET = 100_000;

/**
 * Splits a wildcard into the literal runs between unescaped `*`s. `\*` is a literal star and `\\` a literal
 * backslash; any other escape is invalid (undefined).
 */
export function wildcardSegments(pattern: string): string[] | undefined {
  const segments: string[] = [''];
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] as string;
    if (char === '*') {
      segments.push('');
      continue;
    }
    let literal = char;
    if (char === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\') return undefined;
      literal = next;
      index += 1;
    }
    segments[segments.length - 1] += literal;
  }
  return segments;
}

/** Glob matching without backtracking: anchored first and last runs, middle runs found leftmost in order. */
export function matchWildcard(pattern: string, value: string): boolean {
  const segments = wildcardSegments(pattern);
  if (!segments) return false;
  const first = segments[0] ?? '';
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1] ?? '';
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) {
    return false;
  }
  let position = first.length;
  const end = value.length - last.length;
  for (const middle of segments.slice(1, -1)) {
    const found = value.indexOf(middle, position);
    if (found < 0 || found + middle.length > end) return false;
    position = found + middle.length;
  }
  return true;
}

const STAR = -1;
const UTF8 = new TextEncoder();
/** Stands for every byte no pattern names: they all lead to the same prefixes. */
const OTHER_BYTE = -2;

/**
 * The largest number of wildcard prefixes (`a*`, `a*b`, ...; each distinct pattern counted once) that match
 * one input value at the same time, over every possible input: event-ruler's measure of how many states
 * a field's byte machine can be in at once. Patterns are read as event-ruler compiles them: UTF-8 bytes
 * between the JSON string's quotes. Stops counting above `WILDCARD_COMPLEXITY_LIMIT`.
 */
export function wildcardComplexity(patterns: readonly string[]): number {
  const machines = [...new Set(patterns)].map(wildcardTokens);
  const alphabet = new Set<number>([OTHER_BYTE]);
  for (const tokens of machines) for (const token of tokens) if (token !== STAR) alphabet.add(token);

  const start = machines.map((tokens) => closure(tokens, [0]));
  const seen = new Set([stateKey(start)]);
  const pending = [start];
  let maximum = 0;
  while (pending.length > 0) {
    const live = pending.pop() as number[][];
    for (const byte of alphabet) {
      const next = live.map((positions, index) => step(machines[index] ?? [], positions, byte));
      const size = next.reduce((sum, positions) => sum + positions.length, 0);
      if (size === 0) continue;
      if (size > WILDCARD_COMPLEXITY_LIMIT) return size;
      maximum = Math.max(maximum, size);
      const key = stateKey(next);
      if (seen.has(key)) continue;
      if (seen.size >= EVALUATION_BUDGET) return WILDCARD_COMPLEXITY_LIMIT + 1;
      seen.add(key);
      pending.push(next);
    }
  }
  return maximum;
}

/** `"`, the pattern's bytes with each unescaped `*` as STAR, `"`. */
function wildcardTokens(pattern: string): number[] {
  const quote = 0x22;
  const tokens = [quote];
  for (let index = 0; index < pattern.length; index += 1) {
    let char = pattern[index] as string;
    if (char === '*') {
      tokens.push(STAR);
      continue;
    }
    if (char === '\\' && index + 1 < pattern.length) {
      index += 1;
      char = pattern[index] as string;
    }
    // A surrogate pair is one character: take both halves before encoding.
    const code = char.charCodeAt(0);
    if (code >= 0xd800 && code < 0xdc00 && index + 1 < pattern.length) {
      index += 1;
      char += pattern[index];
    }
    tokens.push(...UTF8.encode(char));
  }
  tokens.push(quote);
  return tokens;
}

/**
 * Position p means the first p tokens matched the input so far; a prefix ending in `*` also matches
 * whatever its shorter prefix matches.
 */
function closure(tokens: readonly number[], positions: readonly number[]): number[] {
  const live = new Set(positions);
  for (const position of [...live].sort((a, b) => a - b)) {
    for (let next = position; tokens[next] === STAR; next += 1) live.add(next + 1);
  }
  return [...live].sort((a, b) => a - b);
}

function step(tokens: readonly number[], positions: readonly number[], byte: number): number[] {
  const next: number[] = [];
  for (const position of positions) {
    if (position > 0 && tokens[position - 1] === STAR) next.push(position);
    if (position < tokens.length && tokens[position] === byte) next.push(position + 1);
  }
  return closure(tokens, next);
}

function stateKey(live: readonly (readonly number[])[]): string {
  return live.map((positions) => positions.join(',')).join('|');
}
