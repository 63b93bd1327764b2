import * as z from 'zod';
import { id, isoTime, name } from './event-fields.ts';

/**
 * The delivery lifecycle beyond releases and deployments: changes, branches, repositories, builds,
 * artifacts, pipeline and task runs, test cases and suites, test outputs, environments, tickets (issue 18).
 * CDEvents of these subjects map onto them; clients and provider webhooks may post them natively.
 * Every data object is loose: the tool's own context is kept verbatim.
 *
 * A build, artifact or test event is tied to a release by, in order, its `releaseId`, the CDEvents chain
 * it shares with an event of that release (`chainId`), or its artifact id equal to a release's artifact
 * (see `domain/views/release-links.ts`). Unlinked events are stored all the same.
 */

const text = (max: number) => z.string().max(max);
const url = text(4096);
/** Provider-neutral outcome of a run; `conclusion` keeps the provider's own word. */
export const RunOutcomeSchema = z.enum(['success', 'failure', 'cancelled', 'error', 'skipped']);
export type RunOutcome = z.infer<typeof RunOutcomeSchema>;

/** Fields that tie an event to a release without naming it: the CDEvents chain it belongs to. */
const linking = {
  releaseId: id.optional(),
  chainId: text(1024).optional(),
};

const change = {
  changeId: id,
  service: name.optional(),
  repository: text(1024).optional(),
};

export const ChangeCreatedSchema = z.looseObject({
  ...change,
  title: text(4096).optional(),
  author: text(256).optional(),
  branch: text(1024).optional(),
  baseBranch: text(1024).optional(),
  url: url.optional(),
  createdAt: isoTime.optional(),
});
export const ChangeUpdatedSchema = z.looseObject({ ...change, url: url.optional() });
export const ChangeReviewedSchema = z.looseObject({
  ...change,
  reviewer: text(256).optional(),
  state: text(256).optional(),
});
/** Kept for lead time: the change's first commit, creation or merge time starts a sample. */
export const ChangeMergedSchema = z.looseObject({
  ...change,
  sha: text(128).optional(),
  mergeCommitSha: text(128).optional(),
  baseBranch: text(1024).optional(),
  createdAt: isoTime.optional(),
  firstCommitAt: isoTime.optional(),
  mergedAt: isoTime.optional(),
  author: text(256).optional(),
  mergedBy: text(256).optional(),
});
export const ChangeAbandonedSchema = z.looseObject({ ...change });

const branch = { branchId: id, repository: text(1024).optional(), service: name.optional() };
const repository = {
  repositoryId: id,
  name: text(1024).optional(),
  owner: text(1024).optional(),
  url: url.optional(),
};

const build = {
  buildId: id,
  service: name.optional(),
  url: url.optional(),
  ...linking,
};
export const BuildFinishedSchema = z.looseObject({
  ...build,
  artifactId: text(2048).optional(),
  outcome: RunOutcomeSchema.optional(),
  durationMs: z.number().nonnegative().optional(),
});

const artifact = {
  artifactId: z.string().trim().min(1).max(2048),
  service: name.optional(),
  version: name.optional(),
  ...linking,
};

export const ArtifactPublishedSchema = z.looseObject(artifact);

const pipelineRun = {
  pipelineRunId: id,
  pipelineName: name.optional(),
  service: name.optional(),
  url: url.optional(),
  ...linking,
};
export const PipelineRunFinishedSchema = z.looseObject({
  ...pipelineRun,
  outcome: RunOutcomeSchema.optional(),
  conclusion: text(256).optional(),
  durationMs: z.number().nonnegative().optional(),
});

const taskRun = {
  taskRunId: id,
  taskName: name.optional(),
  pipelineRunId: id.optional(),
  service: name.optional(),
  url: url.optional(),
  ...linking,
};
export const TaskRunFinishedSchema = z.looseObject({
  ...taskRun,
  outcome: RunOutcomeSchema.optional(),
  conclusion: text(256).optional(),
  durationMs: z.number().nonnegative().optional(),
});

const testCase = {
  testCaseRunId: id,
  testCase: text(1024).optional(),
  testSuiteRunId: id.optional(),
  environment: name.optional(),
  ...linking,
};
export const TestCaseFinishedSchema = z.looseObject({
  ...testCase,
  outcome: text(256).optional(),
  passed: z.boolean().optional(),
});

