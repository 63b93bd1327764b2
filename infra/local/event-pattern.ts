/**
 * Amazon EventBridge event-pattern matching, after the EventBridge user guide ("Creating event patterns",
 * "Comparison operators", "Arrays in event patterns", "Matching null values and empty strings").
 *
 * - A pattern is a JSON object. A field whose pattern value is an array is a leaf: it matches when ANY
 *   matcher in the array matches. A field whose pattern value is an object matches the nested event object.
 *   Every field of a pattern must match (AND); `"$or": [pattern, ...]` at any level matches when any of its
 *   patterns matches at that level.
 * - When the event value is an array, a leaf matches when any element matches (non-empty intersection).
 * - Matchers: exact string / number / boolean / null; `prefix`, `suffix` (optionally
 *   `{"equals-ignore-case": ...}`), `equals-ignore-case`, `wildcard`, `anything-but` (value, list, or
 *   `prefix` / `suffix` / `equals-ignore-case` / `wildcard`), `numeric`, `exists`, `cidr`.
 *
 * Pure: no I/O, no state. Parsed JSON cannot tell 300 from 300.0, so numbers compare by value.
 */

export type EventPattern = Readonly<Record<string, unknown>>;

type JsonObject = Readonly<Record<string, unknown>>;
type Leaf = string | number | boolean | null;

const OR_KEY = '$or';
const OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
] as const;
type Operator = (typeof OPERATORS)[number];

const ANYTHING_BUT_OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard'] as const;
type AnythingButOperator = (typeof ANYTHING_BUT_OPERATORS)[number];

const LOWER_BOUNDS = ['>', '>='] as const;
const UPPER_BOUNDS = ['<', '<='] as const;
const NUMERIC_OPERATORS = ['=', ...LOWER_BOUNDS, ...UPPER_BOUNDS] as const;
type NumericOperator = (typeof NUMERIC_OPERATORS)[number];
/** EventBridge numeric matching is limited to -5.0e9 ..= +5.0e9. */
const NUMERIC_LIMIT = 5e9;

// ---------------------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------------------

/** True when `event` matches `pattern`. A malformed pattern (see validateEventPattern) never matches. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern) || validateEventPattern(pattern).length > 0) return false;
  return matchObject(pattern, isObject(event) ? event : {});
}

function matchObject(pattern: JsonObject, value: JsonObject): boolean {
  return Object.entries(pattern).every(([key, rule]) =>
    key === OR_KEY ? matchAnyOf(rule, value) : matchField(rule, value, key),
  );
}

function matchAnyOf(alternatives: unknown, value: JsonObject): boolean {
  return Array.isArray(alternatives) && alternatives.some((alt) => isObject(alt) && matchObject(alt, value));
}

function matchField(rule: unknown, container: JsonObject, key: string): boolean {
  const value = Object.hasOwn(container, key) ? container[key] : undefined;
  if (Array.isArray(rule)) return rule.some((matcher) => matchMatcher(matcher, leavesOf(value)));
  if (isObject(rule)) return nestedCandidates(value).some((candidate) => matchObject(rule, candidate));
  return false;
}

/**
 * The leaf values a field holds: none when it is absent or an object (not a leaf), the elements (flattened)
 * when it is an array, otherwise the value itself.
 */
function leavesOf(value: unknown): Leaf[] {
  if (value === undefined || isObject(value)) return [];
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  return isLeaf(value) ? [value] : [];
}

/**
 * The objects a nested pattern is matched against: the object itself, or each object element of an array.
 * A missing or non-object value is matched as an empty object, so `{"exists": false}` below it holds.
 */
function nestedCandidates(value: unknown): JsonObject[] {
  if (isObject(value)) return [value];
  const objects = Array.isArray(value) ? value.flat(Number.POSITIVE_INFINITY).filter(isObject) : [];
  return objects.length > 0 ? objects : [{}];
}

function matchMatcher(matcher: unknown, leaves: readonly Leaf[]): boolean {
  if (isObject(matcher) && Object.hasOwn(matcher, 'exists')) return matchExists(matcher.exists, leaves);
  return leaves.some((leaf) => matchLeaf(matcher, leaf));
}

/** `exists` looks at leaf values only: an object-valued (or empty-array) field does not "exist". */
function matchExists(expected: unknown, leaves: readonly Leaf[]): boolean {
  return expected === leaves.length > 0;
}

function matchLeaf(matcher: unknown, leaf: Leaf): boolean {
  if (isLeaf(matcher)) return equalsExactly(matcher, leaf);
  const operation = singleOperation(matcher);
  if (!operation) return false;
  return matchOperation(operation.operator, operation.argument, leaf);
}

