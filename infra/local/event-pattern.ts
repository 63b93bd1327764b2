import { type CidrBlock, inCidr, parseCidr, parseIp, sameIp } from './event-pattern-ip.ts';
import {
  matchWildcard,
  WILDCARD_COMPLEXITY_LIMIT,
  wildcardComplexity,
  wildcardSegments,
} from './event-pattern-wildcard.ts';

/**
 * Amazon EventBridge event patterns: the validator (what PutRule / TestEventPattern accept) and the
 * matcher, as the service behaves. EventBridge runs aws/event-ruler; these rules follow its semantics,
 * checked against recorded `TestEventPattern` answers (`test/unit/infra/event-pattern-corpus.test.ts`).
 * The local bus and the CDK app both read this module, so a rule that passes here deploys.
 *
 * - Paths, not nesting: pattern and event are both flattened to dotted paths, so a key `"state.status"`
 *   is the path state → status (on either side, and through arrays), exactly as `{"state": {"status"}}`.
 *   Two keys that flatten to the same path: the later one wins.
 * - A field whose pattern value is an array is a leaf: it matches when ANY matcher matches ANY of the
 *   event's values at that path (an array's elements are each a value; objects and empty arrays are none).
 * - All fields must match (AND), from the same element of any array they share ("array consistency").
 *   `"$or": [pattern, pattern, ...]` forks the pattern into one branch per alternative; at most 1000
 *   branches in all. `"$or"` followed by an object is an ordinary field name (event-ruler keeps it so).
 * - `{"exists": false}` holds when no value at that path comes from the array elements the fields before
 *   it (in path order) matched in: event-ruler evaluates fields in sorted path order.
 * - Matchers: exact string / number / boolean / null (numbers by value, IP addresses as addresses);
 *   `prefix`, `suffix` (optionally `{"equals-ignore-case": ...}`), `equals-ignore-case`, `wildcard`,
 *   `anything-but` (value, list, or `prefix` / `suffix` / `equals-ignore-case` / `wildcard`, each one value
 *   or a list), `numeric`, `exists`, `cidr`.
 *
 * Pure: no I/O. Compiled patterns are cached per pattern object, so patterns are treated as immutable.
 */

export type EventPattern = Readonly<Record<string, unknown>>;

type JsonObject = Readonly<Record<string, unknown>>;
type Leaf = string | number | boolean | null;

const OR_KEY = '$or';
/** The guide: "$or" that "results in over 1000 rule combinations" raises InvalidEventPatternException. */
const MAX_COMBINATIONS = 1000;
/** Field names event-ruler refuses inside a `$or` branch (operators and names it reserves). */
const RESERVED_INSIDE_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

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
// Public API
// ---------------------------------------------------------------------------------------------------------

/** The problems with a pattern, each prefixed by its path; empty when EventBridge would accept it. */
export function validateEventPattern(pattern: unknown): string[] {
  if (!isObject(pattern)) return ['pattern: must be a JSON object'];
  return [...compile(pattern).problems];
}

/** True when `event` matches `pattern`. A malformed pattern (see validateEventPattern) never matches. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) return false;
  const { problems, branches, paths } = compile(pattern);
  if (problems.length > 0) return false;
  const fields = flattenEvent(isObject(event) ? event : {}, paths);
  return branches.some((branch) => matchBranch(branch, 0, NO_MEMBERSHIP, fields));
}

// ---------------------------------------------------------------------------------------------------------
// Compilation: validate, then fork `$or` into branches of path → test
// ---------------------------------------------------------------------------------------------------------

type LeafTest = (leaf: Leaf) => boolean;

/** One field of a branch: the values that satisfy it, or (`absent`) that it may be missing. */
interface FieldTest {
  readonly path: string;
  readonly absent: boolean;
  readonly tests: readonly LeafTest[];
}

/** One way for the pattern to match: its fields in path order (the order event-ruler evaluates them). */
type Branch = readonly FieldTest[];

interface CompiledPattern {
  readonly problems: readonly string[];
  readonly branches: readonly Branch[];
  /** Every path the branches test, and each of its dotted prefixes: the only parts of an event read. */
  readonly paths: ReadonlySet<string>;
}

const compiled = new WeakMap<JsonObject, CompiledPattern>();

function compile(pattern: JsonObject): CompiledPattern {
  const cached = compiled.get(pattern);
  if (cached) return cached;
  const problems = validate(pattern);
  const branches = problems.length > 0 ? [] : expand(pattern, '', [new Map()]).map(compileBranch);
  const paths = new Set<string>();
  for (const { path } of branches.flat()) {
    for (let end = path.indexOf('.'); end >= 0; end = path.indexOf('.', end + 1))
      paths.add(path.slice(0, end));
    paths.add(path);
  }
  const result: CompiledPattern = { problems, branches, paths };
  compiled.set(pattern, result);
  return result;
}

