import * as z from 'zod';
import type { NativeEventType } from '../../events/native-events.ts';
import { OUTPUT_TYPES, TEST_CASE_TYPES, TRIGGER_TYPES } from './spec-content.ts';

/**
 * Subject content of the CDEvents lifecycle types (0.4.x and 0.5.x) and how each maps onto a native
 * lifecycle type. The content has already passed its line's spec schema (`spec-content.ts`) when these run;
 * the schemas here only type what the mapping reads, and are never stricter than the spec's.
 */

const required = (what: string) => (issue: { readonly input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;
const text = z.string({ error: required('a string') });
const nonEmpty = text.trim().min(1, 'must not be empty');
const object = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.looseObject(shape, { error: required('an object') });
const Ref = object({ id: nonEmpty, source: text.optional() });
const strings = z.array(text, { error: required('an array of strings') });
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: required(`one of ${values.join(', ')}`) });

const Trigger = object({ type: oneOf(TRIGGER_TYPES).optional(), uri: text.optional() });
const TestCase = object({
  id: nonEmpty,
  version: text.optional(),
  name: text.optional(),
  type: oneOf(TEST_CASE_TYPES).optional(),
  uri: text.optional(),
});
const TestSuite = object({
  id: nonEmpty,
  version: text.optional(),
  name: text.optional(),
  uri: text.optional(),
});
/** 0.4: pass|fail|cancel|error; 0.5: success|failure|cancel|error (each line's own list is checked in spec-content.ts). */
const TEST_CASE_OUTCOMES = ['pass', 'success', 'fail', 'failure', 'cancel', 'error'] as const;

export interface LifecycleInput {
  readonly subjectId: string;
  readonly content: Record<string, unknown>;
  readonly customData: Readonly<Record<string, unknown>> | undefined;
}