function matchOperation(operator: Operator, argument: unknown, leaf: Leaf): boolean {
  switch (operator) {
    case 'prefix':
      return matchAffix(argument, leaf, (value, affix) => value.startsWith(affix));
    case 'suffix':
      return matchAffix(argument, leaf, (value, affix) => value.endsWith(affix));
    case 'equals-ignore-case':
      return typeof argument === 'string' && typeof leaf === 'string' && equalsIgnoreCase(argument, leaf);
    case 'wildcard':
      return typeof argument === 'string' && typeof leaf === 'string' && matchWildcard(argument, leaf);
    case 'anything-but':
      return matchAnythingBut(argument, leaf);
    case 'numeric':
      return typeof leaf === 'number' && matchNumeric(argument, leaf);
    case 'exists':
      return false; // handled per field in matchMatcher: it needs all the leaves, not one
    case 'cidr':
      return typeof argument === 'string' && typeof leaf === 'string' && matchCidr(argument, leaf);
    default:
      return assertNever(operator);
  }
}

function equalsExactly(expected: Leaf, leaf: Leaf): boolean {
  // Strict equality: strings, booleans and null by value and type; numbers numerically (3.0e2 === 300).
  return expected === leaf;
}

function equalsIgnoreCase(expected: string, value: string): boolean {
  return expected.toLowerCase() === value.toLowerCase();
}

/** `prefix` / `suffix`: a string, or `{"equals-ignore-case": string}`. String values only. */
function matchAffix(argument: unknown, leaf: Leaf, test: (value: string, affix: string) => boolean): boolean {
  if (typeof leaf !== 'string') return false;
  if (typeof argument === 'string') return test(leaf, argument);
  const ignoreCase = isObject(argument) ? argument['equals-ignore-case'] : undefined;
  return typeof ignoreCase === 'string' && test(leaf.toLowerCase(), ignoreCase.toLowerCase());
}

/** `anything-but` matches a present leaf value that the wrapped matcher does not match. */
function matchAnythingBut(argument: unknown, leaf: Leaf): boolean {
  if (Array.isArray(argument)) return !argument.some((excluded) => isLeaf(excluded) && excluded === leaf);
  if (isLeaf(argument)) return !equalsExactly(argument, leaf);
  const operation = singleAnythingButOperation(argument);
  return operation !== undefined && !matchAnythingButOperation(operation.operator, operation.argument, leaf);
}

function matchAnythingButOperation(operator: AnythingButOperator, argument: unknown, leaf: Leaf): boolean {
  const options = Array.isArray(argument) ? argument : [argument];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return matchOperation(operator, argument, leaf);
    case 'equals-ignore-case':
    case 'wildcard':
      return options.some((option) => matchOperation(operator, option, leaf));
    default:
      return assertNever(operator);
  }
}

function matchNumeric(argument: unknown, value: number): boolean {
  const comparisons = numericComparisons(argument);
  return comparisons?.every(({ operator, bound }) => compare(operator, value, bound)) === true;
}

function compare(operator: NumericOperator, value: number, bound: number): boolean {
  switch (operator) {
    case '=':
      return value === bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    default:
      return assertNever(operator);
  }
}

function numericComparisons(argument: unknown): { operator: NumericOperator; bound: number }[] | undefined {
  if (!Array.isArray(argument) || argument.length === 0 || argument.length % 2 !== 0) return undefined;
  const comparisons: { operator: NumericOperator; bound: number }[] = [];
  for (let index = 0; index < argument.length; index += 2) {
    const operator: unknown = argument[index];
    const bound: unknown = argument[index + 1];
    if (!isNumericOperator(operator) || typeof bound !== 'number') return undefined;
    comparisons.push({ operator, bound });
  }
  return comparisons;
}

// --- wildcard ------------------------------------------------------------------------------------------

/**
 * Splits a wildcard into the literal runs between unescaped `*`s. `\*` is a literal star and `\\` a literal
 * backslash; any other escape is invalid (undefined).
 */
