import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapCdEvent } from '../../../../domain/ingest/cdevents.ts';
import { streamsOf } from '../../../../domain/ledger/streams.ts';

/** Each CDEvent type of both spec lines onto its native type, from the spec's own conformance examples. */
const CORPUS = join(process.cwd(), '..', 'shared', 'corpus', 'cdevents');
const present = existsSync(CORPUS);
if (!present) console.warn(`skipping the CDEvents mapping table: ${CORPUS} is absent`);

const expected: Record<string, string> = {
  artifact_deleted: 'artifact.deleted',
  artifact_downloaded: 'artifact.downloaded',
  artifact_packaged: 'artifact.packaged',
  artifact_published: 'artifact.published',
  artifact_signed: 'artifact.signed',
  branch_created: 'branch.created',
  branch_deleted: 'branch.deleted',
  build_finished: 'build.finished',
  build_queued: 'build.queued',
  build_started: 'build.started',
  change_abandoned: 'change.abandoned',
  change_created: 'change.created',
  change_merged: 'change.merged',
  change_reviewed: 'change.reviewed',
  change_updated: 'change.updated',
  environment_created: 'environment.created',
  environment_deleted: 'environment.deleted',
  environment_modified: 'environment.modified',
  incident_detected: 'incident.opened',
  incident_reported: 'incident.opened',
  incident_resolved: 'incident.resolved',
  pipelinerun_finished: 'pipeline.run.finished',
  pipelinerun_queued: 'pipeline.run.queued',
  pipelinerun_started: 'pipeline.run.started',
  repository_created: 'repository.created',
  repository_deleted: 'repository.deleted',
  repository_modified: 'repository.modified',
  service_deployed: 'deployment.succeeded',
  service_published: 'cdevent.recorded',
  service_removed: 'cdevent.recorded',
  service_rolledback: 'deployment.succeeded',
  service_upgraded: 'deployment.succeeded',
  taskrun_finished: 'task.run.finished',
  taskrun_started: 'task.run.started',
  testcaserun_finished: 'test.case.finished',
  testcaserun_queued: 'test.case.queued',
  testcaserun_skipped: 'test.case.skipped',
  testcaserun_started: 'test.case.started',
  testoutput_published: 'test.output.published',
  testsuiterun_finished: 'tests.completed',
  testsuiterun_queued: 'test.suite.queued',
  testsuiterun_started: 'test.suite.started',
  ticket_closed: 'ticket.closed',
  ticket_created: 'ticket.created',
  ticket_updated: 'ticket.updated',
};

const read = (line: string, file: string) =>
  JSON.parse(readFileSync(join(CORPUS, line, file), 'utf8')) as Record<string, unknown>;

describe.skipIf(!present)('CDEvents lifecycle mapping of the spec examples', () => {
  for (const line of ['spec-v0.4.1', 'spec-v0.5.1']) {
    const files = present ? readdirSync(join(CORPUS, line, 'conformance')).sort() : [];
    it(`${line}: covers every example`, () => {
      expect(files.map((f) => f.replace('.json', ''))).toEqual(Object.keys(expected).sort());
    });
    it.each(files)(`${line}: %s maps onto its native type, with its chain, if any`, (file) => {
      const example = read(line, join('conformance', file));
      const chainId = (example.context as Record<string, unknown>).chainId;
      const result = mapCdEvent(example);
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (!result.ok) return;
      expect(result.event.type).toBe(expected[file.replace('.json', '')]);
      expect(result.event.data.chainId).toBe(chainId);
      const streams = streamsOf({
        source: 's',
        id: 'i',
        type: result.event.type,
        occurredAt: result.event.time,
        data: result.event.data,
      } as Parameters<typeof streamsOf>[0]);
      if (typeof chainId === 'string') expect(streams).toContain(`chain/${chainId}`);
      else expect(streams.some((s) => s.startsWith('chain/'))).toBe(false);
    });
    it(`${line}: the custom example becomes cdevent.recorded`, () => {
      const result = mapCdEvent(read(line, join('custom', 'conformance.json')));
      expect(result.ok && result.event.type).toBe('cdevent.recorded');
    });
  }

  it('maps run fields: pipelineRun outcome and taskRun parent, testCaseRun outcome, signature required', () => {
    const pipeline = mapCdEvent(read('spec-v0.4.1', 'conformance/pipelinerun_finished.json'));
    expect(pipeline.ok && pipeline.event.data).toMatchObject({
      pipelineRunId: 'mySubject123',
      pipelineName: 'myPipeline',
      outcome: 'failure',
      conclusion: 'failure',
    });
    const task = mapCdEvent(read('spec-v0.5.1', 'conformance/taskrun_finished.json'));
    expect(task.ok && typeof task.event.data.pipelineRunId).toBe('string');
    const testCase = mapCdEvent(read('spec-v0.5.1', 'conformance/testcaserun_finished.json'));
    expect(testCase.ok && testCase.event.data.passed).toBe(true);
    const signed = read('spec-v0.5.1', 'conformance/artifact_signed.json');
    delete ((signed.subject as Record<string, unknown>).content as Record<string, unknown>).signature;
    const refused = mapCdEvent(signed);
    expect(refused.ok === false && refused.issues.map((i) => i.path)).toEqual([
      ['subject', 'content', 'signature'],
    ]);
  });
});
