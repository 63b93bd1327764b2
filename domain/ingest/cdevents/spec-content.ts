import * as z from 'zod';
import type { FieldIssue } from '../field-issues.ts';

/**
 * `subject.content` of every CDEvent type of the 0.4.x and 0.5.x lines, as the cdevents/spec JSON schemas
 * state it (required fields, types, `minLength`, enums, `uri` / `uri-reference` formats, nested `{ id, source }`
 * references). Every content object of those schemas, and every nested object but `trigger`, says
 * `additionalProperties: false`, so those objects are strict here: an unknown field is refused at its own path.
 * What the lines differ in: 0.4 names links `url` (plain strings) where 0.5 has `uri` (format uri); test
 * outcomes are `pass|fail|cancel|error` in 0.4 and `success|failure|cancel|error` in 0.5; a pipelineRun's
 * `outcome` is free text in 0.4 and `success|failure|cancel|error` in 0.5 (a taskRun's stays free text);
 * repository.created requires `name` and its link (`url` in 0.4, `uri` in 0.5).
 * Table-driven so that 45 types × 2 lines cost a few shared builders in every bundle that ingests CDEvents.
 */

export type SpecLine = '0.4' | '0.5';

const required = (what: string) => (issue: { readonly input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

const str = z.string({ error: required('a string') });
/** `minLength: 1` (the spec does not trim). */
const nonEmpty = str.min(1, 'must not be empty');
/** RFC 3986 characters only (unreserved, reserved, percent-encoded octets): `format: uri-reference`. */
const URI_CHARS = "(?:[A-Za-z0-9\\-._~:/?#[\\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*";
const uriRef = nonEmpty.regex(new RegExp(`^${URI_CHARS}$`), 'must be a URI reference');
/** `format: uri`: a scheme, then RFC 3986 characters only (a space or a bare host name is not a URI). */
const uri = str.regex(new RegExp(`^[A-Za-z][A-Za-z0-9+.-]*:${URI_CHARS}$`), 'must be a URI');
const strings = z.array(str, { error: required('an array of strings') });
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: required(`one of ${values.join(', ')}`) });
/** An object the spec closes with `additionalProperties: false`. */
const closed = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, { error: required('an object') });

/** `{ id, source }` of environment, service, repository, change, pipelineRun: `source` is a uri-reference. */
const ref = closed({ id: nonEmpty, source: uriRef.optional() });
/** testSuiteRun / testCaseRun references declare `source` as a plain string. */
const runRef = closed({ id: nonEmpty, source: str.optional() });

/** The spec's enum (also used by the mapping's own schemas). */
export const TRIGGER_TYPES = ['manual', 'pipeline', 'event', 'schedule', 'other'] as const;
/** The one nested object the schemas leave open. */
const trigger = z.looseObject(
  { type: oneOf(TRIGGER_TYPES).optional(), uri: uri.optional() },
  { error: required('an object') },
);
/** The spec's enum (also used by the mapping's own schemas). */
export const TEST_CASE_TYPES = [
  'performance',
  'functional',
  'unit',
  'security',
  'compliance',
  'integration',
  'e2e',
  'other',
] as const;
const testCase = closed({
  id: nonEmpty,
  version: str.optional(),
  name: str.optional(),
  type: oneOf(TEST_CASE_TYPES).optional(),
  uri: uri.optional(),
});
const testSuite = closed({
  id: nonEmpty,
  version: str.optional(),
  name: str.optional(),
  uri: uri.optional(),
});
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
const OUTCOMES_04 = ['pass', 'fail', 'cancel', 'error'] as const;
const OUTCOMES_05 = ['success', 'failure', 'cancel', 'error'] as const;
/** The spec's enum (also used by the mapping's own schemas). */
export const OUTPUT_TYPES = ['report', 'video', 'image', 'log', 'other'] as const;

type Shape = Record<string, z.ZodType>;
type Content = (line: SpecLine) => Shape;

const is04 = (line: SpecLine) => line === '0.4';
const testOutcome = (line: SpecLine) => oneOf(is04(line) ? OUTCOMES_04 : OUTCOMES_05);
/** A run's or an environment's link: `url` (a string) in 0.4, `uri` (format uri) in 0.5. */
const link = (line: SpecLine): Shape => (is04(line) ? { url: str.optional() } : { uri: uri.optional() });

const none: Content = () => ({});
const user: Content = () => ({ user: nonEmpty.optional() });
const repository: Content = () => ({ repository: ref.optional() });
const service: Content = () => ({ environment: ref, artifactId: nonEmpty });
const incident: Content = () => ({
  description: str.optional(),
  environment: ref,
  service: ref.optional(),
  artifactId: nonEmpty.optional(),
});
const environment: Content = (line) => ({ name: str.optional(), ...link(line) });
const repositoryContent = (line: SpecLine, created: boolean): Shape => ({
  name: created ? nonEmpty : str.optional(),
  owner: str.optional(),
  ...(is04(line)
    ? { url: created ? nonEmpty : str.optional(), viewUrl: str.optional() }
    : { uri: created ? uri : uri.optional(), viewUrl: uri.optional() }),
});
const pipelineRun: Content = (line) => ({ pipelineName: str.optional(), ...link(line) });
const taskRun: Content = (line) => ({ taskName: str.optional(), pipelineRun: ref.optional(), ...link(line) });
const testCaseRun = (environmentRequired: boolean): Shape => ({
  environment: environmentRequired ? ref : ref.optional(),
  testSuiteRun: runRef.optional(),
  testCase: testCase.optional(),
});
const ticket = (extra: Shape = {}): Shape => ({
  summary: str.optional(),
  ticketType: str.optional(),
  group: str.optional(),
  creator: nonEmpty.optional(),
  assignees: strings.optional(),
  priority: str.optional(),
  labels: strings.optional(),
  milestone: str.optional(),
  uri: uriRef,
  ...extra,
});