function wildcardSegments(pattern: string): string[] | undefined {
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
function matchWildcard(pattern: string, value: string): boolean {
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

// --- cidr ----------------------------------------------------------------------------------------------

interface IpAddress {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

interface CidrBlock extends IpAddress {
  readonly prefixLength: number;
}

function matchCidr(block: string, candidate: string): boolean {
  const range = parseCidr(block);
  const address = parseIp(candidate);
  if (!range || !address || range.bits !== address.bits) return false;
  const shift = BigInt(range.bits - range.prefixLength);
  return range.value >> shift === address.value >> shift;
}

function parseCidr(text: string): CidrBlock | undefined {
  const [addressText, prefixText, ...rest] = text.split('/');
  if (addressText === undefined || rest.length > 0) return undefined;
  const address = parseIp(addressText);
  if (!address) return undefined;
  if (prefixText === undefined) return { ...address, prefixLength: address.bits };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefixLength = Number(prefixText);
  return prefixLength <= address.bits ? { ...address, prefixLength } : undefined;
}

function parseIp(text: string): IpAddress | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): IpAddress | undefined {
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)) {
    return undefined;
  }
  return { bits: 32, value: octets.reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n) };
}

function parseIpv6(text: string): IpAddress | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined): string[] | undefined => {
    if (!part) return [];
    const groups = part.split(':');
    const tail = groups[groups.length - 1] ?? '';
    if (tail.includes('.')) {
      const ipv4 = parseIpv4(tail);
      if (!ipv4) return undefined;
      groups.splice(-1, 1, (ipv4.value >> 16n).toString(16), (ipv4.value & 0xffffn).toString(16));
    }
    return groups.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group)) ? groups : undefined;
  };
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...tail];
  return { bits: 128, value: groups.reduce((acc, group) => (acc << 16n) | BigInt(`0x${group}`), 0n) };
}

// ---------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------

/** The problems with a pattern, each prefixed by its path; empty when EventBridge would accept it. */
export function validateEventPattern(pattern: unknown): string[] {
  if (!isObject(pattern)) return ['pattern: must be a JSON object'];
  return validateObject(pattern, '');
}

function validateObject(pattern: JsonObject, path: string): string[] {
  return Object.entries(pattern).flatMap(([key, rule]) => {
    const fieldPath = path ? `${path}.${key}` : key;
    if (key === OR_KEY) return validateAnyOf(rule, fieldPath);
    if (Array.isArray(rule)) return validateLeaf(rule, fieldPath);
    if (isObject(rule)) return validateObject(rule, fieldPath);
    return [
      `${fieldPath}: must be an array of matchers or a nested pattern object, got ${describeValue(rule)}`,
    ];
  });
}

function validateAnyOf(alternatives: unknown, path: string): string[] {
  if (!Array.isArray(alternatives) || alternatives.length === 0) {
    return [`${path}: must be a non-empty array of patterns`];
  }
  return alternatives.flatMap((alternative, index) =>
    isObject(alternative)
      ? validateObject(alternative, `${path}[${index}]`)
      : [`${path}[${index}]: must be a pattern object, got ${describeValue(alternative)}`],
  );
}

function validateLeaf(matchers: readonly unknown[], path: string): string[] {
  if (matchers.length === 0) return [`${path}: must contain at least one matcher`];
  return matchers.flatMap((matcher, index) => validateMatcher(matcher, `${path}[${index}]`));
}

function validateMatcher(matcher: unknown, path: string): string[] {
  if (isLeaf(matcher)) return [];
  if (!isObject(matcher)) return [`${path}: a matcher must be a string, number, boolean, null or an object`];
  const keys = Object.keys(matcher);
  const [operator] = keys;
  if (operator === undefined || keys.length !== 1) {
    return [`${path}: a matcher object must hold exactly one operator, got ${keys.length}`];
  }
  if (!isOperator(operator)) return [`${path}: unknown operator "${operator}"`];
  return validateOperation(operator, matcher[operator], `${path}.${operator}`);
}

function validateOperation(operator: Operator, argument: unknown, path: string): string[] {
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return validateAffix(argument, path);
    case 'equals-ignore-case':
      return expectString(argument, path);
    case 'wildcard':
      return validateWildcard(argument, path);
    case 'anything-but':
      return validateAnythingBut(argument, path);
    case 'numeric':
      return validateNumeric(argument, path);
    case 'exists':
      return typeof argument === 'boolean' ? [] : [`${path}: must be true or false`];
    case 'cidr':
      return typeof argument === 'string' && parseCidr(argument)
        ? []
        : [`${path}: must be an IPv4 or IPv6 CIDR block such as "10.0.0.0/24"`];
    default:
      return assertNever(operator);
  }
}

function validateAffix(argument: unknown, path: string): string[] {
  if (typeof argument === 'string') return [];
  if (isObject(argument) && Object.keys(argument).length === 1 && 'equals-ignore-case' in argument) {
    return expectString(argument['equals-ignore-case'], `${path}.equals-ignore-case`);
  }
  return [`${path}: must be a string or {"equals-ignore-case": string}`];
}