export interface LifecycleMapping {
  readonly type: NativeEventType;
  readonly schema: z.ZodType<Record<string, unknown>>;
  /** Native data from the validated content; undefined fields are dropped by the caller. */
  readonly data: (input: LifecycleInput) => Record<string, unknown>;
  /** Where native fields come from, to report a native schema issue at its CDEvent path. */
  readonly origins?: Readonly<Record<string, (string | number)[]>>;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const refId = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null ? str((value as Record<string, unknown>).id) : undefined;
const custom = (input: LifecycleInput, key: string) => str(input.customData?.[key]);
const urlOf = (content: Record<string, unknown>) => str(content.uri) ?? str(content.url);
const linking = (input: LifecycleInput) => ({
  releaseId: custom(input, 'releaseId'),
  service: custom(input, 'service'),
});

const subjectId: Record<string, (string | number)[]> = { changeId: ['subject', 'id'] };

const change = (type: NativeEventType, extra: z.core.$ZodLooseShape = {}): LifecycleMapping => ({
  type,
  schema: object({ repository: Ref.optional(), ...extra }),
  data: (input) => ({
    changeId: input.subjectId,
    repository: refId(input.content.repository),
    repositorySource: str((input.content.repository as Record<string, unknown> | undefined)?.source),
    title: str(input.content.description),
    sha: custom(input, 'sha'),
    service: custom(input, 'service'),
  }),
  origins: subjectId,
});

const branch = (type: NativeEventType): LifecycleMapping => ({
  type,
  schema: object({ repository: Ref.optional() }),
  data: (input) => ({ branchId: input.subjectId, repository: refId(input.content.repository) }),
});

const repository = (type: NativeEventType, nameRequired: boolean): LifecycleMapping => ({
  type,
  schema: object({
    name: nameRequired ? nonEmpty : text.optional(),
    owner: text.optional(),
    url: text.optional(),
    uri: text.optional(),
    viewUrl: text.optional(),
  }),
  data: (input) => ({
    repositoryId: input.subjectId,
    name: str(input.content.name),
    owner: str(input.content.owner),
    url: urlOf(input.content),
  }),
});

const build = (type: NativeEventType): LifecycleMapping => ({
  type,
  schema: object({ artifactId: text.optional() }),
  data: (input) => ({
    buildId: input.subjectId,
    artifactId: str(input.content.artifactId),
    ...linking(input),
  }),
});

const artifact = (type: NativeEventType, extra: z.core.$ZodLooseShape = {}): LifecycleMapping => ({
  type,
  schema: object({
    change: Ref.optional(),
    sbom: object({ uri: text }).optional(),
    user: text.optional(),
    ...extra,
  }),
  data: (input) => ({
    artifactId: input.subjectId,
    changeId: refId(input.content.change),
    sbomUri: str((input.content.sbom as Record<string, unknown> | undefined)?.uri),
    signature: str(input.content.signature),
    user: str(input.content.user),
    version: custom(input, 'version'),
    ...linking(input),
  }),
});

const pipelineRun = (type: NativeEventType, finished: boolean): LifecycleMapping => ({
  type,
  schema: object({
    pipelineName: text.optional(),
    url: text.optional(),
    uri: text.optional(),
    ...(finished ? { outcome: text.optional(), errors: text.optional() } : {}),
  }),
  data: (input) => ({
    pipelineRunId: input.subjectId,
    pipelineName: str(input.content.pipelineName),
    url: urlOf(input.content),
    ...(finished
      ? { outcome: runOutcome(input.content.outcome), conclusion: str(input.content.outcome) }
      : {}),
    errors: str(input.content.errors),
    ...linking(input),
  }),
});

const taskRun = (type: NativeEventType, finished: boolean): LifecycleMapping => ({
  type,
  schema: object({
    taskName: text.optional(),
    pipelineRun: Ref.optional(),
    url: text.optional(),
    uri: text.optional(),
    ...(finished ? { outcome: text.optional(), errors: text.optional() } : {}),
  }),
  data: (input) => ({
    taskRunId: input.subjectId,
    taskName: str(input.content.taskName),
    pipelineRunId: refId(input.content.pipelineRun),
    url: urlOf(input.content),
    ...(finished
      ? { outcome: runOutcome(input.content.outcome), conclusion: str(input.content.outcome) }
      : {}),
    errors: str(input.content.errors),
    ...linking(input),
  }),
});

/** CDEvents' free-form run outcome onto the neutral one; the raw word stays in `conclusion`. */
function runOutcome(value: unknown): string | undefined {
  switch (value) {
    case 'success':
    case 'failure':
    case 'error':
    case 'cancelled':
    case 'skipped':
      return value;
    case 'cancel':
    case 'canceled':
      return 'cancelled';
    case 'fail':
      return 'failure';
    case 'pass':
      return 'success';
    default:
      return undefined;
  }
}

const testCase = (
  type: NativeEventType,
  extra: z.core.$ZodLooseShape = {},
  environmentRequired = true,
): LifecycleMapping => ({
  type,
  schema: object({
    environment: environmentRequired ? Ref : Ref.optional(),
    testCase: TestCase.optional(),
    testSuiteRun: Ref.optional(),
    trigger: Trigger.optional(),
    ...extra,
  }),
  data: (input) => ({
    testCaseRunId: input.subjectId,
    testCase: refId(input.content.testCase),
    testSuiteRunId: refId(input.content.testSuiteRun),
    environment: refId(input.content.environment),
    outcome: str(input.content.outcome),
    passed:
      input.content.outcome === undefined
        ? undefined
        : input.content.outcome === 'pass' || input.content.outcome === 'success',
    reason: str(input.content.reason),
    ...linking(input),
  }),
});

const testSuiteStart = (type: NativeEventType): LifecycleMapping => ({
  type,
  schema: object({ environment: Ref, testSuite: TestSuite.optional(), trigger: Trigger.optional() }),
  data: (input) => ({
    testSuiteRunId: input.subjectId,
    suite: refId(input.content.testSuite),
    environment: refId(input.content.environment),
    ...linking(input),
  }),
});

const environment = (type: NativeEventType): LifecycleMapping => ({
  type,
  schema: object({ name: text.optional(), url: text.optional(), uri: text.optional() }),
  data: (input) => ({
    environmentId: input.subjectId,
    name: str(input.content.name),
    url: urlOf(input.content),
  }),
});

const ticket = (type: NativeEventType, closed: boolean): LifecycleMapping => ({
  type,
  schema: object({
    summary: text.optional(),
    ticketType: text.optional(),
    group: text.optional(),
    creator: text.optional(),
    assignees: strings.optional(),
    priority: text.optional(),
    labels: strings.optional(),
    milestone: text.optional(),
    uri: text.optional(),
    updatedBy: text.optional(),
    ...(closed ? { resolution: text.optional() } : {}),
  }),
  data: (input) => ({ ...input.content, ticketId: input.subjectId }),
});

/** `<subject>.<predicate>` → its mapping onto a native lifecycle type. */
export const lifecycleMappings: ReadonlyMap<string, LifecycleMapping> = new Map([
  ['change.created', change('change.created', { description: text.optional() })],
  ['change.updated', change('change.updated')],
  ['change.reviewed', change('change.reviewed')],
  ['change.abandoned', change('change.abandoned')],
  ['branch.created', branch('branch.created')],
  ['branch.deleted', branch('branch.deleted')],
  ['repository.created', repository('repository.created', true)],
  ['repository.modified', repository('repository.modified', false)],
  ['repository.deleted', repository('repository.deleted', false)],
  ['build.queued', build('build.queued')],
  ['build.started', build('build.started')],
  ['build.finished', build('build.finished')],
  ['artifact.packaged', artifact('artifact.packaged')],
  ['artifact.signed', artifact('artifact.signed', { signature: nonEmpty })],
  ['artifact.downloaded', artifact('artifact.downloaded')],
  ['artifact.deleted', artifact('artifact.deleted')],
  ['pipelinerun.queued', pipelineRun('pipeline.run.queued', false)],
  ['pipelinerun.started', pipelineRun('pipeline.run.started', false)],
  ['pipelinerun.finished', pipelineRun('pipeline.run.finished', true)],
  ['taskrun.started', taskRun('task.run.started', false)],
  ['taskrun.finished', taskRun('task.run.finished', true)],
  ['testcaserun.queued', testCase('test.case.queued')],
  ['testcaserun.started', testCase('test.case.started')],
  [
    'testcaserun.finished',
    testCase('test.case.finished', {
      outcome: oneOf(TEST_CASE_OUTCOMES),
      severity: text.optional(),
      reason: text.optional(),
    }),
  ],
  // The only testCaseRun predicate whose schema does not require `environment`.
  ['testcaserun.skipped', testCase('test.case.skipped', { reason: text.optional() }, false)],
  ['testsuiterun.queued', testSuiteStart('test.suite.queued')],
  ['testsuiterun.started', testSuiteStart('test.suite.started')],
  [
    'testoutput.published',
    {
      type: 'test.output.published',
      schema: object({
        outputType: oneOf(OUTPUT_TYPES),
        format: text,
        testCaseRun: Ref.optional(),
        uri: text.optional(),
      }),
      data: (input) => ({
        testOutputId: input.subjectId,
        outputType: str(input.content.outputType),
        format: str(input.content.format),
        testCaseRunId: refId(input.content.testCaseRun),
        uri: str(input.content.uri),
        ...linking(input),
      }),
    },
  ],
  ['environment.created', environment('environment.created')],
  ['environment.modified', environment('environment.modified')],
  ['environment.deleted', environment('environment.deleted')],
  ['ticket.created', ticket('ticket.created', false)],
  ['ticket.updated', ticket('ticket.updated', false)],
  ['ticket.closed', ticket('ticket.closed', true)],
]);