/** `<subject>.<predicate>` → its content shape in a line. */
const CONTENT: Readonly<Record<string, Content>> = {
  'artifact.packaged': () => ({ change: ref, sbom: closed({ uri: uriRef }).optional() }),
  'artifact.published': () => ({ sbom: closed({ uri: uriRef }).optional(), user: nonEmpty.optional() }),
  'artifact.signed': () => ({ signature: nonEmpty }),
  'artifact.downloaded': user,
  'artifact.deleted': user,
  'branch.created': repository,
  'branch.deleted': repository,
  'build.queued': none,
  'build.started': none,
  'build.finished': () => ({ artifactId: str.optional() }),
  'change.created': () => ({ description: nonEmpty.optional(), repository: ref.optional() }),
  'change.updated': repository,
  'change.reviewed': repository,
  'change.merged': repository,
  'change.abandoned': repository,
  'environment.created': environment,
  'environment.modified': environment,
  'environment.deleted': () => ({ name: str.optional() }),
  'incident.detected': incident,
  'incident.reported': (line) => ({ ...incident(line), ticketURI: uri }),
  'incident.resolved': incident,
  'pipelinerun.queued': pipelineRun,
  'pipelinerun.started': pipelineRun,
  'pipelinerun.finished': (line) => ({
    ...pipelineRun(line),
    outcome: (is04(line) ? str : oneOf(OUTCOMES_05)).optional(),
    errors: str.optional(),
  }),
  'repository.created': (line) => repositoryContent(line, true),
  'repository.modified': (line) => repositoryContent(line, false),
  'repository.deleted': (line) => repositoryContent(line, false),
  'service.deployed': service,
  'service.upgraded': service,
  'service.rolledback': service,
  'service.published': () => ({ environment: ref.optional() }),
  'service.removed': () => ({ environment: ref.optional() }),
  'taskrun.started': taskRun,
  'taskrun.finished': (line) => ({ ...taskRun(line), outcome: str.optional(), errors: str.optional() }),
  'testcaserun.queued': () => ({ ...testCaseRun(true), trigger: trigger.optional() }),
  'testcaserun.started': () => ({ ...testCaseRun(true), trigger: trigger.optional() }),
  'testcaserun.finished': (line) => ({
    ...testCaseRun(true),
    outcome: testOutcome(line),
    severity: oneOf(SEVERITIES).optional(),
    reason: str.optional(),
  }),
  'testcaserun.skipped': () => ({ ...testCaseRun(false), reason: str.optional() }),
  'testsuiterun.queued': () => ({
    trigger: trigger.optional(),
    environment: ref,
    testSuite: testSuite.optional(),
  }),
  'testsuiterun.started': () => ({
    trigger: trigger.optional(),
    environment: ref,
    testSuite: testSuite.optional(),
  }),
  'testsuiterun.finished': (line) => ({
    environment: ref,
    testSuite: testSuite.optional(),
    outcome: testOutcome(line),
    severity: oneOf(SEVERITIES).optional(),
    reason: str.optional(),
  }),
  'testoutput.published': () => ({
    outputType: oneOf(OUTPUT_TYPES),
    format: str,
    uri: uri.optional(),
    testCaseRun: runRef.optional(),
  }),
  'ticket.created': () => ticket({ summary: str, creator: nonEmpty }),
  'ticket.updated': () => ticket({ updatedBy: str.optional() }),
  // `resolution` is one of completed, withdrawn, duplicate or any other non-empty string.
  'ticket.closed': () => ticket({ updatedBy: str.optional(), resolution: nonEmpty }),
};

/** `<subject>.<predicate>` of every type of the 0.4.x and 0.5.x lines. */
export const specContentTypes: readonly string[] = Object.keys(CONTENT);

const compiled = new Map<string, z.ZodType>();

/** The strict content schema of a type in a line, built on first use; undefined for a type outside the lines. */
export function specContentSchema(name: string, line: SpecLine): z.ZodType | undefined {
  const key = `${line} ${name}`;
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  const content = Object.hasOwn(CONTENT, name) ? CONTENT[name] : undefined;
  if (content === undefined) return undefined;
  const schema = closed(content(line));
  compiled.set(key, schema);
  return schema;
}

/**
 * Checks `subject.content` against the type's spec schema in the event's line. Issues carry their full path
 * from the CDEvent root; an unknown field is reported at its own path, not at the object holding it.
 */
export function specContentIssues(name: string, line: SpecLine, content: unknown): FieldIssue[] {
  const schema = specContentSchema(name, line);
  if (schema === undefined) return [];
  const parsed = schema.safeParse(content);
  if (parsed.success) return [];
  return parsed.error.issues.flatMap((issue) => {
    const at = ['subject', 'content', ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    if (issue.code !== 'unrecognized_keys') return [{ path: at, message: issue.message }];
    return issue.keys.map((key) => ({
      path: [...at, key],
      message: `is not a field of ${name} in CDEvents ${line} (the spec schema allows no other fields)`,
    }));
  });
}