function validateWildcard(argument: unknown, path: string): string[] {
  if (typeof argument !== 'string') return [`${path}: must be a string`];
  const segments = wildcardSegments(argument);
  if (!segments) return [`${path}: only \\* and \\\\ may be escaped`];
  if (segments.slice(1, -1).includes('')) return [`${path}: consecutive wildcard characters are not allowed`];
  return [];
}

function validateAnythingBut(argument: unknown, path: string): string[] {
  if (typeof argument === 'string' || typeof argument === 'number') return [];
  if (Array.isArray(argument)) {
    const allStrings = argument.every((value) => typeof value === 'string');
    const allNumbers = argument.every((value) => typeof value === 'number');
    return argument.length > 0 && (allStrings || allNumbers)
      ? []
      : [`${path}: a list must be non-empty and hold only strings or only numbers`];
  }
  const operation = isObject(argument) ? singleAnythingButOperation(argument) : undefined;
  if (!operation) {
    return [
      `${path}: must be a string, a number, a list, or one of {prefix|suffix|equals-ignore-case|wildcard}`,
    ];
  }
  return validateAnythingButOperation(
    operation.operator,
    operation.argument,
    `${path}.${operation.operator}`,
  );
}

function validateAnythingButOperation(
  operator: AnythingButOperator,
  argument: unknown,
  path: string,
): string[] {
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return expectString(argument, path); // a single value, not a list
    case 'equals-ignore-case':
      return Array.isArray(argument) && argument.length > 0
        ? argument.flatMap((value, index) => expectString(value, `${path}[${index}]`))
        : expectString(argument, path);
    case 'wildcard':
      return Array.isArray(argument) && argument.length > 0
        ? argument.flatMap((value, index) => validateWildcard(value, `${path}[${index}]`))
        : validateWildcard(argument, path);
    default:
      return assertNever(operator);
  }
}

function validateNumeric(argument: unknown, path: string): string[] {
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) {
    return [`${path}: must be [operator, number] or [lower operator, number, upper operator, number]`];
  }
  const problems: string[] = [];
  for (let index = 0; index < argument.length; index += 2) {
    const operator: unknown = argument[index];
    const bound: unknown = argument[index + 1];
    if (!isNumericOperator(operator)) {
      problems.push(
        `${path}[${index}]: unknown numeric operator ${describeValue(operator)} (use =, <, <=, >, >=)`,
      );
    }
    if (typeof bound !== 'number' || Math.abs(bound) > NUMERIC_LIMIT) {
      problems.push(`${path}[${index + 1}]: must be a number between -5.0e9 and 5.0e9`);
    }
  }
  if (problems.length > 0 || argument.length === 2) return problems;
  return validateNumericRange(argument as [NumericOperator, number, NumericOperator, number], path);
}

function validateNumericRange(
  [lowerOperator, lower, upperOperator, upper]: [NumericOperator, number, NumericOperator, number],
  path: string,
): string[] {
  const isLower = (LOWER_BOUNDS as readonly string[]).includes(lowerOperator);
  const isUpper = (UPPER_BOUNDS as readonly string[]).includes(upperOperator);
  if (!isLower || !isUpper) return [`${path}: a range is a lower bound (>, >=) then an upper bound (<, <=)`];
  return lower < upper ? [] : [`${path}: the lower bound must be below the upper bound`];
}

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

function singleOperation(matcher: unknown): { operator: Operator; argument: unknown } | undefined {
  if (!isObject(matcher)) return undefined;
  const keys = Object.keys(matcher);
  const [operator] = keys;
  if (keys.length !== 1 || operator === undefined || !isOperator(operator)) return undefined;
  return { operator, argument: matcher[operator] };
}

function singleAnythingButOperation(
  argument: unknown,
): { operator: AnythingButOperator; argument: unknown } | undefined {
  if (!isObject(argument)) return undefined;
  const keys = Object.keys(argument);
  const [operator] = keys;
  if (keys.length !== 1 || operator === undefined) return undefined;
  if (!(ANYTHING_BUT_OPERATORS as readonly string[]).includes(operator)) return undefined;
  return { operator: operator as AnythingButOperator, argument: argument[operator] };
}

function expectString(value: unknown, path: string): string[] {
  return typeof value === 'string' ? [] : [`${path}: must be a string, got ${describeValue(value)}`];
}

function isOperator(key: string): key is Operator {
  return (OPERATORS as readonly string[]).includes(key);
}

function isNumericOperator(value: unknown): value is NumericOperator {
  return typeof value === 'string' && (NUMERIC_OPERATORS as readonly string[]).includes(value);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  return Array.isArray(value) ? 'an array' : JSON.stringify(value);
}

function assertNever(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