/**
 * A test suite run's result. `releaseId` may be left out when the run can be linked another way (its
 * CDEvents chain or artifact), or when it is only recorded: then `testSuiteRunId` names its stream.
 */
export const TestsCompletedSchema = z
  .looseObject({
    releaseId: id.optional(),
    testSuiteRunId: id.optional(),
    chainId: text(1024).optional(),
    artifactId: text(2048).optional(),
    suite: name,
    passed: z.boolean(),
    total: z.number().int().nonnegative().optional(),
    failedCount: z.number().int().nonnegative().optional(),
  })
  .refine((d) => d.releaseId !== undefined || d.testSuiteRunId !== undefined, {
    message: 'releaseId or testSuiteRunId is required',
    path: ['releaseId'],
  });

export const TestOutputPublishedSchema = z.looseObject({
  testOutputId: id,
  outputType: text(256).optional(),
  format: text(256).optional(),
  testCaseRunId: id.optional(),
  testSuiteRunId: id.optional(),
  uri: url.optional(),
  ...linking,
});

const environment = { environmentId: id, name: name.optional(), url: url.optional() };
const ticket = {
  ticketId: id,
  summary: text(4096).optional(),
  ticketType: text(256).optional(),
  group: text(256).optional(),
  creator: text(256).optional(),
  assignees: z.array(text(256)).max(1000).optional(),
  priority: text(256).optional(),
  labels: z.array(text(256)).max(1000).optional(),
  milestone: text(256).optional(),
  uri: url.optional(),
};

export const lifecycleEventSchemas = {
  'change.created': ChangeCreatedSchema,
  'change.updated': ChangeUpdatedSchema,
  'change.reviewed': ChangeReviewedSchema,
  'change.merged': ChangeMergedSchema,
  'change.abandoned': ChangeAbandonedSchema,
  'branch.created': z.looseObject(branch),
  'branch.deleted': z.looseObject(branch),
  'repository.created': z.looseObject(repository),
  'repository.modified': z.looseObject(repository),
  'repository.deleted': z.looseObject(repository),
  'build.queued': z.looseObject(build),
  'build.started': z.looseObject(build),
  'build.finished': BuildFinishedSchema,
  'artifact.packaged': z.looseObject(artifact),
  'artifact.signed': z.looseObject({ ...artifact, signature: text(65_536).optional() }),
  'artifact.published': ArtifactPublishedSchema,
  'artifact.downloaded': z.looseObject({ ...artifact, user: text(256).optional() }),
  'artifact.deleted': z.looseObject({ ...artifact, user: text(256).optional() }),
  'pipeline.run.queued': z.looseObject(pipelineRun),
  'pipeline.run.started': z.looseObject(pipelineRun),
  'pipeline.run.finished': PipelineRunFinishedSchema,
  'task.run.started': z.looseObject(taskRun),
  'task.run.finished': TaskRunFinishedSchema,
  'test.case.queued': z.looseObject(testCase),
  'test.case.started': z.looseObject(testCase),
  'test.case.finished': TestCaseFinishedSchema,
  'test.case.skipped': z.looseObject({ ...testCase, reason: text(65_536).optional() }),
  'test.suite.queued': z.looseObject({ testSuiteRunId: id, suite: name.optional(), ...linking }),
  'test.suite.started': z.looseObject({ testSuiteRunId: id, suite: name.optional(), ...linking }),
  'tests.completed': TestsCompletedSchema,
  'test.output.published': TestOutputPublishedSchema,
  'environment.created': z.looseObject(environment),
  'environment.modified': z.looseObject(environment),
  'environment.deleted': z.looseObject(environment),
  'ticket.created': z.looseObject(ticket),
  'ticket.updated': z.looseObject(ticket),
  'ticket.closed': z.looseObject({ ...ticket, resolution: text(256).optional() }),
  /** A valid CDEvent the ledger has no native type for (service.published, custom `dev.cdeventsx.*`). */
  'cdevent.recorded': z.looseObject({ cdeventType: text(1024), subjectId: id, ...linking }),
} as const;
