import type { IncomingEvent, StreamName, StreamType } from './ledger-event.ts';

export function streamName(type: StreamType, id: string): StreamName {
  return `${type}/${id}`;
}

/** Percent-encodes `%` and the separator, so parts joined by it split back one way only. */
export function escapeIdPart(part: string, separator: string): string {
  const encoded = `%${separator.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  return part.replaceAll('%', '%25').replaceAll(separator, encoded);
}

/**
 * The stream of a (service, environment) pair. Streams of one id need no encoding (the type before the
 * first `/` never contains one), but a pair does: (a/b, c) and (a, b/c) were both `service/a/b/c`. Names
 * without `/` or `%` keep the form they always had; otherwise both parts are percent-encoded. A name of
 * the first form never contains `%` and one of the second always does, so the two never meet.
 */
function pairStream(type: 'service' | 'policy', service: string, environment: string): StreamName {
  const plain = !/[/%]/.test(service) && !/[/%]/.test(environment);
  return plain
    ? streamName(type, `${service}/${environment}`)
    : streamName(type, `${escapeIdPart(service, '/')}/${escapeIdPart(environment, '/')}`);
}

/**
 * The name a pair's stream had before parts were encoded, when it differs from today's: events stored
 * under it keep it (it is hashed into them), so readers read both and keep from the older one only the
 * events of this pair (see `ownPairEvents`).
 */
export function legacyPairStream(
  type: 'service' | 'policy',
  service: string,
  environment: string,
): StreamName | undefined {
  const legacy = streamName(type, `${service}/${environment}`);
  return legacy === pairStream(type, service, environment) ? undefined : legacy;
}

/** Events of a pair's streams (today's and the older one) that belong to the pair, in ledger order. */
export function ownPairEvents<E extends { readonly seq: number; readonly data: unknown }>(
  service: string,
  environment: string,
  ...streams: (readonly E[])[]
): E[] {
  const bySeq = new Map<number, E>();
  for (const event of streams.flat()) {
    const data = event.data as Record<string, unknown>;
    if (data.service === service && data.environment === environment) bySeq.set(event.seq, event);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The history of one service in one environment: its deployments, incidents and rollback decisions. */
export function serviceStream(service: string, environment: string): StreamName {
  return pairStream('service', service, environment);
}

/** Flag exposures naming a service version (rather than a release id): `feature/<service@version>`. */
export function featureStream(service: string, version: string): StreamName {
  // The same form as an implicit release id (`implicitReleaseId`), so each pair has one stream.
  return streamName('feature', `${escapeIdPart(service, '@')}@${escapeIdPart(version, '@')}`);
}

export function policyStream(service: string, environment: string): StreamName {
  return pairStream('policy', service, environment);
}

/**
 * Which histories an event belongs to. The first is its own stream; the rest are links, so reading a
 * release shows its approvals, tests, deployments and gate decisions, reading a deployment shows the
 * rollback or fix that remedied it and the incidents attributed to it, and reading a service in an
 * environment shows everything gates and rollbacks judge it by.
 */
export function streamsOf(event: IncomingEvent): readonly [StreamName, ...StreamName[]] {
  const streams = ownStreamsOf(event);
  const data = event.data as Record<string, unknown>;
  const chainId = typeof data.chainId === 'string' && data.chainId.length > 0 ? data.chainId : undefined;
  // A test run names an artifact: readers of a release find it there when the release ships that artifact.
  const artifactId =
    event.type === 'tests.completed' && typeof data.artifactId === 'string' && data.artifactId.length > 0
      ? streamName('artifact', data.artifactId)
      : undefined;
  // Every event of a CDEvents chain is also in `chain/<chainId>`, written in the same transaction, so a
  // release's readers find the test runs of its chain without ingest looking anything up.
  const extra = [artifactId, chainId === undefined ? undefined : streamName('chain', chainId)].filter(
    (s): s is StreamName => s !== undefined && !streams.includes(s),
  );
  return extra.length === 0 ? streams : [...streams, ...extra];
}

function ownStreamsOf(event: IncomingEvent): readonly [StreamName, ...StreamName[]] {
  const data = event.data as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const value = data[key];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const withLinks = (
    own: StreamName,
    ...links: (StreamName | undefined)[]
  ): [StreamName, ...StreamName[]] => {
    const unique = new Set<StreamName>([own]);
    for (const link of links) if (link) unique.add(link);
    return [...unique] as [StreamName, ...StreamName[]];
  };
  const ref = (type: 'release' | 'deployment', key: string): StreamName | undefined => {
    const id = text(key);
    return id === undefined ? undefined : streamName(type, id);
  };
  const service = (): StreamName | undefined => {
    const name = text('service');
    const environment = text('environment');
    return name && environment ? serviceStream(name, environment) : undefined;
  };
  const evaluation = (): StreamName | undefined => {
    const id = text('evaluationId');
    return id === undefined ? undefined : streamName('evaluation', id);
  };
  const own = (type: StreamType, key: string) => streamName(type, String(data[key]));
  switch (event.type) {
    case 'release.created':
      return withLinks(own('release', 'releaseId'));
    case 'deployment.requested':
      // A gate evaluation's request (and its decision) also lands in `evaluation/<id>`.
      return withLinks(
        own('deployment', 'deploymentId'),
        ref('release', 'releaseId'),
        service(),
        evaluation(),
      );
    case 'deployment.started':
    case 'deployment.progressed':
    case 'deployment.failed':
      return withLinks(own('deployment', 'deploymentId'), ref('release', 'releaseId'), service());
    case 'deployment.succeeded':
      return withLinks(
        own('deployment', 'deploymentId'),
        ref('release', 'releaseId'),
        ref('deployment', 'rollbackOf'),
        ref('deployment', 'fixes'),
        service(),
      );
    case 'incident.opened':
      return withLinks(own('incident', 'incidentId'), ref('deployment', 'deploymentId'), service());
    case 'incident.resolved':
      return withLinks(own('incident', 'incidentId'));
    case 'approval.granted':
      return withLinks(own('release', 'releaseId'));
    case 'tests.completed': {
      // Its release's history as always when it names one; else its own run's stream.
      const run = text('testSuiteRunId');
      const suiteStream = run === undefined ? undefined : streamName('testsuite', run);
      const release = ref('release', 'releaseId');
      return release ? withLinks(release, suiteStream) : withLinks(streamName('testsuite', String(run)));
    }
    case 'change.created':
    case 'change.updated':
    case 'change.reviewed':
    case 'change.merged':
    case 'change.abandoned':
      return withLinks(own('change', 'changeId'));
    case 'branch.created':
    case 'branch.deleted':
      return withLinks(own('branch', 'branchId'));
    case 'repository.created':
    case 'repository.modified':
    case 'repository.deleted':
      return withLinks(own('repository', 'repositoryId'));
    case 'build.queued':
    case 'build.started':
    case 'build.finished':
      return withLinks(own('build', 'buildId'), ref('release', 'releaseId'));
    case 'artifact.packaged':
    case 'artifact.signed':
    case 'artifact.published':
    case 'artifact.downloaded':
    case 'artifact.deleted':
      return withLinks(own('artifact', 'artifactId'), ref('release', 'releaseId'));
    case 'pipeline.run.queued':
    case 'pipeline.run.started':
    case 'pipeline.run.finished':
      return withLinks(own('pipeline', 'pipelineRunId'), ref('release', 'releaseId'));
    case 'task.run.started':
    case 'task.run.finished':
      return withLinks(own('task', 'taskRunId'), ref('release', 'releaseId'));
    case 'test.case.queued':
    case 'test.case.started':
    case 'test.case.finished':
    case 'test.case.skipped':
      return withLinks(own('testcase', 'testCaseRunId'), ref('release', 'releaseId'));
    case 'test.suite.queued':
    case 'test.suite.started':
      return withLinks(own('testsuite', 'testSuiteRunId'), ref('release', 'releaseId'));
    case 'test.output.published':
      return withLinks(own('testoutput', 'testOutputId'), ref('release', 'releaseId'));
    case 'environment.created':
    case 'environment.modified':
    case 'environment.deleted':
      return withLinks(own('environment', 'environmentId'));
    case 'ticket.created':
    case 'ticket.updated':
    case 'ticket.closed':
      return withLinks(own('ticket', 'ticketId'));
    case 'cdevent.recorded':
      return withLinks(own('cdevent', 'subjectId'), ref('release', 'releaseId'));
    case 'alert.fired':
    case 'alert.resolved':
      // Its own alert's history, and the service's, where rollbacks and gates read signals.
      return withLinks(own('alert', 'alertId'), service());
    case 'metric.observed':
      return withLinks(serviceStream(String(data.service), String(data.environment)));
    case 'feature.released': {
      // The flag's own history, its release's, and — when it names a version — the stream of that service
      // version, where the release view finds exposures that name no releaseId.
      const version = text('version');
      return withLinks(
        own('flag', 'flag'),
        ref('release', 'releaseId'),
        version === undefined ? undefined : featureStream(String(data.service), version),
        service(),
      );
    }
    case 'policy.updated':
      return withLinks(policyStream(String(data.service), String(data.environment)));
    case 'gate.evaluated':
      return withLinks(own('deployment', 'deploymentId'), ref('release', 'releaseId'), evaluation());
    case 'gate.bypassed':
      return withLinks(own('deployment', 'deploymentId'), ref('release', 'releaseId'));
    case 'rollback.requested':
      return withLinks(own('deployment', 'deploymentId'), service());
    case 'review.completed':
      return withLinks(own('deployment', 'deploymentId'));
    case 'checklist.item.completed':
      // With the release's approvals: the gate reads the release's history.
      return withLinks(own('release', 'releaseId'));
    case 'oncall.handoff.acknowledged':
      // A deployment's handoff is in its stream (where the gate and the briefing read it), linked to its
      // release when named; a release's handoff covers all of its deployments in the environment.
      return text('deploymentId')
        ? withLinks(own('deployment', 'deploymentId'), ref('release', 'releaseId'))
        : withLinks(own('release', 'releaseId'));
    case 'release.watch.completed':
      return withLinks(own('deployment', 'deploymentId'), service());
    case 'rollback.skipped':
      return text('deploymentId')
        ? withLinks(own('deployment', 'deploymentId'), service())
        : withLinks(serviceStream(String(data.service), String(data.environment)));
    default:
      return assertNever(event.type);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled event type ${String(value)}`);
}