/** Forks at each `$or`, as event-ruler's JsonRuleCompiler does: each alternative extends a copy. */
function expand(
  pattern: JsonObject,
  prefix: string,
  branches: Map<string, readonly unknown[]>[],
): Map<string, readonly unknown[]>[] {
  let current = branches;
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === OR_KEY && Array.isArray(rule)) {
      const before = current;
      current = rule.flatMap((alternative) =>
        expand(
          alternative as JsonObject,
          prefix,
          before.map((branch) => new Map(branch)),
        ),
      );
      continue;
    }
    const path = joinPath(prefix, key);
    if (Array.isArray(rule)) for (const branch of current) branch.set(path, rule);
    else if (isObject(rule)) current = expand(rule, path, current);
  }
  return current;
}

function compileBranch(fields: ReadonlyMap<string, readonly unknown[]>): Branch {
  return [...fields.keys()].sort().map((path) => {
    const compiledMatchers = (fields.get(path) ?? []).map(compileMatcher);
    return {
      path,
      absent: compiledMatchers.includes(ABSENT),
      tests: compiledMatchers.filter((matcher): matcher is LeafTest => matcher !== ABSENT),
    };
  });
}

const ABSENT = Symbol('exists: false');

/** A validated matcher as a test on one value, or ABSENT for `{"exists": false}`. */
function compileMatcher(matcher: unknown): LeafTest | typeof ABSENT {
  if (typeof matcher === 'string') return exactString(matcher);
  if (isLeaf(matcher)) return (leaf) => leaf === matcher;
  const [operator, argument] = Object.entries(matcher as JsonObject)[0] as [Operator, unknown];
  switch (operator) {
    case 'prefix':
      return affixTest(argument, 'prefix');
    case 'suffix':
      return affixTest(argument, 'suffix');
    case 'equals-ignore-case': {
      const pattern = caseInsensitive(argument as string, 'whole');
      return (leaf) => typeof leaf === 'string' && pattern.test(leaf);
    }
    case 'wildcard':
      return (leaf) => typeof leaf === 'string' && matchWildcard(argument as string, leaf);
    case 'anything-but':
      return anythingButTest(argument);
    case 'numeric': {
      const comparisons = numericComparisons(argument) ?? [];
      return (leaf) =>
        typeof leaf === 'number' &&
        comparisons.every(({ operator, bound }) => compare(operator, leaf, bound));
    }
    case 'exists':
      return argument === true ? () => true : ABSENT;
    case 'cidr': {
      const block = parseCidr(argument as string) as CidrBlock;
      return (leaf) => typeof leaf === 'string' && inCidr(block, leaf);
    }
    default:
      return assertNever(operator);
  }
}

/** An exact string; one that is an IP address matches the same address however it is written. */
function exactString(expected: string): LeafTest {
  const address = parseIp(expected);
  if (!address) return (leaf) => leaf === expected;
  return (leaf) => typeof leaf === 'string' && (leaf === expected || sameIp(address, parseIp(leaf)));
}

/** `prefix` / `suffix`: a string, or `{"equals-ignore-case": string}`. String values only. */
function affixTest(argument: unknown, end: 'prefix' | 'suffix'): LeafTest {
  if (typeof argument === 'string') {
    return end === 'prefix'
      ? (leaf) => typeof leaf === 'string' && leaf.startsWith(argument)
      : (leaf) => typeof leaf === 'string' && leaf.endsWith(argument);
  }
  const pattern = caseInsensitive((argument as JsonObject)['equals-ignore-case'] as string, end);
  return (leaf) => typeof leaf === 'string' && pattern.test(leaf);
}

/** `anything-but` matches a present value the wrapped matcher does not match (null and numbers included). */
function anythingButTest(argument: unknown): LeafTest {
  if (Array.isArray(argument)) return (leaf) => !argument.includes(leaf);
  if (isLeaf(argument)) return (leaf) => leaf !== argument;
  const [operator, value] = Object.entries(argument as JsonObject)[0] as [AnythingButOperator, unknown];
  const options = (Array.isArray(value) ? value : [value]) as string[];
  const excluded = excludedBy(operator, options);
  return (leaf) => typeof leaf !== 'string' || !excluded(leaf);
}

function excludedBy(operator: AnythingButOperator, options: readonly string[]): (value: string) => boolean {
  switch (operator) {
    case 'prefix':
      return (value) => options.some((option) => value.startsWith(option));
    case 'suffix':
      return (value) => options.some((option) => value.endsWith(option));
    case 'equals-ignore-case': {
      const patterns = options.map((option) => caseInsensitive(option, 'whole'));
      return (value) => patterns.some((pattern) => pattern.test(value));
    }
    case 'wildcard':
      return (value) => options.some((option) => matchWildcard(option, value));
    default:
      return assertNever(operator);
  }
}

/**
 * Case-insensitive matching as event-ruler does it: each character of the pattern matches its lower-case
 * or its upper-case form (whole-string mappings, so "ΰ" also matches "Ϋ́"); the value is not folded.
 */
function caseInsensitive(text: string, anchor: 'whole' | 'prefix' | 'suffix'): RegExp {
  const body = Array.from(text, (char) => {
    const forms = [...new Set([char.toLowerCase(), char.toUpperCase()])].map(escapeRegExp);
    return `(?:${forms.join('|')})`;
  }).join('');
  const source = anchor === 'prefix' ? `^${body}` : anchor === 'suffix' ? `${body}$` : `^${body}$`;
  return new RegExp(source, 'u');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
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

// ---------------------------------------------------------------------------------------------------------
// Matching: the event as dotted paths, each value tagged with the array elements it sits in
// ---------------------------------------------------------------------------------------------------------

/** Array id → element index, for every array of objects (or arrays) a value sits inside. */
type Membership = ReadonlyMap<number, number>;
const NO_MEMBERSHIP: Membership = new Map();

interface EventValue {
  readonly value: Leaf;
  readonly membership: Membership;
}

/**
 * Every leaf of the event under its dotted path (`{"a": {"b.c": 1}}` gives `a.b.c`), skipping keys that
 * lead to no path in `paths`. An element of an array that is an object or an array records which element
 * it is, so fields can be held to one element.
 */
function flattenEvent(event: JsonObject, paths: ReadonlySet<string>): Map<string, EventValue[]> {
  const fields = new Map<string, EventValue[]>();
  let arrays = 0;
  const visit = (value: unknown, path: string, membership: Membership): void => {
    if (Array.isArray(value)) {
      const arrayId = arrays++;
      value.forEach((element, index) => {
        const nested = isObject(element) || Array.isArray(element);
        visit(element, path, nested ? new Map([...membership, [arrayId, index]]) : membership);
      });
    } else if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        const childPath = joinPath(path, key);
        if (paths.has(childPath)) visit(child, childPath, membership);
      }
    } else if (isLeaf(value)) {
      const values = fields.get(path);
      if (values) values.push({ value, membership });
      else fields.set(path, [{ value, membership }]);
    }
  };
  visit(event, '', NO_MEMBERSHIP);
  return fields;
}

function matchBranch(
  branch: Branch,
  index: number,
  membership: Membership,
  fields: ReadonlyMap<string, readonly EventValue[]>,
): boolean {
  const field = branch[index];
  if (!field) return true;
  const candidates = (fields.get(field.path) ?? []).filter((candidate) =>
    consistent(membership, candidate.membership),
  );
  if (field.absent && candidates.length === 0 && matchBranch(branch, index + 1, membership, fields)) {
    return true;
  }
  // Values that bind the same array elements lead to the same outcome: try each binding once.
  const tried = new Set<string>();
  for (const candidate of candidates) {
    if (!field.tests.some((test) => test(candidate.value))) continue;
    const merged = new Map([...membership, ...candidate.membership]);
    const key = [...merged].join(';');
    if (tried.has(key)) continue;
    tried.add(key);
    if (matchBranch(branch, index + 1, merged, fields)) return true;
  }
  return false;
}

/** Two values can match together unless they come from different elements of the same array. */
function consistent(a: Membership, b: Membership): boolean {
  for (const [arrayId, element] of b) {
    const other = a.get(arrayId);
    if (other !== undefined && other !== element) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------

interface Validation {
  readonly problems: string[];
  /** Every wildcard a field path is matched with, for the complexity limit. */
  readonly wildcards: Map<string, string[]>;
}

function validate(pattern: JsonObject): string[] {
  const validation: Validation = { problems: [], wildcards: new Map() };
  const combinations = validateObject(pattern, '', '', false, validation);
  if (combinations > MAX_COMBINATIONS) {
    validation.problems.push(
      `pattern: its $or alternatives combine into more than ${MAX_COMBINATIONS} rules (EventBridge's limit)`,
    );
  }
  for (const [path, wildcards] of validation.wildcards) {
    if (wildcardComplexity(wildcards) > WILDCARD_COMPLEXITY_LIMIT) {
      validation.problems.push(
        `${path}: the wildcards are too complex for EventBridge; use fewer wildcard characters or fewer ` +
          'repeating character sequences after a wildcard character',
      );
    }
  }
  return validation.problems;
}

/** Validates one object of the pattern and returns how many rules its `$or`s fork it into. */
function validateObject(
  pattern: JsonObject,
  prefix: string,
  shownPath: string,
  insideOr: boolean,
  validation: Validation,
): number {
  const entries = Object.entries(pattern);
  if (entries.length === 0) {
    validation.problems.push(`${shownPath || 'pattern'}: must not be an empty object`);
    return 1;
  }
  let combinations = 1;
  for (const [key, rule] of entries) {
    const fieldShown = shownPath ? `${shownPath}.${key}` : key;
    if (key === OR_KEY && !isObject(rule)) {
      combinations *= validateAnyOf(rule, prefix, fieldShown, validation);
    } else if (insideOr && RESERVED_INSIDE_OR.has(key)) {
      validation.problems.push(`${fieldShown}: "${key}" is reserved and cannot be a field name inside $or`);
    } else if (Array.isArray(rule)) {
      validateLeaf(rule, joinPath(prefix, key), fieldShown, validation);
    } else if (isObject(rule)) {
      combinations *= validateObject(rule, joinPath(prefix, key), fieldShown, insideOr, validation);
    } else {
      validation.problems.push(
        `${fieldShown}: must be an array of matchers or a nested pattern object, got ${describeValue(rule)}`,
      );
    }
    combinations = Math.min(combinations, MAX_COMBINATIONS + 1);
  }
  return combinations;
}

function validateAnyOf(
  alternatives: unknown,
  prefix: string,
  shownPath: string,
  validation: Validation,
): number {
  if (!Array.isArray(alternatives) || alternatives.length < 2) {
    validation.problems.push(`${shownPath}: must be an array of at least two pattern objects`);
    if (!Array.isArray(alternatives)) return 1;
  }
  let combinations = 0;
  alternatives.forEach((alternative: unknown, index: number) => {
    const alternativeShown = `${shownPath}[${index}]`;
    if (isObject(alternative)) {
      combinations += validateObject(alternative, prefix, alternativeShown, true, validation);
    } else {
      validation.problems.push(
        `${alternativeShown}: must be a pattern object, got ${describeValue(alternative)}`,
      );
    }
  });
  return Math.max(combinations, 1);
}

function validateLeaf(matchers: readonly unknown[], path: string, shownPath: string, validation: Validation) {
  if (matchers.length === 0) {
    validation.problems.push(`${shownPath}: must contain at least one matcher`);
    return;
  }
  matchers.forEach((matcher, index) => {
    validation.problems.push(...validateMatcher(matcher, `${shownPath}[${index}]`));
    const wildcards = wildcardsOf(matcher);
    if (wildcards.length > 0)
      validation.wildcards.set(path, [...(validation.wildcards.get(path) ?? []), ...wildcards]);
  });
}

/** The wildcard patterns a matcher adds to its field's byte machine (`wildcard` and `anything-but`'s). */
function wildcardsOf(matcher: unknown): string[] {
  if (!isObject(matcher)) return [];
  if (typeof matcher.wildcard === 'string') return [matcher.wildcard];
  const anythingBut = matcher['anything-but'];
  const wildcard = isObject(anythingBut) ? anythingBut.wildcard : undefined;
  if (typeof wildcard === 'string') return [wildcard];
  return Array.isArray(wildcard)
    ? wildcard.filter((value): value is string => typeof value === 'string')
    : [];
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
        : [
            `${path}: must be an IPv4 or IPv6 CIDR block with a mask below /32 or /128, such as "10.0.0.0/24"`,
          ];
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
  const operation = singleAnythingButOperation(argument);
  if (!operation) {
    return [
      `${path}: must be a string, a number, a list, or one of {prefix|suffix|equals-ignore-case|wildcard}`,
    ];
  }
  const operationPath = `${path}.${operation.operator}`;
  const options = operation.argument;
  if (!Array.isArray(options)) return validateAnythingButOption(operation.operator, options, operationPath);
  if (options.length === 0) return [`${operationPath}: a list must hold at least one value`];
  return options.flatMap((option, index) =>
    validateAnythingButOption(operation.operator, option, `${operationPath}[${index}]`),
  );
}

function validateAnythingButOption(operator: AnythingButOperator, option: unknown, path: string): string[] {
  switch (operator) {
    case 'prefix':
    case 'suffix':
      // An empty prefix or suffix would exclude every string: EventBridge refuses it.
      return typeof option === 'string' && option !== '' ? [] : [`${path}: must be a non-empty string`];
    case 'equals-ignore-case':
      return expectString(option, path);
    case 'wildcard':
      return validateWildcard(option, path);
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

function joinPath(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
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
